// The poll loop resumes from its cursor after the network drops: every message exactly once, in order.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { registerUser } from '../helpers/users.js'
import { expectNoPageErrors, launch, messageTexts, openAs, WAIT_MS } from './browser.js'

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

describe('web client: network drops', () => {
  it('a tab that was offline while 20 messages were sent shows all 20 once, in order', async () => {
    const alice = await registerUser(server, 'alice')
    const bob = await registerUser(server, 'bob')
    const room = (await alice.client.post('/api/rooms', { name: 'Resilience' })).body.data.room
    expect((await bob.client.post(`/api/rooms/${room.id}/join`)).status).toBe(200)
    await alice.client.post(`/api/rooms/${room.id}/messages`, { text: 'before the outage' })

    const b = await openAs(browser, server, bob.client, `/room/${room.id}`)
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
    await b.page.locator('.conn-banner').waitFor({ state: 'visible', timeout: 40_000 })
    // Nothing of the outage got through yet, so what follows is the resume from the cursor.
    expect((await messageTexts(b.page)).filter((t) => t.startsWith('outage message')).length).toBeLessThan(20)
    await b.context.setOffline(false)

    const outage = async () => (await messageTexts(b.page)).filter((t) => t.startsWith('outage message'))
    await expect.poll(outage, { timeout: 30_000 }).toHaveLength(20)
    expect(await outage()).toEqual(sent)
    expect(await messageTexts(b.page)).toEqual(['before the outage', 'still live', ...sent])
    await b.page.locator('.conn-banner').waitFor({ state: 'hidden', timeout: WAIT_MS })

    // And it keeps going live afterwards, still without duplicates.
    await alice.client.post(`/api/rooms/${room.id}/messages`, { text: 'after the outage' })
    await b.page.locator('.messages .text', { hasText: 'after the outage' }).waitFor()
    expect(await messageTexts(b.page)).toEqual(['before the outage', 'still live', ...sent, 'after the outage'])
    // The chat list shows the last message once, without an unread count for the open room.
    await expect.poll(() => b.page.locator('.chat-item .preview').first().textContent()).toContain('after the outage')
    expectNoPageErrors(b)
  }, 120_000)
})
