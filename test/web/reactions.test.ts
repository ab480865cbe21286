// Reactions (API.md §16): a picker in the message menu (keyboard and pointer), counts under the
// message that follow message.updated live, each count a toggle of one's own reaction; a server
// error takes the optimistic change back, and quick toggles on a slow link end as the last click.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoPageErrors, openAs, type RoomTabs, screenshot, send, sleep, type Tab, twoTabsInARoom, WAIT_MS } from './browser.js'

let { server, browser, alice, bob, roomId, a, b, close } = {} as RoomTabs

const REACTIONS = '**/api/messages/*/reactions/*'
type Reaction = { emoji: string; user_ids: number[] }
const storedReactions = async (id: number) => ((await alice.client.get(`/api/rooms/${roomId}/messages?limit=200`)).body.data.items as { id: number; reactions: Reaction[] }[]).find((m) => m.id === id)!.reactions
/** The reaction buttons under a message: [emoji, count, pressed]. */
const chips = (tab: Tab, id: number) =>
  tab.page.locator(`li[data-id="${id}"] .reaction`).evaluateAll((bs) => bs.map((b) => [b.querySelector('.reaction-emoji')!.textContent, Number(b.querySelector('.reaction-count')!.textContent), b.getAttribute('aria-pressed') === 'true']))

beforeAll(async () => {
  ;({ server, browser, alice, bob, roomId, a, b, close } = await twoTabsInARoom({ name: 'Reactions' }))
}, 60_000)

afterAll(() => close?.())

describe('web client: reactions', () => {
  it('a reaction picked by keyboard shows on both sides; clicking a count toggles one’s own', async () => {
    await send(a.page, 'we shipped it')
    const li = b.page.locator('.messages li.msg', { hasText: 'we shipped it' })
    await li.waitFor()
    const id = Number(await li.getAttribute('data-id'))
    await li.locator('.msg-menu-btn').focus()
    await b.page.keyboard.press('Enter')
    await b.page.getByRole('menuitem', { name: 'Add a reaction…' }).click()
    const picker = b.page.getByRole('menu', { name: 'Add a reaction' })
    await picker.waitFor()
    expect(await picker.getByRole('menuitem').count()).toBe(12)
    await b.page.keyboard.press('ArrowRight') // thumbs up → heart
    await b.page.keyboard.press('ArrowLeft') // back to thumbs up
    await b.page.keyboard.press('ArrowRight')
    await b.page.keyboard.press('Enter')
    await expect.poll(() => chips(b, id), { timeout: WAIT_MS }).toEqual([['❤️', 1, true]])
    await expect.poll(() => chips(a, id), { timeout: WAIT_MS }).toEqual([['❤️', 1, false]])
    expect(await a.page.locator(`li[data-id="${id}"] .reaction`).getAttribute('title')).toBe('bob')

    await a.page.locator(`li[data-id="${id}"] .reaction`).click()
    await expect.poll(() => chips(b, id), { timeout: WAIT_MS }).toEqual([['❤️', 2, true]])
    await expect.poll(() => chips(a, id), { timeout: WAIT_MS }).toEqual([['❤️', 2, true]])
    expect(await b.page.getByRole('button', { name: /^heart: 2, you, alice$/ }).count()).toBe(1)
    await screenshot(b.page, 'reactions')

    await b.page.locator(`li[data-id="${id}"] .reaction`).click()
    await expect.poll(() => chips(a, id), { timeout: WAIT_MS }).toEqual([['❤️', 1, true]])
    await expect.poll(() => chips(b, id), { timeout: WAIT_MS }).toEqual([['❤️', 1, false]])
    expect(await storedReactions(id)).toEqual([{ emoji: '❤️', user_ids: [alice.user.id] }])
    expectNoPageErrors(a, b)
  }, 60_000)

  it('a server error takes the reaction back and says so', async () => {
    await send(a.page, 'react and fail')
    const li = b.page.locator('.messages li.msg', { hasText: 'react and fail' })
    await li.waitFor()
    const id = Number(await li.getAttribute('data-id'))
    await b.page.route(REACTIONS, (route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'The server had a problem.' } }) }))
    await li.locator('.msg-menu-btn').click()
    await b.page.getByRole('menuitem', { name: 'Add a reaction…' }).click()
    await b.page.getByRole('menuitem', { name: 'party' }).click()
    await b.page.locator('.toast-error', { hasText: 'Reaction not saved: The server had a problem.' }).waitFor()
    await expect.poll(() => chips(b, id), { timeout: WAIT_MS }).toEqual([])
    expect(await storedReactions(id)).toEqual([])
    await b.page.unroute(REACTIONS)
  }, 60_000)

  it('quick toggles on a slow link reach the server in order: the last click wins', async () => {
    await send(a.page, 'toggle me')
    const li = b.page.locator('.messages li.msg', { hasText: 'toggle me' })
    await li.waitFor()
    const id = Number(await li.getAttribute('data-id'))
    expect((await alice.client.request('PUT', `/api/messages/${id}/reactions/${encodeURIComponent('👀')}`)).status).toBe(204)
    await expect.poll(() => chips(b, id), { timeout: WAIT_MS }).toEqual([['👀', 1, false]])
    const seen: string[] = []
    await b.page.route(REACTIONS, async (route) => {
      seen.push(route.request().method())
      await sleep(700)
      await route.continue()
    })
    const chip = b.page.locator(`li[data-id="${id}"] .reaction`)
    await chip.click() // on
    await chip.click() // off
    await chip.click() // on
    expect(await chips(b, id)).toEqual([['👀', 2, true]])
    await expect.poll(() => seen, { timeout: WAIT_MS }).toEqual(['PUT', 'DELETE', 'PUT'])
    await expect.poll(() => storedReactions(id), { timeout: WAIT_MS }).toEqual([{ emoji: '👀', user_ids: [alice.user.id, bob.user.id] }])
    await expect.poll(() => chips(b, id), { timeout: WAIT_MS }).toEqual([['👀', 2, true]])
    await expect.poll(() => chips(a, id), { timeout: WAIT_MS }).toEqual([['👀', 2, true]])
    await b.page.unroute(REACTIONS)
    expectNoPageErrors(a, b)
  }, 60_000)

  it('at 320 px the picker, the counts and an open editor stay inside the screen', async () => {
    const phone = await openAs(browser, server, bob.client, `/room/${roomId}`, { width: 320, height: 640 })
    await phone.page.locator('.composer textarea').waitFor()
    const li = phone.page.locator('.messages li.msg', { hasText: 'toggle me' })
    await li.locator('.reaction').waitFor()
    await li.locator('.msg-menu-btn').focus()
    await phone.page.keyboard.press('Enter')
    await phone.page.getByRole('menuitem', { name: 'Add a reaction…' }).click()
    const picker = phone.page.getByRole('menu', { name: 'Add a reaction' })
    const box = (await picker.boundingBox())!
    expect(box.x).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width).toBeLessThanOrEqual(320)
    await phone.page.keyboard.press('Escape')
    expect(await li.locator('.msg-menu-btn').evaluate((el) => el === document.activeElement)).toBe(true)
    await send(phone.page, 'typed on a phone')
    await phone.page.locator('.composer textarea').press('ArrowUp')
    await phone.page.getByRole('textbox', { name: 'Edit your message' }).waitFor()
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
    await screenshot(phone.page, 'phone-320-edit')
    await phone.page.getByRole('textbox', { name: 'Edit your message' }).press('Escape')
    expectNoPageErrors(phone)
    await phone.context.close()
  }, 60_000)
})
