// API.md §1 and §2: error shapes, validation, limits, CSRF and content types, 500s, sign-in rate limit.
import { Writable } from 'node:stream'
import SQLite from 'better-sqlite3'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diskRuntime } from '../src/assets.js'
import { loadConfig } from '../src/config.js'
import { ApiError } from '../src/errors.js'
import { RateLimiter } from '../src/http/rate-limit.js'
import { startServer } from '../src/main.js'
import { rawRequest } from './helpers/accounts.js'
import { Client } from './helpers/client.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest } from './helpers/users.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const send = (path: string, init: RequestInit) => fetch(server.url + path, { redirect: 'manual', ...init })
const json = async (res: Response) => ({ status: res.status, headers: res.headers, body: (await res.json()) as any })

describe('§1 bad input answers 400 with details and stores nothing', () => {
  it('malformed JSON', async () => {
    const res = await json(await send('/api/auth/guest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' }))
    expectError(res, 400, 'invalid_request')
    expect(res.body.error.details).toEqual([{ path: 'body', message: expect.any(String) }])
  })

  it('a JSON value that is not an object', async () => {
    for (const body of ['[]', '"text"', 'null', '42']) {
      const res = await json(await send('/api/auth/guest', { method: 'POST', headers: { 'content-type': 'application/json' }, body }))
      expectError(res, 400, 'invalid_request')
    }
  })

  it('wrong types, each with its path', async () => {
    const res = await server.client().post('/api/auth/register', { username: 5, email: ['a@b.c'], password: { p: 1 } })
    expectError(res, 400, 'invalid_request')
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'password', 'username'])
  })

  it('missing fields, and no body at all', async () => {
    const res = await server.client().post('/api/auth/register', { username: 'only-name' })
    expectError(res, 400, 'invalid_request')
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'password'])
    const empty = await server.client().post('/api/auth/register')
    expectError(empty, 400, 'invalid_request')
    expect(empty.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'password', 'username'])
  })

  it('huge strings under the body limit are 400, never 500', async () => {
    const count = async () => (await server.deps.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n
    const before = await count()
    const c = server.client()
    const huge = 'x'.repeat(60_000)
    expectError(await c.post('/api/auth/register', { username: huge, email: 'huge@example.test', password: 'long enough' }), 400, 'invalid_request')
    expectError(await c.post('/api/auth/register', { username: 'huge', email: `${huge}@example.test`, password: 'long enough' }), 400, 'invalid_request')
    expectError(await c.post('/api/auth/register', { username: 'huge', email: 'huge@example.test', password: huge }), 400, 'invalid_request')
    expectError(await c.post('/api/auth/login', { login: huge, password: 'whatever1' }), 400, 'invalid_request')
    expectError(await c.post('/api/auth/guest', { name: huge }), 400, 'invalid_request')
    // The phone route names its own code for any string that is not a phone (API.md §3).
    expectError(await c.post('/api/auth/phone', { phone: huge }), 400, 'invalid_phone')
    expect(await count()).toBe(before)
  })

  it('unknown fields are 400 unknown_field naming each one', async () => {
    const res = await server.client().post('/api/auth/guest', { name: 'typo', nmae: 'x', role: 'admin' })
    expectError(res, 400, 'unknown_field')
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['nmae', 'role'])
  })
})

describe('§1 unknown paths and methods', () => {
  it('404 not_found in the error shape for an unknown API path or file', async () => {
    for (const path of ['/api/nope', '/api/users/1/nope', '/nope.js']) {
      const res = await server.client().get(path)
      expectError(res, 404, 'not_found')
      expect(Object.keys(res.body)).toEqual(['error'])
    }
  })

  it('405 method_not_allowed with Allow for a known path with a method it does not serve', async () => {
    const c = server.client()
    const cases: [string, string, string][] = [
      ['PUT', '/api/auth/login', 'POST'],
      ['GET', '/api/auth/logout', 'POST'],
      ['DELETE', '/api/users/5', 'GET'],
      ['GET', '/api/me/keepalive', 'POST'],
      ['POST', '/api/openapi.json', 'GET'],
    ]
    for (const [method, path, allow] of cases) {
      const res = await c.request(method, path)
      expectError(res, 405, 'method_not_allowed')
      expect(res.headers.get('allow')?.split(', ')).toContain(allow)
    }
  })
})

