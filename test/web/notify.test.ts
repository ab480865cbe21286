// Knowing about new messages elsewhere: the unread count in the tab title, and opt-in browser
// notifications for direct messages and mentions while the tab is hidden.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestServer } from '../helpers/server.js'
import { expectNoPageErrors, openAs, type Tab, twoInARoom, type User, WAIT_MS } from './browser.js'

let close = async () => {}
let server: TestServer
let browser: Browser
let alice: User
let bob: User
let roomId: number
let b: Tab

type Shown = { title: string; body: string; tag: string }

/** The page's visibility as the browser reports it when the tab is in the background (or back). */
async function setHidden(page: Page, hidden: boolean) {
  await page.evaluate((hidden) => {
    Object.defineProperty(document, 'visibilityState', { value: hidden ? 'hidden' : 'visible', configurable: true })
    Object.defineProperty(document, 'hidden', { value: hidden, configurable: true })
    document.dispatchEvent(new Event('visibilitychange'))
  }, hidden)
}

type Chat = { kind: string; room?: { id: number }; user?: { id: number }; unread: number }

/** Bob's unread count of a chat as the server has it (undefined: not in his list). */
async function unreadOf(which: (c: Chat) => boolean): Promise<number | undefined> {
  const chats = (await bob.client.get('/api/chats')).body.data.items as Chat[]
  return chats.find(which)?.unread
}
const lobbyUnread = () => unreadOf((c) => c.room?.id === roomId)
const dialogUnread = () => unreadOf((c) => c.kind === 'dialog' && c.user?.id === alice.user.id)

const shown = (page: Page) => page.evaluate(() => (window as unknown as { __shown: Shown[] }).__shown)

beforeAll(async () => {
  ;({ server, browser, alice, bob, roomId, close } = await twoInARoom({ name: 'Lobby' }))
}, 60_000)

afterAll(() => close())

