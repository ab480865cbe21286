// API features with a screen now: invitations, clearing a room, the gift catalogue; the Complaints
// link and other people's photos follow live; plurals; one "Claim free coins" button.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lastMessageTo, type TestServer } from '../helpers/server.js'
import { registerUser } from '../helpers/users.js'
import { expectNoPageErrors, messageTexts, openAs, screenshot, send, sleep, type Tab, twoInARoom, type User, WAIT_MS } from './browser.js'

let close = async () => {}
let server: TestServer
let browser: Browser
let alice: User // site admin: the first account
let bob: User
let roomId: number

async function menuItems(page: Page): Promise<string[]> {
  await page.getByRole('button', { name: 'Menu' }).click()
  const items = await page.getByRole('menu', { name: 'Account' }).getByRole('menuitem').allTextContents()
  await page.keyboard.press('Escape')
  return items
}

/** A PNG drawn by the browser's canvas. */
async function png(page: Page, colour: string): Promise<Buffer> {
  const url = await page.evaluate((colour) => {
    const c = document.createElement('canvas')
    c.width = c.height = 48
    const g = c.getContext('2d')!
    g.fillStyle = colour
    g.fillRect(0, 0, 48, 48)
    return c.toDataURL('image/png')
  }, colour)
  return Buffer.from(url.split(',')[1]!, 'base64')
}

beforeAll(async () => {
  ;({ server, browser, alice, bob, roomId, close } = await twoInARoom({ name: 'Plaza' }))
}, 60_000)

afterAll(() => close())

