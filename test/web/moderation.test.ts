// Staff actions from the members panel, and what the member sees in their composer.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { registerUser } from '../helpers/users.js'
import { cutPolls, expectNoPageErrors, launch, messageTexts, openAs, screenshot, send, type Tab, WAIT_MS } from './browser.js'

let server: TestServer
let browser: Browser
let alice: Awaited<ReturnType<typeof registerUser>>
let bob: Awaited<ReturnType<typeof registerUser>>
let roomId: number
let a: Tab
let b: Tab

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_LIMIT: '0' })
  browser = await launch()
  alice = await registerUser(server, 'alice')
  bob = await registerUser(server, 'bob')
  roomId = (await alice.client.post('/api/rooms', { name: 'Town square', topic: 'Be nice' })).body.data.room.id
  expect((await bob.client.post(`/api/rooms/${roomId}/join`)).status).toBe(200)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('web client: moderation', () => {
  it('a moderator silences a member; the member’s composer says why and until when', async () => {
    a = await openAs(browser, server, alice.client, `/room/${roomId}`)
    b = await openAs(browser, server, bob.client, `/room/${roomId}`)
    await send(b.page, 'LOUD NOISES')
    await a.page.locator('.messages .text', { hasText: 'LOUD NOISES' }).waitFor()

    await a.page.getByRole('button', { name: 'Members' }).click()
    await a.page.getByRole('button', { name: 'Moderate bob' }).click()
    await a.page.getByRole('button', { name: 'Silence…' }).click()
    await a.page.getByLabel('For how long').selectOption({ label: '15 minutes' })
    await a.page.getByLabel('Reason (shown to them)').fill('Cool down please')
    await a.page.locator('dialog').getByRole('button', { name: 'Silence', exact: true }).click()
    await a.page.locator('.member', { hasText: 'bob' }).locator('.chip', { hasText: 'silenced' }).waitFor()
    await screenshot(a.page, 'moderation')

    const notice = b.page.locator('.composer-notice')
    await expect.poll(() => notice.textContent(), { timeout: WAIT_MS }).toMatch(/You are silenced in this room by alice until .+Cool down please/)
    expect(await b.page.locator('.composer .send-btn').isDisabled()).toBe(true)
    await b.page.locator('.messages .service', { hasText: 'You were silenced by alice' }).waitFor()
    await screenshot(b.page, 'silenced')

    // After a reload the page still knows (from the room's `silenced` list).
    await b.page.reload()
    await expect.poll(() => notice.textContent(), { timeout: WAIT_MS }).toMatch(/You are silenced in this room.* until /)

    // Lifting the silence clears the notice live.
    await a.page.getByRole('button', { name: 'Moderate bob' }).click()
    await a.page.getByRole('button', { name: 'Unsilence' }).click()
    await notice.waitFor({ state: 'hidden' })
    expect(await b.page.locator('.composer .send-btn').isDisabled()).toBe(false)
  }, 90_000)

  it('a send refused with 403 silenced shows the reason and the time in the composer', async () => {
    // Bob's page misses the live event (its polls are cut), so only the refusal can tell it.
    const reconnect = await cutPolls(b.page, () => alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'ping' }))
    const until = new Date(Date.now() + 3600_000).toISOString()
    const res = await alice.client.post(`/api/rooms/${roomId}/silence`, { user_id: bob.user.id, until, reason: 'second time' })
    expect(res.status).toBeLessThan(300)
    await b.page.locator('.composer textarea').fill('can I talk?')
    await b.page.locator('.composer textarea').press('Enter')
    const notice = b.page.locator('.composer-notice')
    await expect.poll(() => notice.textContent(), { timeout: WAIT_MS }).toMatch(/You are silenced in this room until /)
    expect(await notice.textContent()).not.toContain('by alice') // it came from the 403, not the event
    expect(await messageTexts(b.page)).not.toContain('can I talk?')
    await reconnect()
    // Once polling resumes, the event fills in who did it and why.
    await expect.poll(() => notice.textContent(), { timeout: WAIT_MS }).toContain('by alice')
    await alice.client.delete(`/api/rooms/${roomId}/silence/${bob.user.id}`)
    await notice.waitFor({ state: 'hidden', timeout: WAIT_MS })
  }, 60_000)

  it('staff delete a message and kick a member; the member sees both live', async () => {
    await send(b.page, 'delete me please')
    const line = a.page.locator('.messages li.msg', { hasText: 'delete me please' })
    await line.getByRole('button', { name: /Message actions/ }).click()
    await a.page.getByRole('menuitem', { name: 'Delete…' }).click()
    await a.page.locator('dialog').getByRole('button', { name: 'Delete', exact: true }).click()
    await b.page.locator('.messages .text', { hasText: 'delete me please' }).waitFor({ state: 'detached' })

    await a.page.getByRole('button', { name: 'Moderate bob' }).click()
    await a.page.getByRole('button', { name: 'Kick…' }).click()
    await a.page.getByLabel('Reason (shown to them)').fill('enough for today')
    await a.page.locator('dialog').getByRole('button', { name: 'Kick', exact: true }).click()
    await expect.poll(() => b.page.locator('.composer-notice').textContent(), { timeout: WAIT_MS }).toContain('You were removed from this room by alice (“enough for today”)')
    await b.page.locator(`.chat-item[href="/room/${roomId}"]`).waitFor({ state: 'detached' })
    expectNoPageErrors(a, b)
  }, 60_000)

  it('a member reports a message and the site admin resolves the complaint', async () => {
    expect((await bob.client.post(`/api/rooms/${roomId}/join`)).status).toBe(200)
    const msg = (await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'questionable claim' })).body.data.message
    await b.page.goto(`/room/${roomId}`)
    const line = b.page.locator(`#m${msg.id}`)
    await line.getByRole('button', { name: /Message actions/ }).click()
    await b.page.getByRole('menuitem', { name: 'Report…' }).click()
    await b.page.getByLabel('What is wrong with it? (optional)').fill('misleading')
    await b.page.getByRole('button', { name: 'Send report' }).click()
    await b.page.locator('.toast', { hasText: 'moderators will look' }).waitFor()

    await a.page.goto('/complaints')
    const item = a.page.locator('.complaint', { hasText: 'misleading' })
    await item.getByRole('button', { name: 'Resolve' }).click()
    await a.page.getByLabel('Show').selectOption('resolved')
    await a.page.locator('.complaint', { hasText: 'misleading' }).locator('.chip', { hasText: 'resolved' }).waitFor()
    expectNoPageErrors(a, b)
  }, 60_000)
})
