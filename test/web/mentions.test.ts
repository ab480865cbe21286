// Mentions (API.md §16): @ in the composer offers the room's members or the dialog's other party,
// by keyboard or pointer; a slow or failing member list never holds up or changes what is typed.
// The chat list counts unread mentions (mention_count, live and after a reload); messages mark them.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestServer } from '../helpers/server.js'
import { registerUser } from '../helpers/users.js'
import { expectNoPageErrors, openAs, sleep, type Tab, twoInARoom, type User, WAIT_MS } from './browser.js'

let close = async () => {}
let server: TestServer
let browser: Browser
let alice: User
let bob: User
let carol: User
let roomId: number
let b: Tab

const MEMBERS = '**/api/rooms/*/members?*'
/** The room's user messages as the server has them. */
const stored = async () => ((await alice.client.get(`/api/rooms/${roomId}/messages?limit=200`)).body.data.items as { kind: string; text: string }[]).filter((m) => m.kind === 'user').map((m) => m.text)

beforeAll(async () => {
  ;({ server, browser, alice, bob, roomId, close } = await twoInARoom({ name: 'Mentions' }, ['alice', 'bob']))
  carol = await registerUser(server, 'carol')
  expect((await carol.client.post(`/api/rooms/${roomId}/join`)).status).toBe(200)
  b = await openAs(browser, server, bob.client, `/room/${roomId}`)
  await b.page.locator('.composer textarea').waitFor()
}, 60_000)

afterAll(() => close())

const options = () => b.page.getByRole('listbox', { name: 'People to mention' }).locator('.mention-handle').allTextContents()

