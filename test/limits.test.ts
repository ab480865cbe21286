// API.md §13: held polls per session and per user, slow requests, and what node:http refuses
// before any route sees it, all in the §1 error shape.
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pollsHeld } from './helpers/accounts.js'
import type { Client, Res } from './helpers/client.js'
import { cursorOf } from './helpers/events.js'
import { firstAnswer, rawExchange } from './helpers/raw-http.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'

/** A poll held in the background, answered when an event comes or `abort` is called. */
function hold(client: Client, cursor: string, extra = '') {
  const ctl = new AbortController()
  const answer = client.get(`/api/poll?cursor=${encodeURIComponent(cursor)}&timeout=30${extra}`, { signal: ctl.signal }).catch((err: unknown) => err)
  return { answer, abort: () => ctl.abort() }
}

describe('held polls per session and per user (MAX_POLLS_PER_SESSION, MAX_POLLS_PER_USER)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('a session holds 8 polls; the 9th gets 429 too_many_polls with Retry-After at once, by either route, and the 8 go on', async () => {
    const { client } = await guest(server)
    const cursor = await cursorOf(client)
    const base = server.deps.hub.heldPolls()
    const held = Array.from({ length: 8 }, () => hold(client, cursor))
    await pollsHeld(server, base + 8)
    // The common poll (answered ahead of Hono) and one with `types` (Hono's route).
    for (const extra of ['', '&types=room.created']) {
      const refused = await client.get(`/api/poll?cursor=${encodeURIComponent(cursor)}&timeout=30${extra}`)
      expectError(refused, 429, 'too_many_polls')
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    }
    // The held ones are still held, and answer the next event.
    expect(server.deps.hub.heldPolls()).toBe(base + 8)
    expect((await client.post('/api/rooms', { name: 'wake the eight' })).status).toBe(201)
    for (const h of held) {
      const res = (await h.answer) as Res
      expect(res.status).toBe(200)
      expect(res.body.data.events.map((e: { type: string }) => e.type)).toContain('room.created')
    }
    // Their slots are free again.
    const again = hold(client, await cursorOf(client))
    await pollsHeld(server, base + 1)
    again.abort()
    await again.answer
  })

  it('a poll that ends frees its slot', async () => {
    const { client } = await guest(server)
    const cursor = await cursorOf(client)
    const base = server.deps.hub.heldPolls()
    const held = Array.from({ length: 8 }, () => hold(client, cursor))
    await pollsHeld(server, base + 8)
    held[0]!.abort()
    await held[0]!.answer
    // The server notices the closed connection and releases the slot.
    for (let i = 0; i < 200 && server.deps.polls.held > base + 7; i++) await new Promise((r) => setTimeout(r, 10))
    const ninth = hold(client, cursor)
    await pollsHeld(server, base + 8)
    for (const h of [...held.slice(1), ninth]) h.abort()
    await Promise.all(held.map((h) => h.answer))
  })

  it('a user holds 32 polls across sessions; one more from any session gets 429', async () => {
    const { client: first, user, password } = await registerUser(server)
    const sessions = [first]
    for (let i = 0; i < 4; i++) {
      const c = server.client()
      expect((await c.post('/api/auth/login', { login: user.username, password })).status).toBe(200)
      sessions.push(c)
    }
    const cursors = await Promise.all(sessions.map(cursorOf))
    const base = server.deps.hub.heldPolls()
    const held = sessions.slice(0, 4).flatMap((c, i) => Array.from({ length: 8 }, () => hold(c, cursors[i]!)))
    await pollsHeld(server, base + 32)
    expectError(await sessions[4]!.get(`/api/poll?cursor=${encodeURIComponent(cursors[4]!)}&timeout=30`), 429, 'too_many_polls')
    // Another user is not affected.
    const other = await guest(server)
    const otherPoll = hold(other.client, await cursorOf(other.client))
    await pollsHeld(server, base + 33)
    for (const h of [...held, otherPoll]) h.abort()
    await Promise.all([...held, otherPoll].map((h) => h.answer))
  })

  it('0 turns the caps off', async () => {
    const open = await startTestServer({ MAX_POLLS_PER_SESSION: '0', MAX_POLLS_PER_USER: '0' })
    try {
      const { client } = await guest(open)
      const cursor = await cursorOf(client)
      const held = Array.from({ length: 12 }, () => hold(client, cursor))
      await pollsHeld(open, 12)
      for (const h of held) h.abort()
      await Promise.all(held.map((h) => h.answer))
    } finally {
      await open.close()
    }
  })
})

