// API.md §14 with EVENT_BUS: two processes' worth of Parley (two servers in this test process,
// over one database file) share a redis-server of the test's own, which the test stops, starts and
// pauses. Each request may go to either; what one does, the other knows.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RedisBus } from '../src/events/redis-bus.js'
import { pollsHeld } from './helpers/accounts.js'
import { Client } from './helpers/client.js'
import { cursorOf, pollOnce } from './helpers/events.js'
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/postgres.js'
import { startRedis, type TestRedis } from './helpers/redis.js'
import { join, makeRoom, send } from './helpers/rooms.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest } from './helpers/users.js'

// Held polls and Redis restarts take seconds.
vi.setConfig({ testTimeout: 30_000 })

let redis: TestRedis
let A: TestServer
let B: TestServer
let dir: string
let database: TestDatabase | undefined
/** Both servers' settings: a third process of the same site is started with them. */
let env: Record<string, string>

beforeAll(async () => {
  redis = await startRedis()
  dir = mkdtempSync(joinPath(tmpdir(), 'parley-bus-'))
  // One database for both: on the Postgres run a schema of the test's own, else one SQLite file.
  database = onPostgres ? await createTestDatabase() : undefined
  const DATABASE_URL = database?.url ?? `sqlite:${joinPath(dir, 'site.db')}`
  env = { DATABASE_URL, EVENT_BUS: redis.url, EVENT_BUS_PREFIX: redis.prefix(), SEND_RATE_LIMIT: '3' }
  A = await startTestServer(env)
  B = await startTestServer(env)
})
afterAll(async () => {
  await A?.close()
  await B?.close()
  await redis?.stop()
  await database?.drop()
  rmSync(dir, { recursive: true, force: true })
})

/** The same browser (cookie jar) talking to another process. */
function at(client: Client, server: TestServer): Client {
  const twin = new Client(server.url)
  for (const [k, v] of client.cookies) twin.cookies.set(k, v)
  return twin
}

/** The Redis bus under the server's HorizonBus (which reads the log above it). */
const connected = (s: TestServer) => (s.deps.bus as unknown as { inner: RedisBus }).inner.connected

/** Stops the test's Redis for the duration of fn, then starts it again and waits for both servers to be back on it. */
async function withoutRedis(fn: () => Promise<void>) {
  await redis.stop()
  try {
    await fn()
  } finally {
    await redis.start()
    await until(() => connected(A) && connected(B), 'reconnection to Redis')
  }
}

async function until(ok: () => boolean | Promise<boolean>, what = 'condition') {
  for (let i = 0; i < 200; i++) {
    if (await ok()) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`${what} never came`)
}

// 10 s: an event reaches the other process within a second or so even without Redis (the log is
// read every second); one not there by then is not coming, and the test says so in its assertion.
const ARRIVAL_MS = 10_000

/** The texts of the messages polled from cursor on, until one is `last` (or ARRIVAL_MS passed without it). */
async function textsUntil(client: Client, cursor: string, last: string): Promise<string[]> {
  const seen: string[] = []
  const deadline = Date.now() + ARRIVAL_MS
  for (let next = cursor; Date.now() < deadline && !seen.includes(last); ) {
    const got = await pollOnce(client, next, { timeout: 2 })
    seen.push(...texts(got.events))
    next = got.cursor
  }
  return seen
}

/**
 * Two members of a room made through A, with each one's client on B too. B has read the log as
 * far as A has (the join reaches B a moment after A answers it), so a cursor B issues from here
 * on comes after the join, and a poll held on B from it does not answer with the join instead.
 */
async function pair() {
  const a = await guest(A)
  const b = await guest(A)
  const room = await makeRoom(a.client)
  await join(b.client, room.id)
  const joined = A.deps.events.latestPosition()
  await until(() => B.deps.events.latestPosition() >= joined, 'the join on B')
  return { a, b, room, aB: at(a.client, B), bB: at(b.client, B) }
}