describe('web client: every screen', () => {
  it('invites people by email and SMS, names a bad entry, and shows who joined', async () => {
    const b = await openAs(browser, server, bob.client, '/')
    await b.page.getByRole('button', { name: 'Menu' }).click()
    await b.page.getByRole('menuitem', { name: 'Invite people' }).click()
    const box = b.page.getByLabel('Email addresses or phone numbers')
    await box.fill('friend@example.test, not-an-email@')
    await b.page.getByRole('button', { name: 'Send invitations' }).click()
    await b.page.getByRole('alert').getByText('“not-an-email@” is not an email address').waitFor()
    await box.fill('friend@example.test\n+44 20 7946 0958')
    await b.page.getByRole('button', { name: 'Send invitations' }).click()
    await b.page.getByText('Sent 2 invitations.').waitFor()
    const rows = b.page.locator('.invite')
    await expect.poll(() => rows.count(), { timeout: WAIT_MS }).toBe(2)
    expect(await rows.locator('.chip').allTextContents()).toEqual(['not yet', 'not yet'])

    // The friend signs up with the invited address and proves it.
    const friend = server.client()
    expect((await friend.post('/api/auth/register', { username: 'friend', email: 'friend@example.test', password: 'long enough' })).status).toBe(201)
    const token = /verify-email\?token=([\w-]+)/.exec(lastMessageTo(server, 'friend@example.test').text)![1]
    expect((await friend.get(`/api/auth/verify-email?token=${token}`, { headers: { accept: 'application/json' } })).status).toBe(200)
    await b.page.reload()
    await b.page.locator('.invite', { hasText: 'friend@example.test' }).locator('.chip', { hasText: 'joined' }).waitFor()
    expect(await b.page.locator('.invite', { hasText: '+442079460958' }).locator('.chip').textContent()).toBe('not yet')
    await screenshot(b.page, 'invitations')
    expectNoPageErrors(b)
    await b.context.close()
  }, 60_000)

  it('clears a room’s history for the reader only', async () => {
    await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'old news' })
    const b = await openAs(browser, server, bob.client, `/room/${roomId}`)
    await b.page.locator('.messages .text', { hasText: 'old news' }).waitFor()
    await b.page.getByRole('button', { name: 'More' }).click()
    await b.page.getByRole('menuitem', { name: 'Clear history for me…' }).click()
    await b.page.locator('dialog').getByRole('button', { name: 'Clear history' }).click()
    await expect.poll(() => messageTexts(b.page), { timeout: WAIT_MS }).toEqual([])
    await b.page.reload()
    await b.page.getByText('No messages yet. Say hello!').waitFor()
    expect(await messageTexts(b.page)).toEqual([])
    // Others keep it; what comes next shows.
    expect(((await alice.client.get(`/api/rooms/${roomId}/messages`)).body.data.items as { text: string }[]).map((m) => m.text)).toContain('old news')
    await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'fresh news' })
    await expect.poll(() => messageTexts(b.page), { timeout: WAIT_MS }).toEqual(['fresh news'])
    expectNoPageErrors(b)
    await b.context.close()
  }, 60_000)

  it('a site admin adds a gift to the catalogue; others are not offered the screen', async () => {
    const a = await openAs(browser, server, alice.client, '/')
    await a.page.getByRole('button', { name: 'Menu' }).click()
    await a.page.getByRole('menuitem', { name: 'Gift catalogue' }).click()
    // A fresh site has the default catalogue (API.md §16).
    await a.page.locator('.catalogue .gift-item', { hasText: 'Heart' }).waitFor()
    await a.page.getByLabel('Name').fill('Rose')
    await a.page.getByLabel('Price in coins').fill('1')
    await a.page.getByLabel('Picture', { exact: true }).setInputFiles({ name: 'rose.png', mimeType: 'image/png', buffer: await png(a.page, '#e11d48') })
    await a.page.getByRole('button', { name: 'Add gift' }).click()
    await a.page.getByText('Added Rose.').waitFor()
    const row = a.page.locator('.catalogue .gift-item', { hasText: 'Rose' })
    await row.getByText('1 coin', { exact: true }).waitFor()
    const src = await row.locator('img').getAttribute('src')
    expect(src).toMatch(/^\/files\//)
    await expect.poll(() => row.locator('img').evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth), { timeout: WAIT_MS }).toBe(48)
    expect((await alice.client.get('/api/gifts')).body.data.gifts).toContainEqual(expect.objectContaining({ name: 'Rose', price: 1, image_url: src }))
    await screenshot(a.page, 'gift-catalogue')
    expectNoPageErrors(a)
    await a.context.close()

    const b = await openAs(browser, server, bob.client, '/')
    expect(await menuItems(b.page)).not.toContain('Gift catalogue')
    await b.context.close()
  }, 60_000)

  it('the Complaints link appears for a new room admin without a reload, and goes with the room', async () => {
    const carol = await registerUser(server, 'carol')
    const c = await openAs(browser, server, carol.client, '/rooms')
    await c.page.getByRole('heading', { name: 'Rooms' }).waitFor()
    expect(await menuItems(c.page)).not.toContain('Complaints')
    await c.page.getByRole('button', { name: 'Create room' }).click()
    await c.page.getByLabel('Name').fill('Carol’s corner')
    await c.page.getByRole('button', { name: 'Create', exact: true }).click()
    await c.page.waitForURL(/\/room\/\d+$/)
    await expect.poll(() => menuItems(c.page), { timeout: WAIT_MS }).toContain('Complaints')
    const created = Number(new URL(c.page.url()).pathname.split('/').at(-1))
    expect((await carol.client.delete(`/api/rooms/${created}`)).status).toBe(204)
    await expect.poll(() => menuItems(c.page), { timeout: WAIT_MS }).not.toContain('Complaints')
    expectNoPageErrors(c)
    await c.context.close()
  }, 60_000)

  it('someone’s new profile photo shows on their messages live', async () => {
    const b = await openAs(browser, server, bob.client, `/room/${roomId}`)
    await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'look at my face' })
    const line = b.page.locator('.messages li.msg', { hasText: 'look at my face' })
    await line.locator('.msg-avatar span.avatar').waitFor({ state: 'attached' })
    const up = await alice.client.request('POST', '/api/uploads', undefined, { raw: form(await png(b.page, '#0ea5e9')) })
    expect(up.status).toBe(201)
    expect((await alice.client.patch('/api/me', { photo_upload_id: up.body.data.upload.id })).status).toBe(200)
    await expect.poll(() => line.locator('.msg-avatar img.avatar').getAttribute('src'), { timeout: WAIT_MS }).toBe(up.body.data.upload.url)
    expectNoPageErrors(b)
    await b.context.close()
  }, 60_000)

  it('counts in words with plurals, and has one "Claim free coins" button', async () => {
    const dave = await registerUser(server, 'dave')
    expect((await dave.client.post(`/api/rooms/${roomId}/join`)).status).toBe(200)
    const b = await openAs(browser, server, dave.client, '/profile')
    await b.page.locator('#coins').getByText('0 coins').waitFor()
    expect(await b.page.getByRole('button', { name: /free coins/i }).count()).toBe(1)
    await b.page.getByRole('button', { name: 'Claim free coins' }).click()
    await b.page.locator('#coins').getByText('3 coins').waitFor()
    expect(await b.page.locator('.topbar .balance').getAttribute('title')).toBe('You have 3 coins')
    await b.page.goto(`/dm/${alice.user.id}`)
    await send(b.page, 'a rose for you')
    // A slow link: each gift's answer comes 700 ms after the server sent it, so the balance's
    // event (by the poll) is on screen before the answer closes the dialog.
    await b.page.route('**/api/gifts/*/send', async (route) => {
      const answer = await route.fetch()
      await sleep(700)
      await route.fulfill({ response: answer })
    })
    await b.page.getByRole('button', { name: 'Gift', exact: true }).click()
    const dialog = b.page.getByRole('dialog', { name: 'Send alice a gift' })
    await dialog.getByText('you have 3 coins').waitFor()
    // The default catalogue (API.md §16) has a 1-coin gift too (Heart) beside the Rose this file adds.
    await dialog.locator('.gift-price', { hasText: /^1 coin$/ }).first().waitFor()
    await dialog.getByRole('button', { name: 'Send gift' }).click()
    await expect.poll(() => b.page.locator('.topbar .balance').getAttribute('title'), { timeout: WAIT_MS }).toBe('You have 2 coins')
    // The balance can change (by the poll's event) before the send's answer closes the dialog:
    // the second gift is asked for once the first dialog is gone.
    await dialog.waitFor({ state: 'hidden' })
    await b.page.getByRole('button', { name: 'Gift', exact: true }).click()
    await dialog.getByRole('button', { name: 'Send gift' }).click()
    await expect.poll(() => b.page.locator('.topbar .balance').getAttribute('title'), { timeout: WAIT_MS }).toBe('You have 1 coin')
    await b.page.goto('/profile')
    await b.page.locator('#coins').getByText('1 coin', { exact: true }).waitFor()
    await b.page.goto(`/room/${roomId}`)
    await b.page.locator('.chat-head .subtitle', { hasText: /^3 members$/ }).waitFor()
    expectNoPageErrors(b)
    await b.context.close()
  }, 60_000)
})

/** A multipart body with one file field, as a browser would send it. */
function form(file: Buffer): FormData {
  const data = new FormData()
  data.append('file', new Blob([new Uint8Array(file)], { type: 'image/png' }), 'face.png')
  return data
}
