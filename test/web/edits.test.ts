// Editing one's own messages (API.md §16): in place, with an "edited" mark, live on the other side
// by message.updated; Up in an empty composer edits the last one; a slow link keeps the text in the
// box until the answer, a server error keeps it to try again, and a re-render keeps an open editor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoPageErrors, openAs, type RoomTabs, send, sleep, type Tab, twoTabsInARoom, WAIT_MS } from './browser.js'

let { server, browser, alice, bob, roomId, a, b, close } = {} as RoomTabs

const PATCHES = '**/api/messages/*'
type Stored = { id: number; text: string; edited_at: string | null; author_id: number }
const stored = async () => (await alice.client.get(`/api/rooms/${roomId}/messages?limit=200`)).body.data.items as Stored[]
const storedText = async (id: number) => (await stored()).find((m) => m.id === id)!

beforeAll(async () => {
  ;({ server, browser, alice, bob, roomId, a, b, close } = await twoTabsInARoom({ name: 'Edits' }))
}, 60_000)

afterAll(() => close?.())

const bubble = (tab: Tab, text: string) => tab.page.locator('.messages li.msg', { hasText: text })
const byId = (tab: Tab, id: string | number | null) => tab.page.locator(`.messages li.msg[data-id="${id}"]`)

describe('web client: editing messages', () => {
  it('the author edits from the message menu; both sides show the new text marked "edited"', async () => {
    await send(b.page, 'the meeting is at 3')
    const mine = byId(b, await bubble(b, 'the meeting is at 3').getAttribute('data-id'))
    await mine.locator('.msg-menu-btn').click()
    await b.page.getByRole('menuitem', { name: 'Edit' }).click()
    const editor = mine.getByRole('textbox', { name: 'Edit your message' })
    expect(await editor.inputValue()).toBe('the meeting is at 3')
    expect(await editor.evaluate((el) => el === document.activeElement)).toBe(true)
    await editor.fill('the meeting is at 4')
    await editor.press('Enter')
    const edited = bubble(b, 'the meeting is at 4')
    await edited.locator('.meta .edited').waitFor()
    expect(await edited.locator('.text').textContent()).toBe('the meeting is at 4')
    const theirs = bubble(a, 'the meeting is at 4')
    await theirs.locator('.meta .edited', { hasText: 'edited' }).waitFor()
    expect(await a.page.locator('.messages .text', { hasText: 'the meeting is at 3' }).count()).toBe(0)
    const id = Number(await edited.getAttribute('data-id'))
    const row = await storedText(id)
    expect(row.text).toBe('the meeting is at 4')
    expect(row.edited_at).not.toBeNull()
    // Others' messages offer no Edit.
    await bubble(b, 'the meeting is at 4').waitFor()
    await send(a.page, 'noted')
    await bubble(b, 'noted').locator('.msg-menu-btn').click()
    expect(await b.page.getByRole('menu', { name: 'Message actions' }).getByRole('menuitem').allTextContents()).not.toContain('Edit')
    await b.page.keyboard.press('Escape')
    expectNoPageErrors(a, b)
  }, 60_000)

  it('Up in an empty composer edits my last message; Escape cancels and changes nothing', async () => {
    await send(b.page, 'last words')
    const mine = byId(b, await bubble(b, 'last words').getAttribute('data-id'))
    const box = b.page.locator('.composer textarea')
    await box.focus()
    await box.press('ArrowUp')
    const editor = mine.getByRole('textbox', { name: 'Edit your message' })
    expect(await editor.inputValue()).toBe('last words')
    await editor.fill('something else')
    await editor.press('Escape')
    await editor.waitFor({ state: 'detached' })
    expect(await bubble(b, 'last words').locator('.text').textContent()).toBe('last words')
    expect(await bubble(b, 'last words').locator('.edited').count()).toBe(0)
    expect(await box.evaluate((el) => el === document.activeElement)).toBe(true)
    // Up with text in the box moves the caret, as always.
    await box.fill('draft')
    await box.press('ArrowUp')
    expect(await b.page.getByRole('textbox', { name: 'Edit your message' }).count()).toBe(0)
    await box.fill('')
  }, 60_000)

  it('on a slow link the text waits in the box as "Saving…", and an event re-rendering the message keeps an open editor', async () => {
    await send(b.page, 'slow edit')
    const id = Number(await bubble(b, 'slow edit').getAttribute('data-id'))
    await bubble(b, 'slow edit').locator('.msg-menu-btn').click()
    await b.page.getByRole('menuitem', { name: 'Edit' }).click()
    const editor = b.page.getByRole('textbox', { name: 'Edit your message' })
    await editor.fill('slow edit, typed while')
    // Alice reacts meanwhile: the message is drawn again, the editor and its text stay, focused.
    expect((await alice.client.request('PUT', `/api/messages/${id}/reactions/${encodeURIComponent('👍')}`)).status).toBe(204)
    await b.page.locator(`li[data-id="${id}"] .reaction`).waitFor()
    expect(await editor.inputValue()).toBe('slow edit, typed while')
    expect(await editor.evaluate((el) => el === document.activeElement)).toBe(true)

    await b.page.route(PATCHES, async (route) => {
      if (route.request().method() === 'PATCH') await sleep(1500)
      await route.continue()
    })
    await editor.fill('slow edit, saved late')
    await editor.press('Enter')
    await b.page.getByText('Saving…').waitFor()
    expect(await editor.inputValue()).toBe('slow edit, saved late')
    expect(await editor.getAttribute('readonly')).not.toBeNull()
    await bubble(b, 'slow edit, saved late').locator('.edited').waitFor()
    expect(await b.page.getByRole('textbox', { name: 'Edit your message' }).count()).toBe(0)
    expect((await storedText(id)).text).toBe('slow edit, saved late')
    await b.page.unroute(PATCHES)
  }, 60_000)

  it('a server error keeps the text in the editor with the reason; saving again works', async () => {
    await send(b.page, 'will fail once')
    const id = Number(await bubble(b, 'will fail once').getAttribute('data-id'))
    await b.page.route(PATCHES, (route) =>
      route.request().method() === 'PATCH' ? route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'The server had a problem.' } }) }) : route.continue(),
    )
    await bubble(b, 'will fail once').locator('.msg-menu-btn').click()
    await b.page.getByRole('menuitem', { name: 'Edit' }).click()
    const editor = b.page.getByRole('textbox', { name: 'Edit your message' })
    await editor.fill('fixed on the second try')
    await editor.press('Enter')
    await b.page.getByRole('alert').getByText('Not saved: The server had a problem.').waitFor()
    expect(await editor.inputValue()).toBe('fixed on the second try')
    expect((await storedText(id)).text).toBe('will fail once')
    await b.page.unroute(PATCHES)
    await editor.press('Enter')
    await bubble(b, 'fixed on the second try').locator('.edited').waitFor()
    await expect.poll(async () => (await storedText(id)).text, { timeout: WAIT_MS }).toBe('fixed on the second try')
    // An edit to hostile text shows as text.
    await bubble(b, 'fixed on the second try').locator('.msg-menu-btn').click()
    await b.page.getByRole('menuitem', { name: 'Edit' }).click()
    await editor.fill('<img src=x onerror="window.__pwned=1">')
    await editor.press('Enter')
    await expect.poll(() => a.page.locator(`li[data-id="${id}"] .text`).textContent(), { timeout: WAIT_MS }).toBe('<img src=x onerror="window.__pwned=1">')
    expect(await a.page.locator(`li[data-id="${id}"] .text img`).count()).toBe(0)
    expect(await a.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    expectNoPageErrors(a, b)
  }, 60_000)
})
