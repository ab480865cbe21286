// Each fast path (http/fast.ts: the poll, a room's history, a room send) answers exactly as its
// router route does: status, headers, body, log line and metrics, for success and every error.
// One set of dependencies (database, caches, sessions, metrics, log) serves two listeners: the
// server as it runs, and the same app without its fast paths; every request is sent to both.
import { diskRuntime } from '../src/assets.js'
import { Agent, createServer, get as httpGet, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import SQLite from 'better-sqlite3'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import type { AppDeps } from '../src/deps.js'
import { Pipeline } from '../src/http/pipeline.js'
import { SCHEMA, type SchemaCarrier } from '../src/http/validate.js'
import { buildDeps } from '../src/main.js'
import { SendMessage } from '../src/messages/messages.js'
import { RoomIdParam } from '../src/rooms/schemas.js'
import { Client, type Res } from './helpers/client.js'
import { cursorOf } from './helpers/events.js'
import { makeRoom } from './helpers/rooms.js'
import type { TestServer } from './helpers/server.js'
import { guest } from './helpers/users.js'

type Logged = { level: number; msg: string; reqId?: string; method?: string; path?: string; status?: number; err?: { message: string } }

let dataDir: string
let deps: AppDeps
let close: () => Promise<void>
const lines: Logged[] = []
const servers: Record<'fast' | 'router', Server> = {} as never
const base = (side: 'fast' | 'router') => `http://127.0.0.1:${(servers[side].address() as AddressInfo).port}`

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'parley-fast-'))
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SECRET_KEY: 'x'.repeat(40), SIGNIN_RATE_LIMIT: '0', SEND_RATE_LIMIT: '3' })
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
      done()
    },
  })
  ;({ deps, close } = await buildDeps(config, { runtime: diskRuntime(), log: pino({ level: 'debug' }, sink) }))
  for (const [side, fastPaths] of [['fast', true], ['router', false]] as const) {
    servers[side] = createServer(createApp(deps, { fastPaths }).handle)
    await new Promise<void>((r) => servers[side].listen(0, '127.0.0.1', r))
  }
})
afterAll(async () => {
  for (const s of Object.values(servers)) {
    s.closeAllConnections()
    await new Promise<void>((r) => s.close(() => r()))
  }
  deps.hub.shutdown()
  await close()
  rmSync(dataDir, { recursive: true, force: true })
})

/** The requests counter and the duration histogram's counts, by label set. */
async function metricCounts(): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const m of await deps.metrics.registry.getMetricsAsJSON()) {
    if (m.name !== 'parley_http_requests_total' && m.name !== 'parley_http_request_duration_seconds') continue
    for (const v of m.values as Array<{ labels: Record<string, unknown>; value: number; metricName?: string }>) {
      if (m.name === 'parley_http_request_duration_seconds' && v.metricName !== 'parley_http_request_duration_seconds_count') continue
      out.set(`${m.name} ${JSON.stringify(v.labels)}`, v.value)
    }
  }
  return out
}
const delta = (before: Map<string, number>, after: Map<string, number>) =>
  Object.fromEntries([...after].filter(([k, v]) => v !== (before.get(k) ?? 0)).map(([k, v]) => [k, v - (before.get(k) ?? 0)]))

/** Everything a client or an operator sees of one answer, with what differs between two requests blanked. */
async function observe(side: 'fast' | 'router', client: Client, method: string, path: string, body?: unknown, init: { raw?: string; headers?: Record<string, string> } = {}) {
  const c = new Client(base(side))
  for (const [k, v] of client.cookies) c.cookies.set(k, v)
  const before = await metricCounts()
  const res: Res = await c.request(method, path, body, init)
  // The log line and metrics are written when the response closes: wait for them.
  const id = res.headers.get('x-request-id')
  for (let i = 0; i < 100 && !lines.some((l) => l.reqId === id && l.msg === 'request'); i++) await new Promise((r) => setTimeout(r, 5))
  const headers = Object.fromEntries([...(res.headers as unknown as Iterable<[string, string]>)].filter(([k]) => !['date', 'x-request-id', 'connection', 'keep-alive'].includes(k)))
  const logged = lines.filter((l) => l.reqId === id).map(({ level, msg, method, path, status, err }) => ({ level, msg, method, path, status, err: err?.message }))
  return { status: res.status, headers, body: res.body, requestId: id, logged, metrics: delta(before, await metricCounts()) }
}

