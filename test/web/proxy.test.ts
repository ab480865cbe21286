// Behind a proxy that cuts requests idle for 10 s (a held poll is idle): the page keeps working,
// never says "Reconnecting…", and polls with a timeout below the cut after two cuts.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startIdleProxy, type IdleProxy } from '../helpers/idle-proxy.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { registerUser } from '../helpers/users.js'
import { expectNoPageErrors, launch, openAs, WAIT_MS } from './browser.js'

let server: TestServer
let browser: Browser
const proxies: IdleProxy[] = []

// 10 s: the cut of the issue (nginx's proxy_read_timeout set low, a corporate proxy).
const IDLE_CUT_MS = 10_000

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_LIMIT: '0' })
  browser = await launch()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  for (const p of proxies) await p.close()
  await server?.close()
})

/** Counts every moment the connection status was shown, from the page's first script on. */
function watchStatus(page: Page) {
  return page.addInitScript(() => {
    const w = window as unknown as { __reconnecting: number }
    w.__reconnecting = 0
    new MutationObserver(() => {
      const el = document.querySelector('.conn-status')
      if (el && !(el as HTMLElement).hidden) w.__reconnecting++
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['hidden'] })
  })
}

describe('web client: behind a proxy that cuts idle requests', () => {
  it('after two cut polls it polls below the cut, stays live and never shows "Reconnecting…"', async () => {
    const alice = await registerUser(server, 'alice')
    const room = (await alice.client.post('/api/rooms', { name: 'Behind the proxy' })).body.data.room
    // Both ways a proxy cuts: closing the connection (the browser may silently resend on a reused
    // one first), or answering 504 as nginx does.
    const tabs = await Promise.all(
      (['reset', 'gateway'] as const).map(async (mode) => {
        const proxy = await startIdleProxy(server.url, { idleMs: IDLE_CUT_MS, mode })
        proxies.push(proxy)
        const user = await registerUser(server, `reader_${mode}`)
        expect((await user.client.post(`/api/rooms/${room.id}/join`)).status).toBe(200)
        const tab = await openAs(browser, server, user.client, 'about:blank', undefined, { baseURL: proxy.url })
        const timeouts: number[] = []
        const answered: number[] = []
        tab.page.on('request', (r) => {
          const t = /\/api\/poll\?cursor=.*&timeout=(\d+)/.exec(r.url())
          if (t) timeouts.push(Number(t[1]))
        })
        tab.page.on('response', (r) => {
          const t = /\/api\/poll\?cursor=.*&timeout=(\d+)/.exec(r.url())
          if (t && r.status() === 200) answered.push(Number(t[1]))
        })
        await watchStatus(tab.page)
        await tab.page.goto(`/room/${room.id}`)
        await tab.page.locator('.composer textarea').waitFor()
        return { mode, proxy, tab, timeouts, answered }
      }),
    )
    await Promise.all(
      tabs.map(async ({ mode, proxy, tab, timeouts, answered }) => {
        // Two polls cut, then one below the cut that the proxy lets through.
        await expect.poll(() => answered.some((t) => t * 1000 < IDLE_CUT_MS), { timeout: 90_000 }).toBe(true)
        expect(proxy.cuts(), mode).toBeGreaterThanOrEqual(2)
        expect(timeouts[0], mode).toBe(25)
        expect(timeouts.at(-1)! * 1000, mode).toBeLessThan(IDLE_CUT_MS)
        expect(await tab.page.evaluate(() => (window as unknown as { __reconnecting: number }).__reconnecting), mode).toBe(0)
      }),
    )
    // Still live through the proxy.
    await alice.client.post(`/api/rooms/${room.id}/messages`, { text: 'through the proxy' })
    for (const { tab } of tabs) await tab.page.locator('.messages .text', { hasText: 'through the proxy' }).waitFor({ timeout: WAIT_MS })
    for (const { tab } of tabs) expectNoPageErrors(tab)
  }, 150_000)

  it('the poll timeout shrinks after two cuts, not one; a refused connection is no cut; it grows back after ten good minutes', async () => {
    const tab = await openAs(browser, server, null, '/')
    type Timeout = { seconds(): number; cut(ms: number, s: number): boolean; answered(ms: number, s: number): void }
    type Make = (now: () => number) => Timeout
    // A string, so the test's bundler leaves the page's own dynamic import alone.
    await tab.page.evaluate("import('/js/poll-timeout.js').then((m) => { window.__createPollTimeout = m.createPollTimeout })")
    const steps = await tab.page.evaluate(() => {
      const createPollTimeout = (window as unknown as { __createPollTimeout: Make }).__createPollTimeout
      let now = 0
      const t = createPollTimeout(() => now)
      const log: [string, number][] = [['start', t.seconds()]]
      t.cut(300, 25) // refused at once: an outage, not a cut
      log.push(['refused', t.seconds()])
      t.cut(10_000, 25)
      log.push(['one cut', t.seconds()])
      t.cut(10_050, 25)
      log.push(['two cuts', t.seconds()])
      for (let i = 0; i < 10; i++) {
        now += 60_000
        t.answered(7_000, 7)
      }
      log.push(['ten good minutes', t.seconds()])
      t.cut(10_000, 25)
      log.push(['the cut is still there', t.seconds()])
      now += 10 * 60_000
      t.answered(7_000, 7)
      t.answered(25_000, 25)
      log.push(['a full poll at 25 s', t.seconds()])
      // Cuts seen later than the timeout (the browser resent the request itself): still below it.
      t.cut(30_000, 25)
      t.cut(30_000, 25)
      log.push(['cut after resends', t.seconds()])
      return log
    })
    expect(steps).toEqual([
      ['start', 25],
      ['refused', 25],
      ['one cut', 25],
      ['two cuts', 7],
      ['ten good minutes', 25],
      ['the cut is still there', 7],
      ['a full poll at 25 s', 25],
      ['cut after resends', 17],
    ])
    await tab.context.close()
  }, 60_000)
})