describe('web client: news from elsewhere', () => {
  it('the tab title counts unread messages of other chats, and of the open one while the tab is hidden', async () => {
    b = await openAs(browser, server, bob.client, `/room/${roomId}`)
    await expect.poll(() => b.page.title(), { timeout: WAIT_MS }).toBe('Lobby · Parley')
    await alice.client.post(`/api/dialogs/${bob.user.id}/messages`, { text: 'psst' })
    await alice.client.post(`/api/dialogs/${bob.user.id}/messages`, { text: 'psst again' })
    await expect.poll(() => b.page.title(), { timeout: WAIT_MS }).toBe('(2) Lobby · Parley')
    // A message in the open room, seen: no count. The same while the tab is hidden: counted.
    await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'seen at once' })
    await b.page.locator('.messages .text', { hasText: 'seen at once' }).waitFor()
    expect(await b.page.title()).toBe('(2) Lobby · Parley')
    await setHidden(b.page, true)
    // Hidden within the read's 300 ms: the message was on screen, so the server records it read
    // (else a reload of the chat list while hidden counts it again: '(4)').
    await expect.poll(async () => lobbyUnread(), { timeout: WAIT_MS }).toBe(0)
    await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'while away' })
    await expect.poll(() => b.page.title(), { timeout: WAIT_MS }).toBe('(3) Lobby · Parley')
    await setHidden(b.page, false)
    await expect.poll(() => b.page.title(), { timeout: WAIT_MS }).toBe('(2) Lobby · Parley')
    // Opening the dialog reads it.
    await b.page.locator(`.chat-item[href="/dm/${alice.user.id}"]`).click()
    await expect.poll(() => b.page.title(), { timeout: WAIT_MS }).toBe('alice · Parley')
    // The title drops a count as the chat opens or shows again; the read mark reaches the server
    // 300 ms later. Closed before then, the next test's chat list would count those messages again.
    await expect.poll(dialogUnread, { timeout: WAIT_MS }).toBe(0)
    await expect.poll(lobbyUnread, { timeout: WAIT_MS }).toBe(0)
    expectNoPageErrors(b)
    await b.context.close()
  }, 60_000)

  it('a chat list reloaded before the open chat’s read mark reaches the server does not count what is on screen', async () => {
    b = await openAs(browser, server, bob.client, `/room/${roomId}`)
    await b.page.locator('.composer textarea').waitFor()
    // The chat list loaded (so the response awaited below is its reload), with nothing unread on
    // the server (the test before waited for its read marks): no count.
    await b.page.locator(`.chat-item[href="/room/${roomId}"]`).waitFor()
    await expect.poll(() => b.page.title(), { timeout: WAIT_MS }).toBe('Lobby · Parley')
    // A slow link: the read mark of what comes next takes 2 s to reach the server.
    await b.page.route(`**/api/rooms/${roomId}/read`, async (route) => {
      await new Promise((r) => setTimeout(r, 2_000))
      await route.continue().catch(() => undefined)
    })
    await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'on screen' })
    await b.page.locator('.messages .text', { hasText: 'on screen' }).waitFor()
    // Meanwhile the chat list reloads (a change of the room), and the server still counts the message unread.
    const reloaded = b.page.waitForResponse((r) => r.url().includes('/api/chats'))
    expect((await alice.client.patch(`/api/rooms/${roomId}`, { topic: 'reloads the list' })).status).toBe(200)
    await reloaded
    expect(await lobbyUnread()).toBe(1)
    await b.page.evaluate(() => new Promise((r) => requestAnimationFrame(r)))
    expect(await b.page.title()).toBe('Lobby · Parley')
    await expect.poll(lobbyUnread, { timeout: WAIT_MS }).toBe(0)
    expectNoPageErrors(b)
    await b.context.close()
  }, 60_000)

  it('a message seen just before leaving the chat counts as read', async () => {
    b = await openAs(browser, server, bob.client, `/room/${roomId}`)
    await b.page.locator('.composer textarea').waitFor()
    await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'glimpsed on the way out' })
    await b.page.locator('.messages .text', { hasText: 'glimpsed on the way out' }).waitFor()
    await b.page.locator(`.chat-item[href="/dm/${alice.user.id}"]`).click()
    await expect.poll(lobbyUnread, { timeout: WAIT_MS }).toBe(0)
    expect(await b.page.locator(`.chat-item[href="/room/${roomId}"] .badge`).count()).toBe(0)
    expectNoPageErrors(b)
    await b.context.close()
  }, 60_000)

  it('once turned on, direct messages and mentions notify while the tab is hidden, and nothing else does', async () => {
    b = await openAs(browser, server, bob.client, 'about:blank')
    await b.context.grantPermissions(['notifications'], { origin: server.url })
    // Records what the page shows, through the browser's own Notification.
    await b.context.addInitScript(() => {
      const Real = window.Notification
      const w = window as unknown as { __shown: Shown[] }
      w.__shown = []
      class Recorded extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options)
          w.__shown.push({ title, body: options?.body ?? '', tag: options?.tag ?? '' })
        }
      }
      window.Notification = Recorded as typeof Notification
    })
    await b.page.goto('/profile')
    await b.page.getByText('Off.').waitFor()
    await b.page.getByRole('button', { name: 'Turn on notifications' }).click()
    await b.page.getByText(/^On: direct messages and mentions/).waitFor()

    await b.page.goto(`/room/${roomId}`)
    await b.page.locator('.composer textarea').waitFor()
    await setHidden(b.page, true)
    await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'no mention here' })
    await alice.client.post(`/api/dialogs/${bob.user.id}/messages`, { text: 'are you there?' })
    await alice.client.post(`/api/rooms/${roomId}/messages`, { text: '@bob see this' })
    await expect.poll(() => shown(b.page), { timeout: WAIT_MS }).toHaveLength(2)
    expect(await shown(b.page)).toEqual([
      { title: 'alice', body: 'are you there?', tag: `dm:${alice.user.id}` },
      { title: 'alice in Lobby', body: '@bob see this', tag: `room:${roomId}` },
    ])

    // Looking at the tab again: no notification.
    await setHidden(b.page, false)
    await alice.client.post(`/api/dialogs/${bob.user.id}/messages`, { text: 'and now?' })
    await b.page.locator('.chat-item .preview', { hasText: 'and now?' }).waitFor()
    expect(await shown(b.page)).toHaveLength(2)

    // Turned off: none either.
    await b.page.goto('/profile')
    await b.page.getByRole('button', { name: 'Turn off notifications' }).click()
    await b.page.getByText('Off.').waitFor()
    await setHidden(b.page, true)
    await alice.client.post(`/api/dialogs/${bob.user.id}/messages`, { text: 'hello?' })
    await b.page.locator('.chat-item .preview', { hasText: 'hello?' }).waitFor()
    expect(await shown(b.page)).toEqual([])
    expectNoPageErrors(b)
  }, 60_000)
})