describe('§2 body size and content type', () => {
  it('a JSON body over 64 KiB is 413 payload_too_large, with or without Content-Length', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(65 * 1024) })
    expectError(await json(await send('/api/auth/guest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big })), 413, 'payload_too_large')
    const stream = new ReadableStream({
      start(ctl) {
        ctl.enqueue(new TextEncoder().encode(big))
        ctl.close()
      },
    })
    const chunked = await send('/api/auth/guest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit)
    expectError(await json(chunked), 413, 'payload_too_large')
  })

  it('a body that is not application/json is 415 unsupported_media_type', async () => {
    const { client } = await guest(server)
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const cases: [string, string, string][] = [
      ['POST', '/api/auth/guest', 'text/plain'],
      ['POST', '/api/auth/login', 'application/x-www-form-urlencoded'],
      ['POST', '/api/auth/register', 'multipart/form-data; boundary=x'],
      ['PATCH', '/api/me', 'text/plain'],
    ]
    for (const [method, path, type] of cases) {
      const res = await json(await send(path, { method, headers: { 'content-type': type, cookie }, body: '{"name":"x"}' }))
      expectError(res, 415, 'unsupported_media_type')
    }
    const noType = await json(await send('/api/auth/guest', { method: 'POST', headers: { cookie }, body: new Uint8Array([123, 125]) }))
    expectError(noType, 415, 'unsupported_media_type')
  })

  it('application/json with a charset is fine', async () => {
    const res = await send('/api/auth/guest', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"name":"charset-guest"}' })
    expect(res.status).toBe(201)
  })

  it('a POST with no body and no content type is accepted (logout, keepalive)', async () => {
    const { client } = await guest(server)
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    expect((await send('/api/me/keepalive', { method: 'POST', headers: { cookie } })).status).toBe(204)
    expect((await send('/api/auth/logout', { method: 'POST', headers: { cookie } })).status).toBe(204)
  })
})

describe('§2 CSRF', () => {
  it('a foreign Origin on a state-changing request is 403 csrf_rejected, checked before the content type', async () => {
    const { client, user } = await guest(server)
    const evil = { origin: 'https://evil.example.test' }
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const plain = await json(await send('/api/auth/guest', { method: 'POST', headers: { ...evil, 'content-type': 'text/plain' }, body: 'x' }))
    expectError(plain, 403, 'csrf_rejected')
    for (const [method, path, body] of [
      ['POST', '/api/auth/logout', undefined],
      ['PATCH', '/api/me', '{"nickname":"pwned"}'],
      ['DELETE', '/api/me', undefined],
      ['POST', '/api/me/keepalive', undefined],
    ] as const) {
      const headers: Record<string, string> = { ...evil, cookie }
      if (body) headers['content-type'] = 'application/json'
      expectError(await json(await send(path, { method, headers, ...(body ? { body } : {}) })), 403, 'csrf_rejected')
    }
    expectError(await json(await send('/api/me', { method: 'DELETE', headers: { origin: 'null', cookie } })), 403, 'csrf_rejected')
    const me = await client.get('/api/me')
    expect(me.body.data.user).toMatchObject({ id: user.id, nickname: null })
    // Reading is not state-changing.
    expect((await send('/api/me', { headers: { ...evil, cookie } })).status).toBe(200)
  })

  it('the server’s own origin is accepted', async () => {
    const res = await send('/api/auth/guest', { method: 'POST', headers: { origin: server.url, 'content-type': 'application/json' }, body: '{"name":"same-origin"}' })
    expect(res.status).toBe(201)
  })

  it('ALLOWED_ORIGINS lets listed origins in; PUBLIC_URL is the own origin', async () => {
    const other = await startTestServer({ PUBLIC_URL: 'https://chat.example.test', ALLOWED_ORIGINS: 'https://app.example.test, https://m.example.test/' })
    try {
      const post = (origin: string, name: string) =>
        fetch(`${other.url}/api/auth/guest`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
      expect((await post('https://app.example.test', 'g1')).status).toBe(201)
      expect((await post('https://m.example.test', 'g2')).status).toBe(201)
      expect((await post('https://chat.example.test', 'g3')).status).toBe(201)
      expect((await post('https://evil.example.test', 'g4')).status).toBe(403)
      expect((await post('http://app.example.test', 'g5')).status).toBe(403)
      expect((await post('https://app.example.test:8443', 'g6')).status).toBe(403)
    } finally {
      await other.close()
    }
  })
})

describe('§1 a 500 carries a request id that the log carries too, and leaks nothing', () => {
  it('answers internal_error with request_id, logs the same id, and no stack or SQL', async () => {
    const lines: any[] = []
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l))
        done()
      },
    })
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-500-'))
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SECRET_KEY: 'x'.repeat(40), SIGNIN_RATE_LIMIT: '0' })
    const running = await startServer(config, { runtime: diskRuntime(), log: pino({ level: 'info' }, sink) })
    try {
      const c = new Client(running.url)
      expect((await c.post('/api/auth/guest', { name: 'doomed' })).status).toBe(201)
      const roomId = (await c.post('/api/rooms', { name: 'doomed room' })).body.data.room.id
      // Break the database under the running server: the next read of users or messages fails
      // inside SQLite (in a Hono route, and in the history and send answered ahead of Hono).
      const side = new SQLite(config.databaseFile)
      side.exec('alter table users rename to users_gone; alter table messages rename to messages_gone')
      side.close()
      for (const res of [await c.get('/api/me'), await c.get(`/api/rooms/${roomId}/messages?limit=3`), await c.post(`/api/rooms/${roomId}/messages`, { text: 'x' })]) {
        expectError(res, 500, 'internal_error')
        const requestId = res.body.error.details.request_id
        expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
        expect(res.headers.get('x-request-id')).toBe(requestId)
        expect(res.text).not.toMatch(/users|messages_gone|select|sqlite|no such table|\bat\s|\.ts:|\.js:/i)
        const logged = lines.filter((l) => l.reqId === requestId)
        expect(logged.map((l) => l.msg)).toEqual(expect.arrayContaining(['unhandled error', 'request']))
        expect(logged.find((l) => l.msg === 'unhandled error').err.message).toMatch(/no such table/)
        expect(JSON.stringify(logged)).not.toMatch(/\n\s+at /)
      }
    } finally {
      await running.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('§2 sign-in rate limit', () => {
  it('the 11th attempt in a minute for one account is 429 with Retry-After, from any address; per address too', async () => {
    const limited = await startTestServer({ SIGNIN_RATE_LIMIT: '10', REQUIRE_EMAIL_VERIFICATION: 'false' })
    try {
      for (const username of ['target', 'bystander']) {
        expect((await limited.client().post('/api/auth/register', { username, email: `${username}@example.test`, password: 'right password' })).status).toBe(201)
      }
      const login = (localAddress: string, login: string, password: string) =>
        rawRequest(limited.url, { method: 'POST', path: '/api/auth/login', body: { login, password }, localAddress })
      // Username and email are one account: alternating them buys no extra tries.
      for (let i = 0; i < 10; i++) expect((await login('127.0.0.1', i % 2 ? 'target' : 'TARGET@example.test', 'wrong password')).status).toBe(401)
      // The account is limited, whatever address the 11th attempt comes from, even with the right password.
      const eleventh = await login('127.0.0.2', 'target', 'right password')
      expect(eleventh.status).toBe(429)
      expect(eleventh.body.error.code).toBe('rate_limited')
      const retryAfter = Number(eleventh.headers['retry-after'])
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(60)
      // 127.0.0.1 made 10 attempts: another account from there is limited too; from elsewhere it is not.
      expect((await login('127.0.0.1', 'bystander', 'right password')).status).toBe(429)
      expect((await login('127.0.0.3', 'bystander', 'right password')).status).toBe(200)
      // Guest and phone sign-in count against the same address limit.
      expect((await rawRequest(limited.url, { method: 'POST', path: '/api/auth/guest', body: { name: 'late' }, localAddress: '127.0.0.1' })).status).toBe(429)
      limited.clock.advance(61_000)
      expect((await login('127.0.0.1', 'target', 'right password')).status).toBe(200)
    } finally {
      await limited.close()
    }
  }, 30_000) // a dozen scrypt hashes on a shared machine

  it('SIGNIN_RATE_LIMIT=0 turns it off', async () => {
    const open = await startTestServer({ SIGNIN_RATE_LIMIT: '0' })
    try {
      const c = open.client()
      for (let i = 0; i < 15; i++) expectError(await c.post('/api/auth/login', { login: 'nobody', password: 'wrong password' }), 401, 'invalid_credentials')
    } finally {
      await open.close()
    }
  })
})

describe('RateLimiter (unit)', () => {
  it('allows `limit` hits per sliding window and names the seconds until the next one', async () => {
    let now = 1_000_000
    const limiter = new RateLimiter({ now: () => now })
    for (let i = 0; i < 3; i++) {
      await limiter.hit('k', 3, 60_000)
      now += 10_000
    }
    const refused = await limiter.hit('k', 3, 60_000).catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(ApiError)
    expect((refused as ApiError).headers).toEqual({ 'Retry-After': '30' })
    expect(await limiter.tryHit('other', 3, 60_000)).toBe(0)
    now += 30_000
    await expect(limiter.hit('k', 3, 60_000)).resolves.toBeUndefined()
  })

  it('a hit of several counts them all, and is refused whole when they do not fit', async () => {
    let now = 0
    const limiter = new RateLimiter({ now: () => now })
    expect(await limiter.tryHit('k', 5, 60_000, 3)).toBe(0)
    now += 20_000
    // 3 + 3 > 5: refused whole, nothing counted; the wait is until the first 3 leave the window.
    expect(await limiter.tryHit('k', 5, 60_000, 3)).toBe(40)
    expect(await limiter.tryHit('k', 5, 60_000, 2)).toBe(0)
    expect(await limiter.tryHit('k', 5, 60_000, 1)).toBe(40)
    // More than the whole budget never fits: the whole window.
    expect(await limiter.tryHit('other', 5, 60_000, 6)).toBe(60)
  })

  it('a limit of 0 never refuses', async () => {
    const limiter = new RateLimiter({ now: () => 0 })
    for (let i = 0; i < 1000; i++) await limiter.hit('k', 0, 60_000)
    expect(await limiter.tryHit('k', 0, 60_000)).toBe(0)
  })
})