/** Sends the same request to both listeners and expects the same answer, log line and metrics. */
async function same(client: Client, method: string, path: string, body?: unknown, init?: { raw?: string; headers?: Record<string, string> }, blank: (b: any) => unknown = (b) => b) {
  const fast = await observe('fast', client, method, path, body, init)
  const router = await observe('router', client, method, path, body, init)
  const what = `${method} ${path} ${JSON.stringify(body ?? init ?? '')}`
  expect(fast.requestId, what).toMatch(/^[0-9a-f-]{36}$/)
  expect(router.requestId, what).toMatch(/^[0-9a-f-]{36}$/)
  if (fast.body?.error?.details?.request_id) fast.body.error.details.request_id = router.body.error.details.request_id = 'id'
  expect({ ...fast, requestId: '', body: blank(fast.body) }, what).toEqual({ ...router, requestId: '', body: blank(router.body) })
  return fast
}

/** The server as it runs, as far as the sign-in helpers need it. */
const stand = { client: () => new Client(base('fast')) } as unknown as TestServer

const withoutCursor = (b: any) => (b?.data?.cursor ? { ...b, data: { ...b.data, cursor: b.data.cursor.split('-')[0] } } : b)

describe('the poll', () => {
  it('answers as its route: with and without a cursor, with events, and each error', async () => {
    const { client, user } = await guest(stand)
    const cursor = await cursorOf(client)
    await same(client, 'GET', '/api/poll', undefined, undefined, withoutCursor)
    await same(client, 'GET', `/api/poll?cursor=${cursor}&timeout=0`, undefined, undefined, withoutCursor)
    expect((await client.patch('/api/me', { nickname: 'evented' })).status).toBe(200)
    const got = await same(client, 'GET', `/api/poll?cursor=${cursor}&timeout=0`, undefined, undefined, withoutCursor)
    expect(got.body.data.events.map((e: any) => e.data.user.id)).toEqual([user.id])
    expect(got.logged).toEqual([{ level: 20, msg: 'request', method: 'GET', path: '/api/poll', status: 200, err: undefined }])
    expect(got.headers['cache-control']).toBe('no-store')
    // Errors the fast path answers itself, and one it leaves to the route (timeout=99).
    await same(new Client('x'), 'GET', `/api/poll?cursor=${cursor}&timeout=0`)
    const forged = new Client('x')
    forged.cookies.set('parley_session', 'Fe26.2**forged')
    await same(forged, 'GET', `/api/poll?cursor=${cursor}&timeout=0`)
    await same(client, 'GET', '/api/poll?cursor=not-a-cursor&timeout=0')
    // A position past the newest: a cursor from another server (410).
    await same(client, 'GET', `/api/poll?cursor=${(10 ** 9).toString(36).padStart(11, '0')}-000000000000&timeout=0`)
    const bad = await same(client, 'GET', `/api/poll?cursor=${cursor}&timeout=99`)
    expect(bad.logged.map((l) => [l.level, l.status])).toEqual([[30, 400]])
    await same(client, 'GET', `/api/poll?cursor=${cursor}&timeout=0&types=user.updated`, undefined, undefined, withoutCursor)
    // A session signed out elsewhere: 401 session_revoked.
    const gone = await guest(stand)
    const goneCursor = await cursorOf(gone.client)
    const cookie = gone.client.cookies.get('parley_session')!
    expect((await gone.client.post('/api/auth/logout')).status).toBe(204)
    gone.client.cookies.set('parley_session', cookie)
    expect((await same(gone.client, 'GET', `/api/poll?cursor=${goneCursor}&timeout=0`)).body.error.code).toBe('session_revoked')
  })
})