const texts = (events: Array<{ type: string; data: any }>) =>
  events.filter((e) => e.type === 'message.created' && e.data.message.kind === 'user').map((e) => e.data.message.text)

describe('durable events across processes', () => {
  it('a message sent through one process wakes a poll held on the other, once', async () => {
    const { a, b, room, bB } = await pair()
    const cursor = await cursorOf(b.client)
    const held = pollOnce(bB, cursor, { timeout: 20 })
    // Held on B before the send, so the send wakes it (rather than it finding the message at once).
    await pollsHeld(B)
    await send(a.client, room.id, 'across')
    const got = await held
    expect(texts(got.events)).toEqual(['across'])
    // From A with the cursor B gave: nothing again.
    expect(texts((await pollOnce(b.client, got.cursor)).events)).toEqual([])
  })

  it('with Redis stopped, events still reach the other process from the log, once each and in order', async () => {
    const { a, b, room, bB } = await pair()
    const cursor = await cursorOf(b.client)
    await withoutRedis(async () => {
      const held = pollOnce(bB, cursor, { timeout: 20 })
      await send(a.client, room.id, 'no doorbell 1')
      await send(a.client, room.id, 'no doorbell 2')
      let { events, cursor: next } = await held
      const got = texts(events)
      if (got.length < 2) {
        ;({ events, cursor: next } = await pollOnce(bB, next, { timeout: 5 }))
        got.push(...texts(events))
      }
      expect(got).toEqual(['no doorbell 1', 'no doorbell 2'])
      expect(texts((await pollOnce(bB, next)).events)).toEqual([])
    })
  })

  it('a cursor issued by one process, past what the other has read, is waited on there, not refused', async () => {
    const { a, b, room, bB } = await pair()
    await withoutRedis(async () => {
      await send(a.client, room.id, 'newer than B knows')
      // A's cursor now names a position B has not read yet (no doorbell; B reads the log only every second).
      const cursor = await cursorOf(b.client)
      const res = await bB.get(`/api/poll?cursor=${cursor}&timeout=0`)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      expect(texts(res.body.data.events)).toEqual([])
    })
  })
})

describe('typing and presence across processes', () => {
  it('a typing event sent through one process reaches polls on both, with one id', async () => {
    const { a, b, room, bB } = await pair()
    const cursor = await cursorOf(b.client)
    // Processes' clocks and the moments they hear of an event differ; the event's place must not.
    A.clock.advance(50)
    try {
      expect((await a.client.post(`/api/rooms/${room.id}/typing`)).status).toBe(204)
      const onB = await pollOnce(bB, cursor, { timeout: 5, types: 'typing' })
      const onA = await pollOnce(b.client, cursor, { timeout: 5, types: 'typing' })
      expect(onB.events.map((e) => e.data)).toEqual([{ user_id: a.user.id, room_id: room.id }])
      expect(onA.events.map((e) => e.id)).toEqual(onB.events.map((e) => e.id))
      // Received on B, then polled on A from B's cursor: not again.
      expect((await pollOnce(b.client, onB.cursor, { types: 'typing' })).events).toEqual([])
    } finally {
      A.clock.advance(-50)
    }
  })

  it('the typing throttle holds across processes', async () => {
    const { a, b, room, aB } = await pair()
    const cursor = await cursorOf(b.client)
    await a.client.post(`/api/rooms/${room.id}/typing`)
    await aB.post(`/api/rooms/${room.id}/typing`)
    const first = await pollOnce(b.client, cursor, { timeout: 5, types: 'typing' })
    expect(first.events).toHaveLength(1)
    expect((await pollOnce(b.client, first.cursor, { timeout: 1, types: 'typing' })).events).toEqual([])
  })
})

