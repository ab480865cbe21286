// API.md §13: pages and static files (and every other answer, fast paths included) carry
// Content-Security-Policy, nosniff and Referrer-Policy; the bundled client runs under that policy
// without a violation; files from private rooms and dialogs are Cache-Control: private.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import { png } from './helpers/images.js'
import { cursorOf } from './helpers/events.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { guest } from './helpers/users.js'
import { launch, openAs, WAIT_MS } from './web/browser.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

function directivesOf(headers: Headers): Map<string | undefined, string> {
  const csp = headers.get('content-security-policy') ?? ''
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]))
}

/** A page, static file or upload: the web client's policy. */
function expectPageHeaders(headers: Headers, what: string) {
  const d = directivesOf(headers)
  expect([d.get('default-src'), d.get('script-src'), d.get('style-src'), d.get('frame-ancestors')], what).toEqual(["'self'", "'self'", "'self'", "'none'"])
  // No inline styles either, attributes included: the client colours and sizes through the CSSOM.
  expect(d.has('style-src-attr'), what).toBe(false)
  expect(headers.get('x-content-type-options'), what).toBe('nosniff')
  expect(headers.get('referrer-policy'), what).toBe('no-referrer')
  expect(headers.get('x-frame-options'), what).toBe('DENY')
}

/** A JSON answer of /api: nothing may load or run from it, or frame it. */
function expectApiHeaders(headers: Headers, what: string) {
  const d = directivesOf(headers)
  expect([...d.keys()], what).toEqual(['default-src', 'frame-ancestors'])
  expect([d.get('default-src'), d.get('frame-ancestors')], what).toEqual(["'none'", "'none'"])
  expect(headers.get('x-content-type-options'), what).toBe('nosniff')
  expect(headers.get('referrer-policy'), what).toBe('no-referrer')
}

async function uploadPng(client: Client): Promise<{ id: number; url: string }> {
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(png())], { type: 'image/png' }), 'dot.png')
  const res = await client.request('POST', '/api/uploads', undefined, { raw: form })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.upload
}

describe('security headers', () => {
  it('every kind of answer carries them: pages, static files, files, API routes, the fast paths, errors', async () => {
    const { client } = await guest(server)
    const room = (await client.post('/api/rooms', { name: 'headers' })).body.data.room.id
    const file = await uploadPng(client)
    const cursor = await cursorOf(client)
    const pages: [string, Promise<{ headers: Headers }>][] = [
      ['page /', fetch(`${server.url}/`)],
      ['client-side page', fetch(`${server.url}/reset-password?token=x`)],
      ['stylesheet', fetch(`${server.url}/app.css`)],
      ['script', fetch(`${server.url}/js/main.js`)],
      ['file', fetch(server.url + file.url)],
      ['healthz', fetch(`${server.url}/healthz`)],
      ['404 of a file', fetch(`${server.url}/files/nothing.png`)],
    ]
    const api: [string, Promise<{ headers: Headers }>][] = [
      ['API route', client.get('/api/me')],
      ['API error', server.client().get('/api/me')],
      ['API 404', fetch(`${server.url}/api/nothing-here`)],
      ['poll (fast path)', client.get(`/api/poll?cursor=${encodeURIComponent(cursor)}&timeout=0`)],
      ['poll error (fast path)', server.client().get(`/api/poll?cursor=${encodeURIComponent(cursor)}&timeout=0`)],
      ['poll (Hono route)', client.get(`/api/poll?cursor=${encodeURIComponent(cursor)}&timeout=0&types=room.created`)],
      ['history (fast path)', client.get(`/api/rooms/${room}/messages`)],
      ['send (fast path)', client.post(`/api/rooms/${room}/messages`, { text: 'hi' })],
      ['send error (fast path)', client.post(`/api/rooms/${room + 1000}/messages`, { text: 'hi' })],
    ]
    for (const [what, answer] of pages) expectPageHeaders((await answer).headers, what)
    for (const [what, answer] of api) expectApiHeaders((await answer).headers, what)
  })
})

