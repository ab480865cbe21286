import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_TTL_MS } from '../src/http/session.js'
import { pollsHeld } from './helpers/accounts.js'
import { cursorOf, type Ev, pollOnce } from './helpers/events.js'
import { keepAliveConnection } from './helpers/raw-http.js'
import { makeRoom, roomWith, send } from './helpers/rooms.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest } from './helpers/users.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const rename = (client: ReturnType<TestServer['client']>, nickname: string) => client.patch('/api/me', { nickname })

describe('GET /api/poll', () => {
  it('without a cursor answers at once with no events, a cursor and Cache-Control: no-store', async () => {
    const { client } = await guest(server)
    const res = await client.get('/api/poll?timeout=55')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.body.data).toEqual({ events: [], cursor: expect.any(String) })
  })

  it('answers at once with the events after the cursor, oldest first, with increasing ids', async () => {
    const { client } = await guest(server)
    const cursor = await cursorOf(client)
    for (const n of ['one', 'two', 'three']) expect((await rename(client, n)).status).toBe(200)
    const { events, cursor: next } = await pollOnce(client, cursor, { timeout: 30 })
    expect(events.map((e) => [e.type, e.data.user.nickname])).toEqual([
      ['user.updated', 'one'],
      ['user.updated', 'two'],
      ['user.updated', 'three'],
    ])
    expect([...events.map((e) => e.id)].sort()).toEqual(events.map((e) => e.id))
    expect(new Set(events.map((e) => e.id)).size).toBe(3)
    expect(events[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    // Nothing is delivered twice: the next poll from the answer's cursor is empty.
    expect((await pollOnce(client, next)).events).toEqual([])
  })

  it('holds the request until an event arrives, then answers with it', async () => {
    const { client } = await guest(server)
    const cursor = await cursorOf(client)
    const held = pollOnce(client, cursor, { timeout: 30 })
    await new Promise((r) => setTimeout(r, 100))
    await rename(client, 'woken')
    const { events } = await held
    expect(events.map((e) => e.data.user.nickname)).toEqual(['woken'])
  })

  it('without events answers empty when the timeout passes, keeping the cursor usable', async () => {
    const { client } = await guest(server)
    const cursor = await cursorOf(client)
    const res = await pollOnce(client, cursor, { timeout: 1 })
    expect(res.events).toEqual([])
    await rename(client, 'later')
    expect((await pollOnce(client, res.cursor)).events.map((e) => e.data.user.nickname)).toEqual(['later'])
  })

  it('delivers to each tab of the same user with its own cursor', async () => {
    const { client: tab1, user } = await guest(server)
    const tab2 = server.client()
    tab2.cookies.set('parley_session', tab1.cookies.get('parley_session')!)
    const c1 = await cursorOf(tab1)
    const c2 = await cursorOf(tab2)
    await rename(tab1, 'both')
    const [a, b] = await Promise.all([pollOnce(tab1, c1), pollOnce(tab2, c2)])
    expect(a.events.map((e) => e.data.user.id)).toEqual([user.id])
    expect(b.events).toEqual(a.events)
  })

  it('never delivers one user’s events to another', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const cb = await cursorOf(b.client)
    await rename(a.client, 'private')
    expect((await pollOnce(b.client, cb)).events).toEqual([])
  })

  it('polls held at one cursor and woken by one commit each answer with their own events', async () => {
    const [a, b, c] = [await guest(server), await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client)
    // Any session may poll from any cursor: the three hold the same one, taken once their coming
    // online (presence, announced after a query) has reached everyone, so the cursor is past it.
    let cursor = ''
    for (let quiet = false; !quiet; ) {
      cursor = await cursorOf(a.client)
      await new Promise((r) => setTimeout(r, 50))
      quiet = (await Promise.all([a, b, c].map((u) => pollOnce(u.client, cursor)))).every((r) => r.events.length === 0)
    }
    const held = (u: typeof a) => u.client.get(`/api/poll?cursor=${cursor}&timeout=5`)
    const polls = Promise.all([held(a), held(b), held(c)])
    await pollsHeld(server, 3)
    await send(a.client, room.id, 'for the room')
    await rename(c.client, 'only c')
    const [ra, rb, rc] = await polls
    expect(rb.text).toBe(ra.text)
    expect(ra.body.data.events.map((e: Ev) => e.data.message.text)).toEqual(['for the room'])
    expect(rc.body.data.events.map((e: Ev) => e.type)).toEqual(['user.updated'])
    expect(rc.body.data.cursor > ra.body.data.cursor).toBe(true)
  })

  it('filters by types, and the cursor still moves past the filtered events', async () => {
    const { client } = await guest(server)
    const cursor = await cursorOf(client)
    await rename(client, 'x')
    const filtered = await pollOnce(client, cursor, { types: 'message.created' })
    expect(filtered.events).toEqual([])
    expect(filtered.cursor > cursor).toBe(true)
    expect((await pollOnce(client, filtered.cursor, { types: 'user.updated' })).events).toEqual([])
    expect((await pollOnce(client, cursor, { types: 'user.updated,message.created' })).events).toHaveLength(1)
  })

  it('answers at most 500 events at once and the rest on the next poll', async () => {
    const { client, user } = await guest(server)
    const cursor = await cursorOf(client)
    // Publish 520 events straight through the event log, as a domain function would (of a real shape: answers are checked against the API description).
    await server.deps.store.transaction(async (trx) => {
      for (let i = 0; i < 520; i++) await server.deps.events.publish(trx, 'balance.changed', { balance: i }, [user.id])
    })
    const first = await pollOnce(client, cursor)
    expect(first.events).toHaveLength(500)
    const second = await pollOnce(client, first.cursor)
    expect([...first.events, ...second.events].map((e) => e.data.balance)).toEqual([...Array(520).keys()])
  })

  it('refuses bad input with 400', async () => {
    const { client } = await guest(server)
    const cursor = await cursorOf(client)
    expectError(await client.get('/api/poll?cursor=not-a-cursor'), 400, 'invalid_cursor')
    expectError(await client.get(`/api/poll?cursor=${cursor}&timeout=56`), 400, 'invalid_request')
    expectError(await client.get(`/api/poll?cursor=${cursor}&timeout=-1`), 400, 'invalid_request')
    expectError(await client.get(`/api/poll?cursor=${cursor}&timeout=1.5`), 400, 'invalid_request')
    expectError(await client.get(`/api/poll?cursor=${cursor}&types=message.created,bogus`), 400, 'invalid_request')
  })

  it('needs a session, with or without a cursor, and a session cookie that unseals', async () => {
    const { client } = await guest(server)
    const cursor = await cursorOf(client)
    expectError(await server.client().get('/api/poll'), 401, 'not_signed_in')
    expectError(await server.client().get(`/api/poll?cursor=${cursor}&timeout=0`), 401, 'not_signed_in')
    const forged = server.client()
    forged.cookies.set('parley_session', 'Fe26.2**forged')
    const res = await forged.get(`/api/poll?cursor=${cursor}&timeout=0`)
    expectError(res, 401, 'not_signed_in')
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('ends a held poll with 401 session_revoked when the session is logged out elsewhere', async () => {
    const { client: tab1 } = await guest(server)
    const tab2 = server.client()
    tab2.cookies.set('parley_session', tab1.cookies.get('parley_session')!)
    const cursor = await cursorOf(tab1)
    const held = tab1.get(`/api/poll?cursor=${cursor}&timeout=55`)
    await new Promise((r) => setTimeout(r, 100))
    expect((await tab2.post('/api/auth/logout', { all: true })).status).toBe(204)
    // The 5 s test timeout bounds this; the poll itself would otherwise hold 55 s.
    expectError(await held, 401, 'session_revoked')
  })

  it('a poll on the same keep-alive connection after its session is logged out gets 401 session_revoked', async () => {
    const { client } = await guest(server)
    const headers = { cookie: `parley_session=${client.cookies.get('parley_session')}` }
    const conn = keepAliveConnection(server.port)
    try {
      // Polling on: the session is known by then.
      let cursor = ''
      for (let i = 0; i < 3; i++) {
        const res = await conn.get(`/api/poll${cursor ? `?cursor=${cursor}&timeout=0` : ''}`, headers)
        expect(res.status).toBe(200)
        cursor = res.body.data.cursor
      }
      expect((await client.post('/api/auth/logout', { all: true })).status).toBe(204)
      const again = await conn.get(`/api/poll?cursor=${cursor}&timeout=0`, headers)
      expect([again.status, again.body.error.code]).toEqual([401, 'session_revoked'])
    } finally {
      conn.close()
    }
  })

  it('two users taking turns on one keep-alive connection (a proxy pooling its upstream connections) are each read as themselves', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const room = await makeRoom(a.client)
    const as = (who: typeof a) => ({ cookie: `parley_session=${who.client.cookies.get('parley_session')}` })
    const conn = keepAliveConnection(server.port)
    try {
      for (let i = 0; i < 3; i++) {
        // The room's history (a fast path reading the session as the poll does): a's, not b's.
        expect((await conn.get(`/api/rooms/${room.id}/messages`, as(a))).status).toBe(200)
        const other = await conn.get(`/api/rooms/${room.id}/messages`, as(b))
        expect([other.status, other.body.error.code]).toEqual([403, 'not_member'])
        expect((await conn.get('/api/poll', as(b))).status).toBe(200)
      }
      expect((await a.client.post('/api/auth/logout')).status).toBe(204)
      // Signed out: its cookie no longer unseals to a live session on this connection either.
      expect((await conn.get(`/api/rooms/${room.id}/messages`, as(a))).status).toBe(401)
      expect((await conn.get('/api/poll', as(b))).status).toBe(200)
    } finally {
      conn.close()
    }
  })

  it('typing and presence are ephemeral: delivered to a polling session, never stored', async () => {
    const { client, user } = await guest(server)
    const cursor = await cursorOf(client)
    server.deps.events.ephemeral('typing', { user_id: 999, recipient_id: user.id }, [user.id])
    const got = await pollOnce(client, cursor)
    expect(got.events.map((e) => e.type)).toEqual(['typing'])
    const stored = await server.deps.db.selectFrom('events').select('type').where('type', 'in', ['typing', 'presence']).execute()
    expect(stored).toEqual([])
    // Expired after 10 s: a session polling again later does not get it.
    server.clock.advance(11_000)
    expect((await pollOnce(client, cursor)).events).toEqual([])
    server.clock.advance(-11_000)
  })
})

describe('retention', () => {
  it('a cursor older than the retention window gets 410 cursor_expired; a fresh one works', async () => {
    const s = await startTestServer({ EVENT_RETENTION_DAYS: '1' })
    try {
      const { client } = await guest(s)
      const old = await cursorOf(client)
      await client.patch('/api/me', { nickname: 'before' })
      s.clock.advance(2 * 24 * 3600 * 1000)
      expect(await s.deps.events.prune(1)).toBeGreaterThan(0)
      const stale = await client.get(`/api/poll?cursor=${old}&timeout=0`)
      expectError(stale, 410, 'cursor_expired')
      const fresh = await cursorOf(client)
      await client.patch('/api/me', { nickname: 'after' })
      expect((await pollOnce(client, fresh)).events.map((e) => e.data.user.nickname)).toEqual(['after'])
    } finally {
      await s.close()
    }
  })
})

describe('restart', () => {
  it('a cursor from before a restart resumes with the stored events, 500 at a time, none twice', async () => {
    let s = await startTestServer()
    try {
      const { client, user } = await guest(s)
      const cursor = await cursorOf(client)
      await s.deps.store.transaction(async (trx) => {
        for (let i = 0; i < 510; i++) await s.deps.events.publish(trx, 'balance.changed', { balance: i }, [user.id])
      })
      s = await s.restart()
      const first = await pollOnce(client, cursor)
      const second = await pollOnce(client, first.cursor)
      expect(first.events).toHaveLength(500)
      expect([...first.events, ...second.events].map((e) => e.data.balance)).toEqual([...Array(510).keys()])
      // After the restart new events still arrive, after the stored ones.
      await client.patch('/api/me', { nickname: 'new' })
      expect((await pollOnce(client, second.cursor)).events.map((e) => e.data.user.nickname)).toEqual(['new'])
    } finally {
      await s.close()
    }
  })
  it('a rolled-back transaction publishes nothing and holds later events up not at all', async () => {
    const { client, user } = await guest(server)
    const cursor = await cursorOf(client)
    await expect(
      server.deps.store.transaction(async (trx) => {
        await server.deps.events.publish(trx, 'user.updated', { user: { id: user.id, n: 'rolled back' } }, [user.id])
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    await client.patch('/api/me', { nickname: 'kept' })
    expect((await pollOnce(client, cursor)).events.map((e) => e.data.user.nickname)).toEqual(['kept'])
  })
})

describe('shutdown', () => {
  it('stopping the server answers held polls with what they have', async () => {
    const s = await startTestServer()
    const { client } = await guest(s)
    const cursor = await cursorOf(client)
    const held = client.get(`/api/poll?cursor=${cursor}&timeout=55`)
    await new Promise((r) => setTimeout(r, 100))
    const stopped = s.stop()
    const res = await held
    expect(res.status).toBe(200)
    expect(res.body.data).toEqual({ events: [], cursor: expect.any(String) })
    await stopped
  })
})

describe('a held poll checks its session again before it answers with events', () => {
  it('a session that expired while its poll waited gets 401 session_expired, never the events', async () => {
    const s = await startTestServer()
    try {
      const { client } = await guest(s)
      const cursor = await cursorOf(client)
      const base = s.deps.hub.heldPolls()
      const held = client.get(`/api/poll?cursor=${encodeURIComponent(cursor)}&timeout=30`)
      await pollsHeld(s, base + 1)
      // The session's 30 days pass while the poll waits; nothing wakes it for that.
      s.clock.advance(SESSION_TTL_MS + 60_000)
      // Then an event meant for it (room.created goes to every signed-in user).
      const other = await guest(s)
      expect((await other.client.post('/api/rooms', { name: 'seen by the expired?' })).status).toBe(201)
      const res = await held
      expectError(res, 401, 'session_expired')
      expect(res.text).not.toContain('seen by the expired?')
    } finally {
      await s.close()
    }
  })
})
