// Room messages: send, history, read/unread, clear, typing; who receives message.created. API.md §4, §10.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import type { TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'
import { cursorOf, eventsAfter } from './helpers/events.js'
import { join, makeRoom, roomWith, send, startRoomsServer } from './helpers/rooms.js'

let server: TestServer
beforeAll(async () => {
  // The send limit is off here; its own block below runs a server with a small one.
  server = await startRoomsServer({ SEND_RATE_LIMIT: '0' })
  await registerUser(server) // the site admin, so every guest below is a plain user
})
afterAll(() => server.close())

const texts = async (c: Client, roomId: number, query = '') =>
  (await c.get(`/api/rooms/${roomId}/messages?limit=200${query}`)).body.data.items.filter((m: any) => m.kind === 'user').map((m: any) => m.text)
const storedCount = async (roomId: number) =>
  Number((await server.deps.db.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).where('room_id', '=', roomId).executeTakeFirstOrThrow()).n)
const unreadOf = async (c: Client, roomId: number) => (await c.get('/api/chats?limit=200')).body.data.items.find((i: any) => i.room?.id === roomId)?.unread

describe('POST /api/rooms/:id/messages', () => {
  it('posts (201 {message}) and every member, on every session, receives message.created; a non-member does not', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const outsider = await guest(server)
    const room = await roomWith(a.client, b.client)
    // A second tab of b: the same cookie jar state in another client.
    const bTab2 = server.client()
    for (const [k, v] of b.client.cookies) bTab2.cookies.set(k, v)
    const [ca, cb, cb2, cx] = await Promise.all([a.client, b.client, bTab2, outsider.client].map(cursorOf))
    const res = await a.client.post(`/api/rooms/${room.id}/messages`, { text: '  hello room  ' })
    expect(res.status).toBe(201)
    const message = res.body.data.message
    expect(message).toEqual({
      id: expect.any(Number),
      room_id: room.id,
      recipient_id: null,
      author_id: a.user.id,
      text: 'hello room',
      attachment: null,
      reply_to_id: null,
      kind: 'user',
      service: null,
      created_at: expect.stringMatching(/Z$/),
      edited_at: null,
      reactions: [],
      mentions: [],
    })
    for (const [c, cur] of [[a.client, ca], [b.client, cb], [bTab2, cb2]] as const) {
      const events = await eventsAfter(c, cur!)
      expect(events.map((e) => [e.type, e.data])).toEqual([['message.created', { message }]])
    }
    expect(await eventsAfter(outsider.client, cx!)).toEqual([])
  })

  it('refuses non-members (403 not_member), banned users (403 banned) and unknown rooms (404), storing nothing', async () => {
    const a = await guest(server)
    const outsider = await guest(server)
    const banned = await guest(server)
    const room = await makeRoom(a.client)
    await server.deps.db.insertInto('room_bans').values({ room_id: room.id, user_id: banned.user.id, actor_id: a.user.id, reason: null, created_at: server.clock.now() }).execute()
    expectError(await outsider.client.post(`/api/rooms/${room.id}/messages`, { text: 'hi' }), 403, 'not_member')
    expectError(await banned.client.post(`/api/rooms/${room.id}/messages`, { text: 'hi' }), 403, 'banned')
    expectError(await a.client.post('/api/rooms/999999/messages', { text: 'hi' }), 404, 'not_found')
    expect(await storedCount(room.id)).toBe(0)
  })

  it('a silenced member gets 403 silenced with details.until until the time passes', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const room = await roomWith(a.client, b.client)
    const until = server.clock.now() + 60_000
    await server.deps.db
      .insertInto('room_silences')
      .values({ room_id: room.id, user_id: b.user.id, actor_id: a.user.id, until, reason: 'spam', created_at: server.clock.now() })
      .execute()
    const res = await b.client.post(`/api/rooms/${room.id}/messages`, { text: 'let me talk' })
    expectError(res, 403, 'silenced')
    expect(res.body.error.details).toEqual({ until: new Date(until).toISOString() })
    await server.deps.db.updateTable('room_silences').set({ until: server.clock.now() - 1 }).where('room_id', '=', room.id).execute()
    expect((await b.client.post(`/api/rooms/${room.id}/messages`, { text: 'free again' })).status).toBe(201)
  })

  it('refuses 4001 characters, whitespace only, no content, bad types and unknown fields with 400, storing nothing; 4000 is fine', async () => {
    const a = await guest(server)
    const room = await makeRoom(a.client)
    const bad = [
      { text: 'x'.repeat(4001) },
      { text: ' \n\t  ' },
      { text: '' },
      {},
      { text: 5 },
      { client_id: 'c'.repeat(65), text: 'hi' },
      { client_id: '', text: 'hi' },
      { text: 'hi', reply_to_id: 0 },
      { text: 'hi', attachment_id: -1 },
    ]
    for (const body of bad) expectError(await a.client.post(`/api/rooms/${room.id}/messages`, body), 400, 'invalid_request')
    expectError(await a.client.post(`/api/rooms/${room.id}/messages`, { text: 'hi', kind: 'service' }), 400, 'unknown_field')
    expectError(await a.client.post(`/api/rooms/${room.id}/messages`, { text: 'hi', author_id: 1 }), 400, 'unknown_field')
    expect(await storedCount(room.id)).toBe(0)
    // 4000 after trimming: the surrounding spaces do not count.
    expect((await send(a.client, room.id, `  ${'y'.repeat(4000)}  `)).text).toHaveLength(4000)
  })

  it('answers as requireUser, the room id and the body are checked, in that order: 401, then 400 param.id, then the body', async () => {
    const a = await guest(server)
    const room = await makeRoom(a.client)
    const url = `/api/rooms/${room.id}/messages`
    const cutShort = { raw: '{"text":', headers: { 'content-type': 'application/json' } }
    // Without a session, a good one or not: 401, whatever the room id and the body.
    expectError(await server.client().post(url, { text: 'hi' }), 401, 'not_signed_in')
    expectError(await server.client().request('POST', '/api/rooms/0/messages', undefined, cutShort), 401, 'not_signed_in')
    const forged = server.client()
    forged.cookies.set('parley_session', 'Fe26.2**forged')
    expectError(await forged.post(url, { text: 'hi' }), 401, 'not_signed_in')
    const out = await guest(server)
    const cookie = out.client.cookies.get('parley_session')!
    expect((await out.client.post('/api/auth/logout')).status).toBe(204)
    out.client.cookies.set('parley_session', cookie)
    expectError(await out.client.post(url, { text: 'hi' }), 401, 'session_revoked')
    // A room id that is no id: 400 naming it, before the body is read.
    for (const id of ['0', 'abc', '1.5']) {
      const res = await a.client.request('POST', `/api/rooms/${id}/messages`, undefined, cutShort)
      expectError(res, 400, 'invalid_request')
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['param.id'])
    }
    // A body cut short, or none: the body's 400.
    const cut = await a.client.request('POST', url, undefined, cutShort)
    expectError(cut, 400, 'invalid_request')
    expect(cut.body.error.details).toEqual([{ path: 'body', message: expect.any(String) }])
    const none = await a.client.request('POST', url, undefined, { ...cutShort, raw: '' })
    expectError(none, 400, 'invalid_request')
    expect(none.body.error.details.map((d: { path: string }) => d.path)).toEqual(['text'])
    expect(await storedCount(room.id)).toBe(0)
  })

  it('a repeat with the same client_id answers the first message (200) and posts nothing new', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const room = await roomWith(a.client, b.client)
    const cb = await cursorOf(b.client)
    const first = await a.client.post(`/api/rooms/${room.id}/messages`, { text: 'once', client_id: 'abc-1' })
    const again = await a.client.post(`/api/rooms/${room.id}/messages`, { text: 'once', client_id: 'abc-1' })
    expect(first.status).toBe(201)
    expect(again.status).toBe(200)
    expect(again.body.data.message).toEqual(first.body.data.message)
    expect(await texts(a.client, room.id)).toEqual(['once'])
    expect((await eventsAfter(b.client, cb, 'message.created')).length).toBe(1)
    // The same client_id from another user is theirs: it posts.
    expect((await b.client.post(`/api/rooms/${room.id}/messages`, { text: 'mine', client_id: 'abc-1' })).status).toBe(201)
  })

  it('a client_id already used in another chat is 409 conflict, and nothing is posted', async () => {
    const a = await guest(server)
    const room = await makeRoom(a.client)
    const other = await makeRoom(a.client)
    expect((await a.client.post(`/api/rooms/${room.id}/messages`, { text: 'here', client_id: 'k-1' })).status).toBe(201)
    expectError(await a.client.post(`/api/rooms/${other.id}/messages`, { text: 'there', client_id: 'k-1' }), 409, 'conflict')
    expect(await texts(a.client, other.id)).toEqual([])
  })

  it('reply_to_id must name a message of the same room: 400 invalid_reply otherwise', async () => {
    const a = await guest(server)
    const room = await makeRoom(a.client)
    const other = await makeRoom(a.client)
    const original = await send(a.client, room.id, 'question')
    const elsewhere = await send(a.client, other.id, 'elsewhere')
    const reply = await send(a.client, room.id, 'answer', { reply_to_id: original.id })
    expect(reply.reply_to_id).toBe(original.id)
    expectError(await a.client.post(`/api/rooms/${room.id}/messages`, { text: 'x', reply_to_id: elsewhere.id }), 400, 'invalid_reply')
    expectError(await a.client.post(`/api/rooms/${room.id}/messages`, { text: 'x', reply_to_id: 99999999 }), 400, 'invalid_reply')
    expect(await texts(a.client, room.id)).toEqual(['question', 'answer'])
  })

  it('attaches one of the sender’s own uploads; someone else’s upload is 400', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const room = await roomWith(a.client, b.client)
    const upload = (owner: number) =>
      server.deps.db
        .insertInto('uploads')
        .values({ owner_id: owner, stored_name: `${owner}-${Math.random().toString(36).slice(2)}.png`, content_type: 'image/png', size: 68, created_at: server.clock.now() })
        .returningAll()
        .executeTakeFirstOrThrow()
    const mine = await upload(a.user.id)
    const theirs = await upload(b.user.id)
    const res = await a.client.post(`/api/rooms/${room.id}/messages`, { attachment_id: mine.id })
    expect(res.status).toBe(201)
    expect(res.body.data.message).toMatchObject({ text: null, attachment: { id: mine.id, url: `/files/${mine.stored_name}`, content_type: 'image/png', size: 68 } })
    expectError(await a.client.post(`/api/rooms/${room.id}/messages`, { text: 'look', attachment_id: theirs.id }), 400, 'invalid_request')
  })
})