describe('room history and send', () => {
  it('history answers as its route: newest page, other sizes, and each error', async () => {
    const a = await guest(stand)
    const outsider = await guest(stand)
    const roomId = (await makeRoom(a.client)).id
    for (const t of ['m1', 'm2', 'm3']) expect((await a.client.post(`/api/rooms/${roomId}/messages`, { text: t })).status).toBe(201)
    for (const path of [`/api/rooms/${roomId}/messages`, `/api/rooms/${roomId}/messages?limit=2`, `/api/rooms/${roomId}/messages?before=999999&limit=2`]) {
      const ok = await same(a.client, 'GET', path)
      expect(ok.status).toBe(200)
    }
    await same(outsider.client, 'GET', `/api/rooms/${roomId}/messages`)
    await same(a.client, 'GET', '/api/rooms/999999/messages')
    await same(new Client('x'), 'GET', `/api/rooms/${roomId}/messages`)
    await same(a.client, 'GET', `/api/rooms/${roomId}/messages?limit=500`)
    await same(a.client, 'GET', '/api/rooms/0/messages')
  })

  it("on one connection, each request is answered as its own cookie's user (as behind a proxy that pools connections)", async () => {
    const a = await guest(stand)
    const b = await guest(stand)
    const roomId = (await makeRoom(a.client)).id
    const cookieOf = (c: Client) => `parley_session=${c.cookies.get('parley_session')}`
    expect(cookieOf(a.client).length).toBe(cookieOf(b.client).length)
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const sockets = new Set<unknown>()
    const get = (cookie: string) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(`${base('fast')}/api/rooms/${roomId}/messages`)
        const req = httpGet({ agent, host: url.hostname, port: url.port, path: url.pathname, headers: { cookie } }, (res) => {
          sockets.add(res.socket)
          res.resume()
          res.on('end', () => resolve(res.statusCode!))
        })
        req.on('error', reject)
      })
    try {
      expect(await get(cookieOf(a.client))).toBe(200)
      expect(await get(cookieOf(b.client))).toBe(403)
      expect(await get(cookieOf(a.client))).toBe(200)
      expect(sockets.size).toBe(1)
    } finally {
      agent.destroy()
    }
  })

  it('a send answers as its route: created, retried, and each error in the same order', async () => {
    const a = await guest(stand)
    const outsider = await guest(stand)
    const roomId = (await makeRoom(a.client)).id
    const url = `/api/rooms/${roomId}/messages`
    const json = { 'content-type': 'application/json' }
    const message = (b: any) => (b?.data?.message ? { data: { message: { ...b.data.message, id: 0, created_at: '', text: '' } } } : b)
    const created = await same(a.client, 'POST', url, { text: 'hello' }, undefined, message)
    expect(created.status).toBe(201)
    // A retry of each send answers the first message (200), whichever listener took it.
    const first = await observe('fast', a.client, 'POST', url, { text: 'once', client_id: 'c1' })
    const retried = await same(a.client, 'POST', url, { text: 'again', client_id: 'c1' })
    expect([retried.status, retried.body]).toEqual([200, first.body])
    const stored = async () => (await deps.db.selectFrom('messages').select('id').where('room_id', '=', roomId).execute()).length
    const before = await stored()
    const forged = new Client('x')
    forged.cookies.set('parley_session', 'Fe26.2**forged')
    for (const [client, body, init] of [
      [a.client, { text: '' }, undefined],
      [a.client, { text: 'x', extra: 1 }, undefined],
      [a.client, undefined, { raw: '{"text":', headers: json }],
      [a.client, undefined, { raw: '', headers: json }],
      [a.client, undefined, { raw: '{"text":"x"}', headers: { 'content-type': 'text/plain' } }],
      [a.client, { text: 'x' }, { headers: { origin: 'http://evil.example' } }],
      [a.client, undefined, { raw: JSON.stringify({ text: 'x'.repeat(70_000) }), headers: json }],
      [new Client('x'), { text: 'x' }, undefined],
      [forged, undefined, { raw: '{"text":', headers: json }],
      [outsider.client, { text: 'x' }, undefined],
    ] as Array<[Client, unknown, { raw?: string; headers?: Record<string, string> } | undefined]>) {
      const res = await same(client, 'POST', url, body, init)
      expect(res.status).toBeGreaterThanOrEqual(400)
    }
    expect(await stored()).toBe(before)
    await same(a.client, 'POST', '/api/rooms/999999/messages', { text: 'x' })
    await same(a.client, 'POST', '/api/rooms/0/messages', undefined, { raw: '{"text":', headers: json })
    await deps.db.insertInto('room_silences').values({ room_id: roomId, user_id: outsider.user.id, actor_id: a.user.id, until: Date.now() + 60_000, reason: null, created_at: Date.now() }).execute()
    expect((await outsider.client.post(`/api/rooms/${roomId}/join`)).status).toBe(200)
    await same(outsider.client, 'POST', url, { text: 'x' })
    // SEND_RATE_LIMIT=3 per 10 s: a's sends above used it up; the 429 carries Retry-After on both.
    const limited = await same(a.client, 'POST', url, { text: 'over' })
    expect([limited.status, limited.headers['retry-after']]).toEqual([429, expect.stringMatching(/^\d+$/)])
  })

  it('a 500 is the same on both: request id in the body and the header, the error logged', async () => {
    const a = await guest(stand)
    const roomId = (await makeRoom(a.client)).id
    const side = new SQLite(deps.config.databaseFile)
    side.exec('alter table messages rename to messages_gone')
    side.close()
    try {
      for (const [method, body] of [['GET', undefined], ['POST', { text: 'x' }]] as const) {
        const res = await same(a.client, method, `/api/rooms/${roomId}/messages?limit=7`, body)
        expect(res.status).toBe(500)
        expect(res.logged.map((l) => l.msg)).toEqual(['unhandled error', 'request'])
      }
    } finally {
      const back = new SQLite(deps.config.databaseFile)
      back.exec('alter table messages_gone rename to messages')
      back.close()
    }
  })
})