describe('web client: mention autocomplete', () => {
  it('@ lists the other members; arrows and Enter put @username in the text, and Enter then sends', async () => {
    const box = b.page.locator('.composer textarea')
    await box.pressSequentially('thanks @')
    await expect.poll(options, { timeout: WAIT_MS }).toEqual(['@alice', '@carol'])
    expect(await box.getAttribute('aria-expanded')).toBe('true')
    await box.pressSequentially('c')
    await expect.poll(options, { timeout: WAIT_MS }).toEqual(['@carol'])
    await box.press('ArrowUp') // wraps around one option: still carol
    await box.press('Enter')
    expect(await box.inputValue()).toBe('thanks @carol ')
    expect(await b.page.getByRole('listbox', { name: 'People to mention' }).isHidden()).toBe(true)
    // Nothing was sent by the Enter that picked.
    expect(await stored()).toEqual([])
    await box.pressSequentially('and @')
    await expect.poll(options, { timeout: WAIT_MS }).toEqual(['@alice', '@carol'])
    await box.press('ArrowDown')
    await box.press('Tab')
    await box.pressSequentially('too')
    expect(await box.inputValue()).toBe('thanks @carol and @carol too')
    await box.press('Enter')
    await expect.poll(stored, { timeout: WAIT_MS }).toEqual(['thanks @carol and @carol too'])
  }, 60_000)

  it('Escape closes the list and keeps the text; a click on an option picks it', async () => {
    const box = b.page.locator('.composer textarea')
    await box.pressSequentially('@al')
    await expect.poll(options, { timeout: WAIT_MS }).toEqual(['@alice'])
    await box.press('Escape')
    expect(await b.page.getByRole('listbox', { name: 'People to mention' }).isHidden()).toBe(true)
    expect(await box.inputValue()).toBe('@al')
    await box.pressSequentially('i')
    await b.page.getByRole('option', { name: '@alice' }).click()
    expect(await box.inputValue()).toBe('@alice ')
    await box.fill('')
  }, 60_000)

  it('on a slow member list, the list opens on what is typed by then, and what is sent before it arrives is sent as typed, once', async () => {
    await b.page.reload() // a fresh page: the list is asked for again
    const box = b.page.locator('.composer textarea')
    await box.waitFor()
    await b.page.route(MEMBERS, async (route) => {
      await sleep(1500)
      await route.continue().catch(() => {})
    })
    // Typed on while the list is on its way: it opens on what is typed by then.
    await box.pressSequentially('@')
    await box.pressSequentially('al')
    await expect.poll(options, { timeout: WAIT_MS }).toEqual(['@alice'])
    await box.press('Enter')
    expect(await box.inputValue()).toBe('@alice ')
    await box.fill('')
    await box.pressSequentially('quick @ca')
    await box.press('Enter')
    expect(await box.inputValue()).toBe('')
    await expect.poll(stored, { timeout: WAIT_MS }).toContain('quick @ca')
    await sleep(2000) // the list's answer has come: it opens on nothing and changes nothing
    expect(await box.inputValue()).toBe('')
    expect(await b.page.getByRole('listbox', { name: 'People to mention' }).isHidden()).toBe(true)
    expect((await stored()).filter((t) => t === 'quick @ca')).toHaveLength(1)
    await b.page.unroute(MEMBERS)
  }, 60_000)

  it('when the member list fails, @ offers nothing and the text is sent as typed', async () => {
    await b.page.reload()
    const box = b.page.locator('.composer textarea')
    await box.waitFor()
    await b.page.route(MEMBERS, (route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'boom' } }) }))
    await box.pressSequentially('hello @car')
    await sleep(500)
    expect(await b.page.getByRole('listbox', { name: 'People to mention' }).isHidden()).toBe(true)
    await box.press('Enter')
    await expect.poll(stored, { timeout: WAIT_MS }).toContain('hello @car')
    // The next @ asks again.
    await b.page.unroute(MEMBERS)
    await box.pressSequentially('@car')
    await expect.poll(options, { timeout: WAIT_MS }).toEqual(['@carol'])
    await box.fill('')
    expectNoPageErrors(b)
  }, 60_000)

  it('the chat list counts unread mentions of the reader (also from an edit) until the chat is read, and the message marks them', async () => {
    await b.page.goto('/rooms') // bob's other tab would read the room as messages come
    const home = await openAs(browser, server, bob.client, '/rooms')
    const item = home.page.locator(`.chat-item[href="/room/${roomId}"]`)
    await item.waitFor()
    expect(await item.locator('.badge-mention').count()).toBe(0)
    const sent = await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'ping @bob, and @carol' })
    expect(sent.body.data.message.mentions).toEqual(expect.arrayContaining([bob.user.id, carol.user.id]))
    await item.getByLabel('1 unread mention').waitFor()
    // An edit that adds a mention counts too; an edit without one does not.
    const plain = (await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'no one in particular' })).body.data.message.id
    expect((await alice.client.patch(`/api/messages/${plain}`, { text: 'actually, @bob?' })).status).toBe(200)
    await item.getByLabel('2 unread mentions').waitFor()
    await home.page.reload()
    await item.getByLabel('2 unread mentions').waitFor() // the server's mention_count
    await item.click()
    const line = home.page.locator('.messages li.msg', { hasText: 'ping @bob' })
    await line.waitFor()
    expect(await line.locator('mark.mention-me').allTextContents()).toEqual(['@bob'])
    expect(await line.evaluate((li) => li.classList.contains('mentions-me'))).toBe(true)
    expect(await home.page.locator('.messages li.msg', { hasText: 'actually, @bob?' }).evaluate((li) => li.classList.contains('mentions-me'))).toBe(true)
    await expect.poll(() => item.locator('.badge-mention').count(), { timeout: WAIT_MS }).toBe(0)
    await expect.poll(async () => ((await bob.client.get('/api/chats')).body.data.items as { room?: { id: number }; mention_count: number }[]).find((c) => c.room?.id === roomId)?.mention_count, { timeout: WAIT_MS }).toBe(0)
    expectNoPageErrors(home)
    await home.context.close()
  }, 60_000)

  it('in a dialog, @ offers the other party', async () => {
    const d = await openAs(browser, server, bob.client, `/dm/${carol.user.id}`)
    const box = d.page.locator('.composer textarea')
    await box.waitFor()
    await box.pressSequentially('@')
    await expect.poll(() => d.page.getByRole('option').locator('.mention-handle').allTextContents(), { timeout: WAIT_MS }).toEqual(['@carol'])
    await box.press('Enter')
    expect(await box.inputValue()).toBe('@carol ')
    expectNoPageErrors(d)
    await d.context.close()
  }, 60_000)
})
