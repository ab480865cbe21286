// A one-to-one call between two browser contexts with Chromium's fake camera and microphone.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { registerUser } from '../helpers/users.js'
import { expectNoPageErrors, launch, openAs, screenshot, send } from './browser.js'

let server: TestServer
let browser: Browser

beforeAll(async () => {
  server = await startTestServer()
  browser = await launch()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('web client: calls', () => {
  it('a call between two contexts reaches the connected state on both sides, then hangs up', async () => {
    const alice = await registerUser(server, 'alice')
    const bob = await registerUser(server, 'bob')
    const a = await openAs(browser, server, alice.client, `/dm/${bob.user.id}`)
    const b = await openAs(browser, server, bob.client, `/dm/${alice.user.id}`)
    await send(a.page, 'Can I call you?')
    await b.page.locator('.messages .text', { hasText: 'Can I call you?' }).waitFor()

    await a.page.getByRole('button', { name: 'Call', exact: true }).click()
    const incoming = b.page.getByRole('dialog', { name: 'Call with alice' })
    await incoming.getByText('alice is calling').waitFor()
    await incoming.getByRole('button', { name: 'Accept' }).click()

    // "loopback" host candidates are enough: no STUN server is configured.
    for (const tab of [a, b]) {
      await tab.page.locator('#call-state[data-state="connected"]').waitFor({ timeout: 30_000 })
      expect(await tab.page.locator('#call-state').textContent()).toBe('Connected')
    }
    // The fake camera's frames arrive: the remote video has a size.
    await expect.poll(() => b.page.locator('video.call-remote').evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 15_000 }).toBeGreaterThan(0)
    await screenshot(b.page, 'call')

    await b.page.getByRole('button', { name: 'Hang up' }).click()
    await a.page.locator('#call-state[data-state="closed"]').waitFor()
    await a.page.locator('.toast', { hasText: 'Call ended' }).waitFor()
    expectNoPageErrors(a, b)
  }, 90_000)

  it('a declined call ends on the caller’s side with the reason', async () => {
    const carol = await registerUser(server, 'carol')
    const dave = await registerUser(server, 'dave')
    const c = await openAs(browser, server, carol.client, `/user/${dave.user.id}`)
    const d = await openAs(browser, server, dave.client, '/')
    await c.page.getByRole('button', { name: 'Call', exact: true }).click()
    await d.page.getByRole('button', { name: 'Decline' }).click()
    await c.page.locator('.toast', { hasText: 'declined' }).waitFor()
    expectNoPageErrors(c, d)
  }, 60_000)
})
