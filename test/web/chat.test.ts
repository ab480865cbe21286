// Two people in two browser contexts chat in a room and in a direct conversation, live.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { registerUser } from '../helpers/users.js'
import { expectNoPageErrors, launch, messageTexts, openAs, screenshot, send, WAIT_MS, type Tab } from './browser.js'

let server: TestServer
let browser: Browser
let alice: Awaited<ReturnType<typeof registerUser>>
let bob: Awaited<ReturnType<typeof registerUser>>
let a: Tab
let b: Tab

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_LIMIT: '0' })
  browser = await launch()
  alice = await registerUser(server, 'alice')
  bob = await registerUser(server, 'bob')
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('web client: chatting live', () => {
  it('shows the sign-in screen to a visitor without a session', async () => {
    const visitor = await openAs(browser, server, null)
    await visitor.page.getByRole('tab', { name: 'Sign in' }).waitFor()
    const form = visitor.page.locator('#panel-signin')
    await form.getByLabel('Username or email').waitFor()
    await screenshot(visitor.page, 'sign-in')
    // Signing in through the form works too.
    await form.getByLabel('Username or email').fill('alice')
    await form.getByLabel('Password').fill(alice.password)
    await form.getByRole('button', { name: 'Sign in', exact: true }).click()
    await visitor.page.getByRole('heading', { name: 'Chats' }).waitFor()
    await visitor.context.close()
  }, 60_000)

  it('two users chat in a room: each sees the other’s messages live', async () => {
    a = await openAs(browser, server, alice.client, '/rooms')
    b = await openAs(browser, server, bob.client, '/')
    // Alice creates a room from the directory.
    await a.page.getByRole('button', { name: 'Create room' }).click()
    await a.page.getByLabel('Name').fill('Lobby')
    await a.page.getByLabel('Topic (optional)').fill('Say hi')
    await a.page.getByRole('button', { name: 'Create', exact: true }).click()
    await a.page.waitForURL(/\/room\/\d+$/)
    const roomPath = new URL(a.page.url()).pathname
    await a.page.locator('.composer textarea').waitFor()

    // Bob finds it in the directory and joins.
    await b.page.getByRole('link', { name: 'Rooms', exact: true }).click()
    await b.page.getByLabel('Search').fill('lob')
    await b.page.locator('.room-row', { hasText: 'Lobby' }).getByRole('button', { name: 'Join' }).click()
    await b.page.waitForURL((u) => u.pathname === roomPath)
    await b.page.locator('.composer textarea').waitFor()

    await send(a.page, 'Hello Bob, welcome!')
    await b.page.locator('.messages .text', { hasText: 'Hello Bob, welcome!' }).waitFor()
    // Bob types: Alice sees it; his message then replaces the notice.
    await b.page.locator('.composer textarea').fill('Hi Alice')
    await a.page.locator('.typing', { hasText: 'bob is typing' }).waitFor()
    await send(b.page, 'Hi Alice, glad to be here')
    await a.page.locator('.messages .text', { hasText: 'Hi Alice, glad to be here' }).waitFor()
    await expect.poll(() => a.page.locator('.typing').textContent(), { timeout: WAIT_MS }).toBe('')
    // Bob's join is a service line in Alice's history.
    await a.page.locator('.messages .service', { hasText: 'bob joined' }).waitFor()
    expect(await messageTexts(a.page)).toEqual(['Hello Bob, welcome!', 'Hi Alice, glad to be here'])
    expect(await messageTexts(b.page)).toEqual(['Hello Bob, welcome!', 'Hi Alice, glad to be here'])

    await screenshot(a.page, 'room')
  }, 90_000)

  it('two users talk in a direct conversation with unread badges and read receipts', async () => {
    await b.page.goto(`/dm/${alice.user.id}`)
    await b.page.getByRole('heading', { name: 'alice' }).waitFor()
    await send(b.page, 'Psst, a private word?')
    // Alice, still in the room, gets the dialog in her chat list with an unread badge.
    const item = a.page.locator(`.chat-item[href="/dm/${bob.user.id}"]`)
    await item.locator('.badge', { hasText: '1' }).waitFor()
    await screenshot(a.page, 'chat-list')
    await item.click()
    await a.page.locator('.messages .text', { hasText: 'Psst, a private word?' }).waitFor()
    await expect.poll(() => item.locator('.badge').count(), { timeout: WAIT_MS }).toBe(0)
    // Bob sees that Alice read it.
    await b.page.locator('.msg.mine .receipt.read').waitFor()
    await send(a.page, 'Sure, what is it?')
    await b.page.locator('.messages .text', { hasText: 'Sure, what is it?' }).waitFor()
    expect(await messageTexts(b.page)).toEqual(['Psst, a private word?', 'Sure, what is it?'])
    // Bob has the conversation open, so Alice's reply shows as read on her side.
    await a.page.locator('.msg.mine .receipt.read').waitFor()
    await screenshot(b.page, 'dm')
    expectNoPageErrors(a, b)
  }, 90_000)

  it('an image attachment uploads, sends and renders on both sides', async () => {
    const png = await pngFrom(b.page)
    await b.page.locator('.composer input[type=file]').setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: png })
    await b.page.locator('.composer-attach img.thumb').waitFor()
    await b.page.locator('.composer textarea').fill('look at this')
    await b.page.locator('.composer textarea').press('Enter')
    for (const tab of [a, b]) {
      const img = tab.page.locator('.messages li.msg', { hasText: 'look at this' }).locator('img.attachment')
      await img.waitFor()
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: WAIT_MS }).toBe(64)
    }
    await screenshot(a.page, 'dm-image')
  }, 60_000)

  it('the profile editor saves a display name and a photo', async () => {
    await b.page.getByRole('link', { name: /Your profile/ }).click()
    await b.page.getByLabel('Display name').fill('Bobby')
    await b.page.getByRole('button', { name: 'Save profile' }).click()
    await b.page.getByText('Saved.').waitFor()
    await b.page.locator('#app input[type=file]').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: await pngFrom(b.page) })
    await b.page.getByText('Photo updated.').waitFor()
    const photo = b.page.locator('.photo-box img.avatar')
    await expect.poll(() => photo.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: WAIT_MS }).toBe(64)
    // Alice sees the new name on Bob's messages after her next look at him.
    await a.page.goto(`/user/${bob.user.id}`)
    await a.page.getByRole('heading', { name: 'Bobby' }).waitFor()
    expectNoPageErrors(a, b)
  }, 60_000)

  it('is readable at phone width: the chat list is the home screen, a chat opens full width', async () => {
    const phone = await openAs(browser, server, bob.client, '/', { width: 360, height: 740 })
    await phone.page.locator('.chat-item').first().waitFor()
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await screenshot(phone.page, 'phone-chat-list')
    await phone.page.locator(`.chat-item[href="/dm/${alice.user.id}"]`).click()
    await phone.page.locator('.messages .text', { hasText: 'Sure, what is it?' }).waitFor()
    expect(await phone.page.locator('.sidebar').isVisible()).toBe(false)
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await screenshot(phone.page, 'phone-dm')
    await phone.page.getByRole('link', { name: 'Back to chats' }).click()
    await phone.page.locator('.chat-item', { hasText: 'Lobby' }).click()
    await phone.page.locator('.messages .text', { hasText: 'glad to be here' }).waitFor()
    await phone.page.getByRole('button', { name: 'Members' }).click()
    await phone.page.locator('.member', { hasText: 'alice' }).waitFor()
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await phone.page.getByRole('button', { name: 'Close members' }).click()
    await phone.page.emulateMedia({ colorScheme: 'dark' })
    await screenshot(phone.page, 'phone-room-dark')
    await phone.context.close()
  }, 60_000)
})

/** A 64×48 PNG drawn by the browser's canvas. */
async function pngFrom(page: Page): Promise<Buffer> {
  const url = await page.evaluate(() => {
    const c = document.createElement('canvas')
    c.width = 64
    c.height = 48
    const g = c.getContext('2d')!
    const grad = g.createLinearGradient(0, 0, 64, 48)
    grad.addColorStop(0, '#f59e0b')
    grad.addColorStop(1, '#7c3aed')
    g.fillStyle = grad
    g.fillRect(0, 0, 64, 48)
    return c.toDataURL('image/png')
  })
  return Buffer.from(url.split(',')[1]!, 'base64')
}