describe('SEND_RATE_LIMIT', () => {
  let limited: TestServer
  beforeAll(async () => {
    limited = await startRoomsServer({ SEND_RATE_LIMIT: '3' })
  })
  afterAll(() => limited.close())

  it('allows SEND_RATE_LIMIT messages per 10 s per user, then 429 with Retry-After, storing nothing', async () => {
    const a = await guest(limited)
    const b = await guest(limited)
    const room = await roomWith(a.client, b.client)
    for (let i = 0; i < 3; i++) await send(a.client, room.id, `m${i}`)
    const res = await a.client.post(`/api/rooms/${room.id}/messages`, { text: 'one too many' })
    expectError(res, 429, 'rate_limited')
    const retry = Number(res.headers.get('retry-after'))
    expect(retry).toBeGreaterThanOrEqual(1)
    expect(retry).toBeLessThanOrEqual(10)
    // Another user has their own budget; a retry of a posted client_id costs nothing.
    await send(b.client, room.id, 'b is fine')
    limited.clock.advance(10_001)
    await send(a.client, room.id, 'after the window')
    const texts = (await a.client.get(`/api/rooms/${room.id}/messages`)).body.data.items.filter((m: any) => m.kind === 'user').map((m: any) => m.text)
    expect(texts).toEqual(['m0', 'm1', 'm2', 'b is fine', 'after the window'])
  })

  it('0 turns the limit off', async () => {
    const a = await guest(server)
    const room = await makeRoom(a.client)
    for (let i = 0; i < 25; i++) await send(a.client, room.id, `n${i}`)
    expect((await texts(a.client, room.id)).length).toBe(25)
  })
})