describe('a room send', () => {
  it('a fast path answers it ahead of the router; a room id its schema refuses reaches the router, whose route is one handler', async () => {
    // The app's fast paths in a pipeline whose router only notes what reaches it.
    const { app, fast } = createApp(deps)
    const reached: string[] = []
    const pipeline = new Pipeline(deps.log, deps.metrics, {
      guards: [],
      fast,
      router: (req, res) => {
        reached.push(`${req.method} ${req.url}`)
        res.writeHead(204).end()
      },
    })
    const server = createServer(pipeline.handle)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      const a = await guest(stand)
      const roomId = (await makeRoom(a.client)).id
      // fetch, not a test Client: the stub router's 204 is no answer of the API's.
      const at = (id: string | number) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/rooms/${id}/messages`
      const headers = { cookie: `parley_session=${a.client.cookies.get('parley_session')}`, 'content-type': 'application/json' }
      const sent = await fetch(at(roomId), { method: 'POST', headers, body: JSON.stringify({ text: 'ahead of the router' }) })
      expect(sent.status).toBe(201)
      expect(((await sent.json()) as { data: { message: { text: string } } }).data.message.text).toBe('ahead of the router')
      expect((await fetch(at(roomId), { headers })).status).toBe(200)
      expect((await fetch(at('abc'), { method: 'POST', headers, body: JSON.stringify({ text: 'x' }) })).status).toBe(204)
      expect(reached).toEqual(['POST /api/rooms/abc/messages'])
    } finally {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
    // The router's route (the app without fast paths, and what the fast path leaves): one handler
    // (no middleware chain of its own), carrying the schemas its chain carried.
    const handlers = app.routes.filter((r) => r.method === 'POST' && r.path === '/api/rooms/:id/messages')
    expect(handlers).toHaveLength(1)
    expect((handlers[0]!.handler as SchemaCarrier)[SCHEMA]).toEqual([
      { target: 'param', schema: RoomIdParam },
      { target: 'json', schema: SendMessage },
    ])
  })
})
