// The poll loop resumes from its cursor after the network drops: every message exactly once, in order.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { registerUser } from '../helpers/users.js'
import { cutPolls, expectNoPageErrors, launch, messageTexts, openAs, type Tab, WAIT_MS } from './browser.js'

let server: TestServer
let browser: Browser

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_LIMIT: '0' })
  browser = await launch()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

let alice: Awaited<ReturnType<typeof registerUser>>
let bob: Awaited<ReturnType<typeof registerUser>>
let roomId: number
let b: Tab

describe('web client: network drops', () => {
  it('a tab that was offline while 20 messages were sent shows all 20 once, in order', async () => {
    alice = await registerUser(server, 'alice')
    bob = await registerUser(server, 'bob')
    const room = (await alice.client.post('/api/rooms', { name: 'Resilience' })).body.data.room
    roomId = room.id
    expect((await bob.client.post(`/api/rooms/${room.id}/join`)).status).toBe(200)
    await alice.client.post(`/api/rooms/${room.id}/messages`, { text: 'before the outage' })

    b = await openAs(browser, server, bob.client, `/room/${room.id}`)
    await b.page.locator('.messages .text', { hasText: 'before the outage' }).waitFor()
    // The live path works before the outage.
    await alice.client.post(`/api/rooms/${room.id}/messages`, { text: 'still live' })
    await b.page.locator('.messages .text', { hasText: 'still live' }).waitFor()

    await b.context.setOffline(true)
    const sent: string[] = []
    for (let i = 1; i <= 20; i++) {
      const text = `outage message ${i}`
      const res = await alice.client.post(`/api/rooms/${room.id}/messages`, { text })
      expect(res.status).toBe(201)
      sent.push(text)
    }
    // The page notices the drop: its poll fails and it says it is reconnecting.
    await b.page.locator('.conn-status').waitFor({ state: 'visible', timeout: 40_000 })
    // Nothing of the outage got through yet, so what follows is the resume from the cursor.
    expect((await messageTexts(b.page)).filter((t) => t.startsWith('outage message')).length).toBeLessThan(20)
    await b.context.setOffline(false)

    const outage = async () => (await messageTexts(b.page)).filter((t) => t.startsWith('outage message'))
    await expect.poll(outage, { timeout: 30_000 }).toHaveLength(20)
    expect(await outage()).toEqual(sent)
    expect(await messageTexts(b.page)).toEqual(['before the outage', 'still live', ...sent])
    await b.page.locator('.conn-status').waitFor({ state: 'hidden', timeout: WAIT_MS })

    // And it keeps going live afterwards, still without duplicates.
    await alice.client.post(`/api/rooms/${room.id}/messages`, { text: 'after the outage' })
    await b.page.locator('.messages .text', { hasText: 'after the outage' }).waitFor()
    expect(await messageTexts(b.page)).toEqual(['before the outage', 'still live', ...sent, 'after the outage'])
    // The chat list shows the last message once, without an unread count for the open room.
    await expect.poll(() => b.page.locator('.chat-item .preview').first().textContent()).toContain('after the outage')
    expectNoPageErrors(b)
  }, 120_000)

  it('a cursor older than the retention window (410) reloads the state in place', async () => {
    await b.page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true))
    const reconnect = await cutPolls(b.page, () => alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'last one seen live' }))

    await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'sent while the cursor expired' })
    server.clock.advance(8 * 24 * 3600_000)
    expect(await server.deps.events.prune(7)).toBeGreaterThan(0)
    const pollStatuses: number[] = []
    b.page.on('response', (r) => r.url().includes('/api/poll') && pollStatuses.push(r.status()))
    await reconnect()

    await b.page.locator('.messages .text', { hasText: 'sent while the cursor expired' }).waitFor({ timeout: 30_000 })
    await b.page.locator('.conn-status').waitFor({ state: 'hidden' })
    expect(pollStatuses).toContain(410)
    expect(await b.page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true)
    const texts = await messageTexts(b.page)
    expect(texts.filter((t) => t === 'sent while the cursor expired')).toHaveLength(1)
    expect(texts.filter((t) => t === 'last one seen live')).toHaveLength(1)
    // Live again from the fresh cursor.
    await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'live after the reload' })
    await b.page.locator('.messages .text', { hasText: 'live after the reload' }).waitFor()
    expectNoPageErrors(b)
  }, 90_000)

  it('a session signed out elsewhere ends the poll with 401 and shows the sign-in screen', async () => {
    expect((await bob.client.post('/api/auth/logout', { all: true })).status).toBe(204)
    await b.page.getByRole('tab', { name: 'Sign in' }).waitFor({ timeout: WAIT_MS })
    expectNoPageErrors(b)
  }, 60_000)
})
