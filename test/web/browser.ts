// Drives Debian's Chromium (installed by .ci/install-chromium) through playwright-core.
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { expect } from 'vitest'
import type { Client } from '../helpers/client.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { registerUser } from '../helpers/users.js'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
]

// Waits in the browser are generous (a shared 2-core box) but always bounded.
export const WAIT_MS = 20_000

// The committed PNGs (for the README) are rewritten only with UPDATE_SCREENSHOTS=1, so a plain
// test run leaves the tree clean; otherwise the shots still get taken, into a temp folder.
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('./screenshots', import.meta.url)) : join(tmpdir(), 'parley-screenshots')

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

export type Tab = { context: BrowserContext; page: Page; errors: string[] }

export type OpenOptions = {
  /** Where the browser goes instead of the server itself (a proxy in front of it). */
  baseURL?: string
  /** A touch screen (matches `(hover: none)`), as on a phone. */
  hasTouch?: boolean
  colorScheme?: 'light' | 'dark'
}

/** A browser context signed in with the session of an API client (its cookie copied over). */
export async function openAs(browser: Browser, server: TestServer, client: Client | null, path = '/', viewport = { width: 1100, height: 720 }, opts: OpenOptions = {}): Promise<Tab> {
  const baseURL = opts.baseURL ?? server.url
  const context = await browser.newContext({ viewport, baseURL, hasTouch: opts.hasTouch, colorScheme: opts.colorScheme })
  const session = client?.cookies.get('parley_session')
  if (session) await context.addCookies([{ name: 'parley_session', value: session, url: baseURL, httpOnly: true, sameSite: 'Lax' }])
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(String(err)))
  page.setDefaultTimeout(WAIT_MS)
  await page.goto(path)
  return { context, page, errors }
}

/** Texts of the user messages on screen, in DOM order. */
export function messageTexts(page: Page): Promise<string[]> {
  return page.$$eval('.messages li.msg:not(.service) .text', (els) => els.map((e) => e.textContent ?? ''))
}

/** Types into the composer and sends with Enter, then waits for it to show as sent. */
export async function send(page: Page, text: string) {
  const box = page.locator('.composer textarea')
  await box.fill(text)
  await box.press('Enter')
  await page.locator('.messages li.msg.mine .text', { hasText: text }).first().waitFor()
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
}

export function expectNoPageErrors(...tabs: Tab[]) {
  expect(tabs.flatMap((t) => t.errors)).toEqual([])
}

export type User = Awaited<ReturnType<typeof registerUser>>

/**
 * A server (no send limit), a browser, and two registered users in one room: the first (the site
 * admin, being the first account) created it, the second joined.
 */
export async function twoInARoom(room: { name: string; topic?: string }, names: [string, string] = ['alice', 'bob']) {
  const server = await startTestServer({ SEND_RATE_LIMIT: '0' })
  const browser = await launch()
  const alice = await registerUser(server, names[0])
  const bob = await registerUser(server, names[1])
  const roomId: number = (await alice.client.post('/api/rooms', room)).body.data.room.id
  expect((await bob.client.post(`/api/rooms/${roomId}/join`)).status).toBe(200)
  const close = async () => {
    await browser.close()
    await server.close()
  }
  return { server, browser, alice, bob, roomId, close }
}

export type RoomTabs = Awaited<ReturnType<typeof twoInARoom>> & { a: Tab; b: Tab }

/** twoInARoom, with a tab of each user open on the room, its composer ready (closed by `close`). */
export async function twoTabsInARoom(room: { name: string; topic?: string }): Promise<RoomTabs> {
  const r = await twoInARoom(room)
  try {
    const a = await openAs(r.browser, r.server, r.alice.client, `/room/${r.roomId}`)
    const b = await openAs(r.browser, r.server, r.bob.client, `/room/${r.roomId}`)
    await a.page.locator('.composer textarea').waitFor()
    await b.page.locator('.composer textarea').waitFor()
    return { ...r, a, b }
  } catch (err) {
    await r.close()
    throw err
  }
}

/** A pause: a slow link's delay, in a route that answers a page's request. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const POLLS = '**/api/poll?*'

/**
 * Cuts the page off its live events: the route refuses every poll, `endHeldPoll` (a message sent)
 * ends the one held now, and the page shows it is reconnecting. Returns the way back.
 */
export async function cutPolls(page: Page, endHeldPoll: () => Promise<unknown>): Promise<() => Promise<void>> {
  await page.route(POLLS, (route) => route.abort())
  await endHeldPoll()
  await page.locator('.conn-status').waitFor({ state: 'visible' })
  return () => page.unroute(POLLS)
}