describe('presence across processes', () => {
  it('one process’s user is online for the other, announced once however many processes they poll on, and offline once signed out', async () => {
    const { a, b, bB } = await pair()
    const aB = at(a.client, B)
    // A poll through A: online, as B answers it too.
    await cursorOf(a.client)
    await until(async () => (await bB.get(`/api/users/${a.user.id}`)).body.data.user.online === true, 'a online on B')
    const cursor = await cursorOf(bB)
    // Polls of a's on B as well as A: still the one online spell, nothing announced.
    await cursorOf(aB)
    await cursorOf(a.client)
    expect((await pollOnce(bB, cursor, { timeout: 1, types: 'presence' })).events).toEqual([])
    expect((await a.client.post('/api/auth/logout')).status).toBe(204)
    const gone = await pollOnce(bB, cursor, { timeout: 10, types: 'presence' })
    expect(gone.events.map((e) => [e.data.user_id, e.data.online])).toEqual([[a.user.id, false]])
    await until(async () => (await b.client.get(`/api/users/${a.user.id}`)).body.data.user.online === false, 'a offline on A')
    expect((await bB.get(`/api/users/${a.user.id}`)).body.data.user.online).toBe(false)
  })

  it('a process started after a user came online says they are online from its first answer', async () => {
    const { a, b } = await pair()
    await cursorOf(a.client)
    await until(async () => (await at(b.client, B).get(`/api/users/${a.user.id}`)).body.data.user.online === true, 'a online on B')
    // C heard no announcement of a's: it learns who is online from Redis as it starts.
    const C = await startTestServer(env)
    try {
      const user = (await at(b.client, C).get(`/api/users/${a.user.id}`)).body.data.user
      expect([user.online, typeof user.last_seen]).toEqual([true, 'string'])
    } finally {
      await C.close()
    }
  })
})

describe('sessions across processes', () => {
  it('a session signed out through one process is refused by the other, and its poll held there ends 401', async () => {
    const { b, bB } = await pair()
    expect((await bB.get('/api/me')).status).toBe(200)
    const held = bB.get(`/api/poll?cursor=${await cursorOf(bB)}&timeout=10`)
    // Held on B before the sign-out, so the revocation must end it (a poll begun after is refused by its session check).
    await pollsHeld(B)
    expect((await b.client.post('/api/auth/logout')).status).toBe(204)
    expectError(await held, 401, 'session_revoked')
    expectError(await bB.get('/api/me'), 401, 'session_revoked')
  })

  it('with Redis stopped, the other process refuses a signed-out session all the same (read from the database)', async () => {
    const { b, bB } = await pair()
    expect((await bB.get('/api/me')).status).toBe(200)
    await withoutRedis(async () => {
      const held = bB.get(`/api/poll?cursor=${await cursorOf(bB)}&timeout=10`)
      await pollsHeld(B)
      expect((await b.client.post('/api/auth/logout')).status).toBe(204)
      expectError(await held, 401, 'session_revoked')
      expectError(await bB.get('/api/me'), 401, 'session_revoked')
    })
  })
})