describe('slow requests (REQUEST_TIMEOUT)', () => {
  // 2 s instead of 30, so the test is quick; the held poll below outlives it three times.
  const LIMIT_S = 2
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ REQUEST_TIMEOUT: String(LIMIT_S) })
  })
  afterAll(() => server.close())

  it('a body that stalls is answered 408 request_timeout and cut within REQUEST_TIMEOUT (a sign-in, a send)', async () => {
    const { client } = await guest(server)
    const room = (await client.post('/api/rooms', { name: 'slow senders' })).body.data.room.id
    const cookie = `parley_session=${client.cookies.get('parley_session')}`
    const slow = (path: string) =>
      rawExchange(server.port, [`POST ${path} HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"text":"`])
    const [login, send] = await Promise.all([slow('/api/auth/login'), slow(`/api/rooms/${room}/messages`)])
    for (const r of [login, send]) {
      expect(r.timedOut).toBe(false)
      expect(r.ms).toBeGreaterThan(LIMIT_S * 1000 - 500)
      expect(r.ms).toBeLessThan(LIMIT_S * 1000 + 1500)
      const answer = firstAnswer(r.text)!
      expect(answer.status).toBe(408)
      expect(answer.body).toEqual({ error: { code: 'request_timeout', message: expect.any(String) } })
    }
    // Nothing was stored from the half-sent message.
    expect((await client.get(`/api/rooms/${room}/messages`)).body.data.items.filter((m: { kind: string }) => m.kind === 'user')).toEqual([])
  })

  it('headers that never finish, or a connection that sends nothing, are cut too', async () => {
    const [partial, silent] = await Promise.all([rawExchange(server.port, ['GET /healthz HTTP/1.1\r\nHost: x\r\n']), rawExchange(server.port, [''])])
    for (const r of [partial, silent]) {
      expect(r.timedOut).toBe(false)
      expect(r.ms).toBeLessThan(LIMIT_S * 1000 + 1500)
    }
    expect(firstAnswer(partial.text)?.status).toBe(408)
  })

  it('a held poll is not a slow request: one held three times REQUEST_TIMEOUT answers in full', async () => {
    const { client } = await guest(server)
    const cursor = await cursorOf(client)
    const started = Date.now()
    const res = await client.get(`/api/poll?cursor=${encodeURIComponent(cursor)}&timeout=${LIMIT_S * 3}`)
    expect(res.status).toBe(200)
    expect(res.body.data.events).toEqual([])
    expect(Date.now() - started).toBeGreaterThanOrEqual(LIMIT_S * 3000 - 100)
  }, 20_000)
})

describe('what node:http refuses before any route, in the §1 shape', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server.close())

  it('a garbage request line is 400 invalid_request with a JSON body, and the server goes on', async () => {
    for (const head of ['BLAH\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', '\x00\x01\x02\r\n\r\n']) {
      const r = await rawExchange(server.port, [head])
      const answer = firstAnswer(r.text)!
      expect(answer.status, JSON.stringify(head)).toBe(400)
      expect(answer.headers).toMatch(/\r\nContent-Type: application\/json\r\n/)
      expect(answer.body).toEqual({ error: { code: 'invalid_request', message: expect.any(String) } })
    }
    expect((await server.client().get('/healthz')).status).toBe(200)
  })

  it('a request without Host, or with a backslash in its path or a Host that is no host, is 400 in the §1 shape', async () => {
    for (const head of ['GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n', 'GET /api\\me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'GET /api/me HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n']) {
      const answer = firstAnswer((await rawExchange(server.port, [head])).text)!
      expect(answer.status, JSON.stringify(head)).toBe(400)
      expect(answer.body).toEqual({ error: { code: 'invalid_request', message: expect.any(String) } })
    }
  })

  it('headers over the size limit are 431 headers_too_large', async () => {
    const r = await rawExchange(server.port, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`])
    const answer = firstAnswer(r.text)!
    expect(answer.status).toBe(431)
    expect(answer.body.error.code).toBe('headers_too_large')
  })
})

describe('a client that goes away mid-body', () => {
  it('is logged at info, never as an unhandled error', async () => {
    const lines: { level: number; msg: string; status?: number; path?: string }[] = []
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
        done()
      },
    })
    const { loadConfig } = await import('../src/config.js')
    const { startServer } = await import('../src/main.js')
    const { diskRuntime } = await import('../src/assets.js')
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-abort-'))
    const running = await startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SECRET_KEY: 'x'.repeat(40), PASSWORD_HASH_COST: '10' }), {
      runtime: diskRuntime(),
      log: pino({ level: 'info' }, sink),
    })
    try {
      // Half a login body, then the client is gone.
      await new Promise<void>((resolve) => {
        const socket = connect(running.port, '127.0.0.1', () => {
          socket.write('POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"login":"a')
          setTimeout(() => socket.destroy(), 100)
        })
        socket.on('close', () => resolve())
      })
      for (let i = 0; i < 200 && !lines.some((l) => l.path === '/api/auth/login'); i++) await new Promise((r) => setTimeout(r, 10))
      const line = lines.find((l) => l.path === '/api/auth/login')
      expect(line).toMatchObject({ level: 30, msg: 'request', status: 400 })
      expect(lines.filter((l) => l.level >= 50)).toEqual([])
    } finally {
      await running.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
