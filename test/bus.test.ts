// The event bus is how a process learns what other processes did: what arrives on it (and only
// after a commit) reaches this process's polls, sessions and caches as if this process had done it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BusMessage } from '../src/events/bus.js'
import { committedEvent, SortedAudience } from '../src/events/tail.js'
import { positionOf } from '../src/store/sqlite.js'
import { cursorOf, pollOnce } from './helpers/events.js'
import { onPostgres } from './helpers/postgres.js'
import { makeRoom, send } from './helpers/rooms.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest } from './helpers/users.js'

let server: TestServer
let seen: BusMessage[] = []
beforeAll(async () => {
  server = await startTestServer()
  server.deps.bus.subscribe((m) => void seen.push(m))
})
afterAll(() => server.close())

describe('the event bus feeds this process', () => {
  it('a committed event from another process reaches a held poll and later polls, from memory', async () => {
    const { client, user } = await guest(server)
    const cursor = await cursorOf(client)
    const held = pollOnce(client, cursor, { timeout: 5 })
    await new Promise((r) => setTimeout(r, 100))
    // What another process, sharing the database, would announce after its commit. On Postgres
    // the announcement is only a doorbell and the log is the truth (events/horizon.ts): there the
    // other process's event is in the shared log before it rings.
    const data = JSON.stringify({ balance: 4242 })
    const { store } = server.deps
    const position = onPostgres
      ? await store.transaction((trx) => store.appendEvent(trx, 'balance.changed', data, new SortedAudience([user.id]), Date.now()))
      : positionOf(10 ** 6)
    const event = committedEvent(position, 'balance.changed', Date.now(), data, Int32Array.of(user.id))
    await server.deps.bus.publish({ kind: 'committed', events: [event] })
    const { events, cursor: next } = await held
    expect(events.map((e) => e.data.balance)).toEqual([4242])
    expect(next.startsWith(position)).toBe(true)
    expect((await pollOnce(client, cursor)).events.map((e) => e.data.balance)).toEqual([4242])
  })

  it('ephemeral events and revocations from another process reach this one’s polls', async () => {
    const { client, user } = await guest(server)
    const cursor = await cursorOf(client)
    await server.deps.bus.publish({ kind: 'ephemeral', type: 'typing', data: { user_id: 999, recipient_id: user.id }, at: Date.now(), users: [user.id] })
    const typed = await pollOnce(client, cursor)
    expect(typed.events.map((e) => e.type)).toEqual(['typing'])
    const held = client.get(`/api/poll?cursor=${typed.cursor}&timeout=30`)
    await new Promise((r) => setTimeout(r, 100))
    // Another process revoked the session (its row is what the woken poll re-checks).
    const sid = (await server.deps.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).executeTakeFirstOrThrow()).id
    await server.deps.db.updateTable('sessions').set({ revoked_at: Date.now() }).where('id', '=', sid).execute()
    await server.deps.bus.publish({ kind: 'revoked', userId: user.id, sessionIds: [sid] })
    expectError(await held, 401, 'session_revoked')
  })

  it('a cache invalidation from another process drops this one’s copy of the room', async () => {
    const a = await guest(server)
    const room = await makeRoom(a.client)
    await send(a.client, room.id, 'seen by all')
    const page = () => a.client.get(`/api/rooms/${room.id}/messages`)
    expect((await page()).body.data.items.at(-1).text).toBe('seen by all')
    // Another process changed the message and said so.
    await server.deps.db.updateTable('messages').set({ text: 'edited elsewhere' }).where('room_id', '=', room.id).where('kind', '=', 'user').execute()
    expect((await page()).body.data.items.at(-1).text).toBe('seen by all')
    await server.deps.bus.publish({ kind: 'invalidated', cache: 'history', roomId: room.id })
    expect((await page()).body.data.items.at(-1).text).toBe('edited elsewhere')
  })
})

describe('what this process tells the others', () => {
  it('announces a send, its cache invalidation, a join and a logout only once they committed', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const room = await makeRoom(a.client)
    seen = []
    expect((await b.client.post(`/api/rooms/${room.id}/join`)).status).toBe(200)
    const message = await send(a.client, room.id, 'hello')
    expect((await b.client.post('/api/auth/logout')).status).toBe(204)
    // (Presence, ephemeral, comes and goes with polls: left out.)
    seen = seen.filter((m) => m.kind !== 'ephemeral')
    const kinds = seen.map((m) => (m.kind === 'invalidated' ? `${m.cache} ${m.roomId}` : m.kind === 'committed' ? `event ${m.events[0]!.type}` : m.kind))
    expect(kinds).toEqual([`members ${room.id}`, `history ${room.id}`, 'event message.created', `history ${room.id}`, 'event message.created', 'revoked'])
    const sent = seen[4] as Extract<BusMessage, { kind: 'committed' }>
    expect(JSON.parse(sent.events[0]!.json).data.message.id).toBe(message.id)
    expect([...sent.events[0]!.users!]).toEqual([a.user.id, b.user.id].sort((x, y) => x - y))
    // A transaction that rolls back announces nothing.
    seen = []
    await expect(
      server.deps.store.transaction(async (trx) => {
        await server.deps.events.publish(trx, 'user.updated', { user: { id: a.user.id } }, [a.user.id])
        server.deps.caches.invalidate(trx, 'members', room.id)
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(seen).toEqual([])
  })
})
