// The composer on slow and failing links: the box clears at once, the message shows as pending,
// sends retry with their client_id until acknowledged, and no text is ever lost or sent twice.
import type { Browser, Route } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestServer } from '../helpers/server.js'
import { cutPolls, expectNoPageErrors, messageTexts, openAs, screenshot, sleep, type Tab, twoInARoom, type User, WAIT_MS } from './browser.js'

let close = async () => {}
let server: TestServer
let browser: Browser
let alice: User
let bob: User
let roomId: number
let b: Tab

// 1.5 s per send: the slow link of the issue.
const SLOW_MS = 1500
const SENDS = '**/api/rooms/*/messages'

/** The room's user messages as the server has them. */
const stored = async () => ((await alice.client.get(`/api/rooms/${roomId}/messages?limit=200`)).body.data.items as { kind: string; text: string }[]).filter((m) => m.kind === 'user').map((m) => m.text)
const isPost = (route: Route) => route.request().method() === 'POST'

beforeAll(async () => {
  ;({ server, browser, alice, bob, roomId, close } = await twoInARoom({ name: 'Slow lane' }))
  b = await openAs(browser, server, bob.client, `/room/${roomId}`)
  await b.page.locator('.composer textarea').waitFor()
}, 60_000)

afterAll(() => close())