describe('Cache-Control of uploaded files', () => {
  const cacheOf = async (url: string) => (await fetch(server.url + url)).headers.get('cache-control')

  it('private when attached in a private room or a dialog, or not shown anywhere; public for a public room or a photo', async () => {
    const { client } = await guest(server)
    const peer = await guest(server)
    const publicRoom = (await client.post('/api/rooms', { name: 'open room' })).body.data.room.id
    const privateRoom = (await client.post('/api/rooms', { name: 'closed room', password: 'secret phrase' })).body.data.room.id
    const [inPublic, inPrivate, inDialog, nowhere, photo, both] = [
      await uploadPng(client),
      await uploadPng(client),
      await uploadPng(client),
      await uploadPng(client),
      await uploadPng(client),
      await uploadPng(client),
    ]
    expect((await client.post(`/api/rooms/${publicRoom}/messages`, { attachment_id: inPublic.id })).status).toBe(201)
    expect((await client.post(`/api/rooms/${privateRoom}/messages`, { attachment_id: inPrivate.id })).status).toBe(201)
    expect((await client.post(`/api/dialogs/${peer.user.id}/messages`, { attachment_id: inDialog.id })).status).toBe(201)
    expect((await client.patch('/api/me', { photo_upload_id: photo.id })).status).toBe(200)
    expect((await client.post(`/api/rooms/${publicRoom}/messages`, { attachment_id: both.id })).status).toBe(201)
    expect((await client.post(`/api/dialogs/${peer.user.id}/messages`, { attachment_id: both.id })).status).toBe(201)
    expect(await cacheOf(inPrivate.url)).toBe('private, max-age=31536000, immutable')
    expect(await cacheOf(inDialog.url)).toBe('private, max-age=31536000, immutable')
    expect(await cacheOf(nowhere.url)).toBe('private, max-age=31536000, immutable')
    expect(await cacheOf(both.url)).toBe('private, max-age=31536000, immutable')
    expect(await cacheOf(inPublic.url)).toBe('public, max-age=31536000, immutable')
    expect(await cacheOf(photo.url)).toBe('public, max-age=31536000, immutable')
  })
})

describe('the bundled web client under the policy', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await launch()
  }, 60_000)
  afterAll(() => browser?.close())

  it('loads, signs in, shows a room with an image, with no policy violation reported', async () => {
    const { client } = await guest(server)
    const room = (await client.post('/api/rooms', { name: 'policy room' })).body.data.room.id
    const file = await uploadPng(client)
    await client.post(`/api/rooms/${room}/messages`, { text: 'under the policy' })
    await client.post(`/api/rooms/${room}/messages`, { attachment_id: file.id })
    const tab = await openAs(browser, server, client, `/room/${room}`)
    const violations: string[] = []
    tab.page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text())
    })
    // A violation is also reported to the page itself: collect those on every page from its start.
    await tab.page.addInitScript(() => {
      const w = window as unknown as { __violations: string[] }
      w.__violations = []
      document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`))
    })
    const seen: string[] = []
    const collect = async () => seen.push(...(await tab.page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)))
    await tab.page.reload()
    await tab.page.locator('.messages .text', { hasText: 'under the policy' }).waitFor({ timeout: WAIT_MS })
    await tab.page.locator(`.messages img[src="${file.url}"]`).waitFor({ timeout: WAIT_MS })
    await collect()
    await tab.page.goto('/rooms')
    await tab.page.locator('.room-row', { hasText: 'policy room' }).waitFor({ timeout: WAIT_MS })
    await collect()
    await tab.page.goto('/')
    await tab.page.locator('.chat-item', { hasText: 'policy room' }).waitFor({ timeout: WAIT_MS })
    await collect()
    expect(seen).toEqual([])
    expect(violations).toEqual([])
    expect(tab.errors).toEqual([])
    await tab.context.close()
  }, 90_000)
})