describe('GET /api/rooms/:id/messages', () => {
  let a: { client: Client; user: { id: number } }
  let roomId: number
  let ids: number[]
  beforeAll(async () => {
    a = await guest(server)
    roomId = (await makeRoom(a.client)).id
    ids = []
    for (let i = 1; i <= 7; i++) ids.push((await send(a.client, roomId, `m${i}`)).id)
  })
  const page = async (query: string) => {
    const res = await a.client.get(`/api/rooms/${roomId}/messages?${query}`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return { texts: res.body.data.items.map((m: any) => m.text), has_more: res.body.data.has_more }
  }

  it('without a cursor gives the newest page in ascending order, has_more when older ones exist', async () => {
    expect(await page('limit=3')).toEqual({ texts: ['m5', 'm6', 'm7'], has_more: true })
    expect(await page('')).toEqual({ texts: ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'], has_more: false })
    expect(await page('limit=7')).toEqual({ texts: ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'], has_more: false })
  })

  it('with before gives the newest limit older than it; with after the oldest limit newer than it', async () => {
    expect(await page(`before=${ids[4]}&limit=2`)).toEqual({ texts: ['m3', 'm4'], has_more: true })
    expect(await page(`before=${ids[2]}&limit=2`)).toEqual({ texts: ['m1', 'm2'], has_more: false })
    expect(await page(`after=${ids[1]}&limit=2`)).toEqual({ texts: ['m3', 'm4'], has_more: true })
    expect(await page(`after=${ids[4]}&limit=2`)).toEqual({ texts: ['m6', 'm7'], has_more: false })
    expect(await page(`after=${ids[6]}`)).toEqual({ texts: [], has_more: false })
  })

  it('answers 400 for bad limits and cursors, and for before with after', async () => {
    for (const q of ['limit=0', 'limit=201', 'limit=-5', 'limit=abc', 'limit=1e9', 'before=0', 'after=-1', 'before=x', `before=${ids[3]}&after=${ids[1]}`]) {
      expectError(await a.client.get(`/api/rooms/${roomId}/messages?${q}`), 400, 'invalid_request')
    }
  })

  it('is for members only (403 not_member) and 404 for unknown rooms', async () => {
    const outsider = await guest(server)
    expectError(await outsider.client.get(`/api/rooms/${roomId}/messages`), 403, 'not_member')
    expectError(await outsider.client.get('/api/rooms/999999/messages'), 404, 'not_found')
  })

  it('does not show deleted messages', async () => {
    const b = await guest(server)
    const room = await makeRoom(b.client)
    const keep = await send(b.client, room.id, 'keep')
    const gone = await send(b.client, room.id, 'gone')
    await server.deps.db.updateTable('messages').set({ deleted_at: server.clock.now() }).where('id', '=', gone.id).execute()
    expect(await texts(b.client, room.id)).toEqual([keep.text])
  })
})

describe('POST /api/rooms/:id/read and unread counts', () => {
  it('counts only user messages by others; read without up_to clears it, with up_to leaves what follows', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const room = await roomWith(a.client, b.client)
    const m1 = await send(b.client, room.id, 'one')
    await send(a.client, room.id, 'my own')
    await send(b.client, room.id, 'two')
    await join(await guest(server).then((g) => g.client), room.id) // a service message
    await send(b.client, room.id, 'three')
    expect(await unreadOf(a.client, room.id)).toBe(3)
    expect(await unreadOf(b.client, room.id)).toBe(1)
    expect((await a.client.post(`/api/rooms/${room.id}/read`, { up_to: m1.id })).status).toBe(204)
    expect(await unreadOf(a.client, room.id)).toBe(2)
    expect((await a.client.post(`/api/rooms/${room.id}/read`)).status).toBe(204)
    expect(await unreadOf(a.client, room.id)).toBe(0)
    // Moving the mark back makes messages unread again.
    await a.client.post(`/api/rooms/${room.id}/read`, { up_to: m1.id })
    expect(await unreadOf(a.client, room.id)).toBe(2)
  })

  it('tells the reader’s sessions message.read {reader_id, room_id, up_to}', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const room = await roomWith(a.client, b.client)
    const m = await send(b.client, room.id, 'read me')
    const ca = await cursorOf(a.client)
    const cb = await cursorOf(b.client)
    await a.client.post(`/api/rooms/${room.id}/read`)
    expect((await eventsAfter(a.client, ca)).map((e) => [e.type, e.data])).toEqual([['message.read', { reader_id: a.user.id, room_id: room.id, up_to: m.id }]])
    expect(await eventsAfter(b.client, cb)).toEqual([])
  })

  it('refuses an up_to that is not a message of this room, bad values, non-members and unknown rooms', async () => {
    const a = await guest(server)
    const outsider = await guest(server)
    const room = await makeRoom(a.client)
    const other = await makeRoom(a.client)
    const elsewhere = await send(a.client, other.id, 'elsewhere')
    expectError(await a.client.post(`/api/rooms/${room.id}/read`, { up_to: elsewhere.id }), 400, 'invalid_request')
    for (const up_to of [0, -1, 'x', 1.5]) expectError(await a.client.post(`/api/rooms/${room.id}/read`, { up_to }), 400, 'invalid_request')
    expectError(await a.client.post(`/api/rooms/${room.id}/read`, { upto: 1 }), 400, 'unknown_field')
    expectError(await outsider.client.post(`/api/rooms/${room.id}/read`), 403, 'not_member')
    expectError(await outsider.client.post('/api/rooms/999999/read'), 404, 'not_found')
  })
})

describe('POST /api/rooms/:id/clear', () => {
  it('hides the current history for the caller only and tells the caller’s sessions chat.cleared', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const room = await roomWith(a.client, b.client)
    await send(b.client, room.id, 'old 1')
    const last = await send(b.client, room.id, 'old 2')
    const ca = await cursorOf(a.client)
    const cb = await cursorOf(b.client)
    expect((await a.client.post(`/api/rooms/${room.id}/clear`)).status).toBe(204)
    expect((await a.client.get(`/api/rooms/${room.id}/messages`)).body.data).toEqual({ items: [], has_more: false })
    expect(await texts(b.client, room.id)).toEqual(['old 1', 'old 2'])
    expect((await eventsAfter(a.client, ca)).map((e) => [e.type, e.data])).toEqual([['chat.cleared', { room_id: room.id, up_to: last.id }]])
    expect(await eventsAfter(b.client, cb)).toEqual([])
    expect(await unreadOf(a.client, room.id)).toBe(0)
    await send(b.client, room.id, 'new')
    expect(await texts(a.client, room.id)).toEqual(['new'])
    expect(await unreadOf(a.client, room.id)).toBe(1)
  })

  it('is for members only (403 not_member) and 404 for unknown rooms', async () => {
    const a = await guest(server)
    const outsider = await guest(server)
    const room = await makeRoom(a.client)
    expectError(await outsider.client.post(`/api/rooms/${room.id}/clear`), 403, 'not_member')
    expectError(await outsider.client.post('/api/rooms/999999/clear'), 404, 'not_found')
  })
})

describe('POST /api/rooms/:id/typing', () => {
  it('the other members get typing, at most once per user per 3 s; the typist does not', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const outsider = await guest(server)
    const room = await roomWith(a.client, b.client)
    const ca = await cursorOf(a.client)
    const cb = await cursorOf(b.client)
    const cx = await cursorOf(outsider.client)
    expect((await a.client.post(`/api/rooms/${room.id}/typing`)).status).toBe(204)
    expect((await a.client.post(`/api/rooms/${room.id}/typing`)).status).toBe(204)
    const typing = { user_id: a.user.id, room_id: room.id }
    expect((await eventsAfter(b.client, cb)).map((e) => [e.type, e.data])).toEqual([['typing', typing]])
    expect(await eventsAfter(a.client, ca)).toEqual([])
    expect(await eventsAfter(outsider.client, cx)).toEqual([])
    server.clock.advance(3_000)
    const cb2 = await cursorOf(b.client)
    await a.client.post(`/api/rooms/${room.id}/typing`)
    expect((await eventsAfter(b.client, cb2)).map((e) => e.type)).toEqual(['typing'])
  })

  it('is for members only (403 not_member) and 404 for unknown rooms', async () => {
    const a = await guest(server)
    const outsider = await guest(server)
    const room = await makeRoom(a.client)
    expectError(await outsider.client.post(`/api/rooms/${room.id}/typing`), 403, 'not_member')
    expectError(await outsider.client.post('/api/rooms/999999/typing'), 404, 'not_found')
  })
})
