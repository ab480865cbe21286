// GET /api/chats, the room half: every joined room with its last message and unread count. API.md §6.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import type { TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'
import { join, makeRoom, send, startRoomsServer } from './helpers/rooms.js'

let server: TestServer
beforeAll(async () => {
  server = await startRoomsServer({ SEND_RATE_LIMIT: '0' })
  await registerUser(server)
})
afterAll(() => server.close())

const chats = async (c: Client, query = '') => {
  const res = await c.get(`/api/chats${query}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data as { items: any[]; has_more: boolean }
}

describe('GET /api/chats', () => {
  it('lists every joined room with last_message and unread, most recent activity first', async () => {
    const me = await guest(server)
    const other = await guest(server)
    const quiet = await makeRoom(me.client, { name: 'quiet' })
    server.clock.advance(5)
    const busy = await makeRoom(other.client, { name: 'busy' })
    await join(me.client, busy.id)
    const notMine = await makeRoom(other.client, { name: 'not mine' })
    server.clock.advance(5)
    await send(other.client, busy.id, 'first')
    server.clock.advance(5)
    const last = await send(other.client, busy.id, 'second')
    await send(other.client, notMine.id, 'elsewhere')

    const { items, has_more } = await chats(me.client)
    expect(has_more).toBe(false)
    expect(items.map((i) => [i.kind, i.room.id])).toEqual([
      ['room', busy.id],
      ['room', quiet.id],
    ])
    expect(items[0]).toEqual({
      kind: 'room',
      room: expect.objectContaining({ id: busy.id, name: 'busy', joined: true, member_count: 2, is_private: false }),
      last_message: last,
      unread: 2,
      mention_count: 0,
    })
    expect(items[1]).toMatchObject({ kind: 'room', room: { id: quiet.id, joined: true }, last_message: null, unread: 0 })
    expect(items[0].room).not.toHaveProperty('members')

    // A message in the quiet room brings it to the top.
    server.clock.advance(5)
    const mine = await send(me.client, quiet.id, 'hello?')
    const after = await chats(me.client)
    expect(after.items.map((i) => i.room.id)).toEqual([quiet.id, busy.id])
    expect(after.items[0]).toMatchObject({ last_message: { id: mine.id }, unread: 0 })
  })

  it('a service message counts as the last message but never as unread', async () => {
    const me = await guest(server)
    const room = await makeRoom(me.client)
    const newcomer = await guest(server)
    await join(newcomer.client, room.id)
    const [item] = (await chats(me.client)).items
    expect(item.last_message).toMatchObject({ kind: 'service', service: { type: 'joined', user_id: newcomer.user.id } })
    expect(item.unread).toBe(0)
  })

  it('pages with limit/offset and has_more', async () => {
    const me = await guest(server)
    const rooms = []
    for (let i = 0; i < 3; i++) {
      server.clock.advance(5)
      rooms.push(await makeRoom(me.client, { name: `r${i}` }))
    }
    const first = await chats(me.client, '?limit=2')
    expect(first.items.map((i) => i.room.id)).toEqual([rooms[2]!.id, rooms[1]!.id])
    expect(first.has_more).toBe(true)
    const rest = await chats(me.client, '?limit=2&offset=2')
    expect(rest).toEqual({ items: [expect.objectContaining({ room: expect.objectContaining({ id: rooms[0]!.id }) })], has_more: false })
    expect(await chats(me.client, '?offset=10')).toEqual({ items: [], has_more: false })
  })

  it('drops a room once left; a cleared room shows no last message until a new one', async () => {
    const me = await guest(server)
    const other = await guest(server)
    const left = await makeRoom(other.client)
    const cleared = await makeRoom(other.client)
    await join(me.client, left.id)
    await join(me.client, cleared.id)
    await send(other.client, cleared.id, 'old')
    await me.client.post(`/api/rooms/${left.id}/leave`)
    await me.client.post(`/api/rooms/${cleared.id}/clear`)
    const { items } = await chats(me.client)
    expect(items.map((i) => i.room.id)).toEqual([cleared.id])
    expect(items[0]).toMatchObject({ last_message: null, unread: 0 })
    const fresh = await send(other.client, cleared.id, 'new')
    expect((await chats(me.client)).items[0]).toMatchObject({ last_message: { id: fresh.id }, unread: 1 })
  })

  it('clearing a room keeps its place in the list', async () => {
    const me = await guest(server)
    const older = await makeRoom(me.client)
    const newer = await makeRoom(me.client)
    server.clock.advance(5)
    await send(me.client, older.id, 'older news')
    server.clock.advance(5)
    await send(me.client, newer.id, 'newer news')
    await me.client.post(`/api/rooms/${newer.id}/clear`)
    expect((await chats(me.client)).items.map((i) => [i.room.id, i.last_message?.text ?? null])).toEqual([
      [newer.id, null],
      [older.id, 'older news'],
    ])
  })

  it('skips deleted messages for last_message and unread', async () => {
    const me = await guest(server)
    const other = await guest(server)
    const room = await makeRoom(other.client)
    await join(me.client, room.id)
    const kept = await send(other.client, room.id, 'kept')
    const gone = await send(other.client, room.id, 'gone')
    await server.deps.db.updateTable('messages').set({ deleted_at: server.clock.now() }).where('id', '=', gone.id).execute()
    expect((await chats(me.client)).items[0]).toMatchObject({ last_message: { id: kept.id }, unread: 1 })
  })

  it('answers 400 for bad paging and 401 without a session', async () => {
    const me = await guest(server)
    for (const q of ['limit=0', 'limit=201', 'limit=-1', 'offset=-1', 'limit=abc']) expectError(await me.client.get(`/api/chats?${q}`), 400, 'invalid_request')
    expectError(await server.client().get('/api/chats'), 401, 'not_signed_in')
  })
})