describe('room caches across processes', () => {
  it('a member who joins through one process gets the messages sent through the other', async () => {
    const { a, room, aB } = await pair()
    await send(aB, room.id, 'fills B’s member list')
    const c = await guest(A)
    const cursor = await cursorOf(c.client)
    await join(c.client, room.id)
    await until(async () => (await B.deps.db.selectFrom('room_members').select('user_id').where('room_id', '=', room.id).execute()).length === 3)
    await send(aB, room.id, 'for the newcomer')
    // The first answer may hold only the newcomer's own join (B's message reaches A's log a moment later).
    expect(await textsUntil(c.client, cursor, 'for the newcomer')).toContain('for the newcomer')
    void a
  })

  it('with Redis stopped (no invalidation reaches the other process), a member who joins through one process gets the next message sent through the other', async () => {
    const { room, aB } = await pair()
    const c = await guest(A)
    await withoutRedis(async () => {
      await send(aB, room.id, 'fills B’s member list')
      const cursor = await cursorOf(c.client)
      await join(c.client, room.id)
      // At once: B's copy of the members is stale, and the room's members_version says so.
      await send(aB, room.id, 'right after the join')
      // A reads B's message from the log (no doorbell without Redis), up to a second later: polled
      // until it comes, not counted in events (c's own join, or a presence event, may fill the count first).
      expect(await textsUntil(c.client, cursor, 'right after the join')).toEqual(['right after the join'])
    })
  })

  it('with Redis stopped, a member who leaves through one process gets no message sent through the other after it', async () => {
    const { a, b, room, aB } = await pair()
    const other = await makeRoom(a.client)
    await join(b.client, other.id)
    await send(aB, room.id, 'fills B’s member list')
    const cursor = await cursorOf(b.client)
    await withoutRedis(async () => {
      expect((await b.client.post(`/api/rooms/${room.id}/leave`)).status).toBeLessThan(300)
      await send(aB, room.id, 'after the leave')
      await send(aB, other.id, 'in the other room')
      // Events come in order: once the second message is there, the first would have been before it.
      const seen = await textsUntil(b.client, cursor, 'in the other room')
      expect(seen).toContain('in the other room')
      expect(seen).not.toContain('after the leave')
    })
  })

  it('a message deleted through one process leaves the other’s history page', async () => {
    const { a, room, aB } = await pair()
    const sent = await send(a.client, room.id, 'first words')
    expect((await aB.get(`/api/rooms/${room.id}/messages`)).body.data.items.at(-1).text).toBe('first words')
    expect((await a.client.delete(`/api/messages/${sent.id}`)).status).toBe(204)
    await until(async () => !(await aB.get(`/api/rooms/${room.id}/messages`)).body.data.items.some((m: { id: number }) => m.id === sent.id), 'the deletion on B')
  })
})

describe('rate limits across processes', () => {
  it('sends count across processes (SEND_RATE_LIMIT=3)', async () => {
    const { a, room, aB } = await pair()
    await send(a.client, room.id, '1')
    await send(aB, room.id, '2')
    await send(a.client, room.id, '3')
    const res = await aB.post(`/api/rooms/${room.id}/messages`, { text: '4' })
    expectError(res, 429, 'rate_limited')
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('with Redis stopped, each process counts in its own memory: limits stay on, and nothing waits for Redis', async () => {
    const { a, room, aB } = await pair()
    await withoutRedis(async () => {
      for (const text of ['1', '2', '3']) await send(a.client, room.id, text)
      expectError(await a.client.post(`/api/rooms/${room.id}/messages`, { text: '4' }), 429, 'rate_limited')
      // B has its own count meanwhile (API.md §14 leaves this to the implementation; README says so).
      for (const text of ['5', '6', '7']) await send(aB, room.id, text)
      expectError(await aB.post(`/api/rooms/${room.id}/messages`, { text: '8' }), 429, 'rate_limited')
    })
  })

  it('with Redis paused (connected, not answering), a send falls back after the command timeout instead of hanging', async () => {
    const { a, room } = await pair()
    redis.pause()
    try {
      await send(a.client, room.id, 'while Redis sleeps')
    } finally {
      redis.resume()
    }
  })
})

describe('EVENT_BUS settings', () => {
  it('takes a redis:// or rediss:// URL and a prefix, and refuses anything else at start', async () => {
    const { loadConfig, ConfigError } = await import('../src/config.js')
    const base = { DATA_DIR: dir, SECRET_KEY: 'x'.repeat(32) }
    expect(loadConfig(base).eventBus).toBeUndefined()
    expect(loadConfig({ ...base, EVENT_BUS: 'redis://10.0.0.5:6379/2' }).eventBus).toEqual({ url: 'redis://10.0.0.5:6379/2', prefix: 'parley:' })
    expect(() => loadConfig({ ...base, EVENT_BUS: 'http://10.0.0.5:6379' })).toThrow(ConfigError)
    expect(() => loadConfig({ ...base, EVENT_BUS: 'redis://x', EVENT_BUS_PREFIX: 'has space' })).toThrow(ConfigError)
  })
})