describe('web client: a composer that never loses text', () => {
  it('on a slow link the box clears at once, the message shows as pending, and what is typed during a send is kept and sent once', async () => {
    await b.page.route(SENDS, async (route) => {
      if (isPost(route)) await sleep(SLOW_MS)
      await route.continue()
    })
    const box = b.page.locator('.composer textarea')
    await box.fill('slow A')
    await box.press('Enter')
    expect(await box.inputValue()).toBe('')
    await b.page.locator('.pending-messages li.pending', { hasText: 'slow A' }).waitFor()
    // Typing during A's send: A's answer does not touch it.
    await box.pressSequentially('slow B')
    await b.page.locator('.messages li.mine .text', { hasText: 'slow A' }).waitFor()
    expect(await box.inputValue()).toBe('slow B')
    await box.press('Enter')
    // Enter during a send queues the next message behind it.
    await box.fill('slow C')
    await box.press('Enter')
    await box.pressSequentially('and D')
    await box.press('Enter')
    expect(await box.inputValue()).toBe('')
    await expect.poll(() => messageTexts(b.page), { timeout: WAIT_MS }).toEqual(['slow A', 'slow B', 'slow C', 'and D'])
    expect(await stored()).toEqual(['slow A', 'slow B', 'slow C', 'and D'])
    expect(await b.page.locator('.pending-messages li').count()).toBe(0)
    await b.page.unroute(SENDS)
  }, 60_000)

  it('a send whose answer is lost is retried with the same client_id and posted once', async () => {
    const posted: string[] = []
    let first = true
    await b.page.route(SENDS, async (route) => {
      if (!isPost(route)) return route.continue()
      posted.push(JSON.parse(route.request().postData() ?? '{}').client_id)
      if (!first) return route.continue()
      first = false
      // The server stores it; the answer never reaches the page.
      await route.fetch()
      await route.abort('connectionreset')
    })
    await b.page.locator('.composer textarea').fill('answer lost on the way')
    await b.page.locator('.composer textarea').press('Enter')
    // The poll brings the stored message before the retry (1 s later) is answered: shown once, not
    // beside its pending copy.
    await b.page.locator('.messages li.mine .text', { hasText: 'answer lost on the way' }).waitFor()
    expect(posted).toHaveLength(1)
    expect(await b.page.locator('.pending-messages li', { hasText: 'answer lost on the way' }).count()).toBe(0)
    // Acknowledged by the retry.
    await expect.poll(() => posted.length, { timeout: WAIT_MS }).toBeGreaterThanOrEqual(2)
    await b.page.locator('.pending-messages li').waitFor({ state: 'detached' })
    await b.page.locator('.messages li.mine .text', { hasText: 'answer lost on the way' }).waitFor()
    expect(new Set(posted).size).toBe(1)
    expect((await stored()).filter((t) => t === 'answer lost on the way')).toHaveLength(1)
    expect((await messageTexts(b.page)).filter((t) => t === 'answer lost on the way')).toHaveLength(1)
    await b.page.unroute(SENDS)
  }, 60_000)

  it('a refused send stays on screen with the reason, and "Try again" sends it once allowed', async () => {
    // The page misses the live events (its polls are cut), so only the refusal can tell it.
    const reconnect = await cutPolls(b.page, () => alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'ends the held poll' }))
    const until = new Date(Date.now() + 3600_000).toISOString()
    expect((await alice.client.post(`/api/rooms/${roomId}/silence`, { user_id: bob.user.id, until })).status).toBeLessThan(300)
    await b.page.locator('.composer textarea').fill('let me speak')
    await b.page.locator('.composer textarea').press('Enter')
    const failed = b.page.locator('.pending-messages li.failed', { hasText: 'let me speak' })
    await failed.getByText(/^Not sent: you are silenced in this room until \d/).waitFor()
    expect(await stored()).not.toContain('let me speak')

    expect((await alice.client.delete(`/api/rooms/${roomId}/silence/${bob.user.id}`)).status).toBe(204)
    await reconnect()
    await b.page.locator('.conn-status').waitFor({ state: 'hidden', timeout: WAIT_MS })
    await b.page.locator('.composer-notice').waitFor({ state: 'hidden' })
    await screenshot(b.page, 'not-sent')
    await failed.getByRole('button', { name: 'Try again' }).click()
    await b.page.locator('.messages li.mine .text', { hasText: 'let me speak' }).waitFor()
    expect((await stored()).filter((t) => t === 'let me speak')).toHaveLength(1)
    expect(await b.page.locator('.pending-messages li').count()).toBe(0)
  }, 60_000)

  it('a message not yet through when the page reloads is kept, shown and sent after the reload, once', async () => {
    // No send gets through, before the reload or just after it.
    await b.page.route(SENDS, (route) => (isPost(route) ? route.abort('connectionrefused') : route.continue()))
    await b.page.locator('.composer textarea').fill('sent across a reload')
    await b.page.locator('.composer textarea').press('Enter')
    await b.page.locator('.pending-messages li', { hasText: 'No connection' }).waitFor()
    await b.page.reload()
    await b.page.locator('.pending-messages li', { hasText: 'sent across a reload' }).waitFor()
    expect(await stored()).not.toContain('sent across a reload')
    await b.page.unroute(SENDS)
    await b.page.locator('.messages li.mine .text', { hasText: 'sent across a reload' }).waitFor()
    expect((await stored()).filter((t) => t === 'sent across a reload')).toHaveLength(1)
    expect((await messageTexts(b.page)).filter((t) => t === 'sent across a reload')).toHaveLength(1)
  }, 60_000)

  it('a draft per chat survives switching chats and reloading', async () => {
    expect((await alice.client.post(`/api/dialogs/${bob.user.id}/messages`, { text: 'a word?' })).status).toBe(201)
    const box = b.page.locator('.composer textarea')
    await box.fill('half a thought for the room')
    await b.page.locator(`.chat-item[href="/dm/${alice.user.id}"]`).click()
    await b.page.locator('.messages .text', { hasText: 'a word?' }).waitFor()
    expect(await box.inputValue()).toBe('')
    await box.fill('and one for alice\nover two lines')
    await b.page.locator(`.chat-item[href="/room/${roomId}"]`).click()
    await expect.poll(() => box.inputValue(), { timeout: WAIT_MS }).toBe('half a thought for the room')
    await b.page.reload()
    await expect.poll(() => box.inputValue(), { timeout: WAIT_MS }).toBe('half a thought for the room')
    await b.page.locator(`.chat-item[href="/dm/${alice.user.id}"]`).click()
    await expect.poll(() => box.inputValue(), { timeout: WAIT_MS }).toBe('and one for alice\nover two lines')
    // Sending empties the draft for good.
    await box.press('Enter')
    await b.page.locator('.messages li.mine .text', { hasText: 'over two lines' }).waitFor()
    await b.page.reload()
    await b.page.locator('.messages li.mine .text', { hasText: 'over two lines' }).waitFor()
    expect(await box.inputValue()).toBe('')
    expectNoPageErrors(b)
  }, 60_000)
})
