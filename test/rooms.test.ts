// Rooms: create, list, detail by role, patch, delete. API.md §4, events per §10.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import type { TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'
import { cursorOf, eventsAfter } from './helpers/events.js'
import { join, makeRoom, roomWith, send, startRoomsServer } from './helpers/rooms.js'

let server: TestServer
let admin: { client: Client; user: { id: number } }
beforeAll(async () => {
  server = await startRoomsServer()
  // The first account is the site admin; every other user in this file is a plain user.
  admin = await registerUser(server)
})
afterAll(() => server.close())

const tag = () => `t${Math.random().toString(36).slice(2, 10)}`

describe('POST /api/rooms', () => {
  it('creates a room (201) whose creator is admin and first member', async () => {
    const { client, user } = await guest(server)
    const res = await client.post('/api/rooms', { name: '  Lobby  ', topic: 'General talk' })
    expect(res.status).toBe(201)
    const room = res.body.data.room
    expect(room).toMatchObject({
      name: 'Lobby',
      topic: 'General talk',
      is_private: false,
      max_users: 255,
      admin_id: user.id,
      member_count: 1,
      joined: true,
      members: [user.id],
      moderators: [],
      silenced: {},
      banned: [],
    })
    expect(room.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(room.last_activity_at).toBe(room.created_at)
    const members = await client.get(`/api/rooms/${room.id}/members`)
    expect(members.body.data.items).toEqual([{ user: expect.objectContaining({ id: user.id }), role: 'admin' }])
  })

  it('accepts max_users 2 and 10000 and refuses 1, 10001, fractions and strings', async () => {
    const { client } = await guest(server)
    expect((await makeRoom(client, { max_users: 2 })).max_users).toBe(2)
    expect((await makeRoom(client, { max_users: 10000 })).max_users).toBe(10000)
    for (const max_users of [1, 10001, -5, 2.5, '10', null]) {
      expectError(await client.post('/api/rooms', { name: 'x', max_users }), 400, 'invalid_request')
    }
  })

  it('refuses a blank or over-long name, an empty password and unknown fields, storing nothing', async () => {
    const { client } = await guest(server)
    const name = tag()
    expectError(await client.post('/api/rooms', { name: '   ' }), 400, 'invalid_request')
    expectError(await client.post('/api/rooms', {}), 400, 'invalid_request')
    expectError(await client.post('/api/rooms', { name: 'x'.repeat(101) }), 400, 'invalid_request')
    expectError(await client.post('/api/rooms', { name, password: '' }), 400, 'invalid_request')
    expectError(await client.post('/api/rooms', { name, topic: 'x'.repeat(501) }), 400, 'invalid_request')
    const unknown = await client.post('/api/rooms', { name, admin_id: 1 })
    expectError(unknown, 400, 'unknown_field')
    expect(unknown.body.error.details).toEqual([{ path: 'admin_id', message: expect.any(String) }])
    expect((await client.get(`/api/rooms?q=${name}&count_only=true`)).body.data).toEqual({ total: 0 })
  })

  it('a password makes the room private and is stored only as a scrypt hash', async () => {
    const { client } = await guest(server)
    const room = await makeRoom(client, { password: 'open sesame' })
    expect(room.is_private).toBe(true)
    expect(JSON.stringify(room)).not.toContain('sesame')
    const row = await server.deps.db.selectFrom('rooms').select('password_hash').where('id', '=', room.id).executeTakeFirstOrThrow()
    expect(row.password_hash).toMatch(/^scrypt\$/)
    expect(row.password_hash).not.toContain('sesame')
  })

  it('every signed-in user receives room.created, without any password material', async () => {
    const creator = await guest(server)
    const bystander = await guest(server)
    const cursor = await cursorOf(bystander.client)
    const room = await makeRoom(creator.client, { password: 'hunter22' })
    const events = await eventsAfter(bystander.client, cursor, 'room.created')
    const mine = events.filter((e) => e.data.room.id === room.id)
    expect(mine).toHaveLength(1)
    expect(mine[0]!.data.room).toMatchObject({ id: room.id, name: room.name, is_private: true, member_count: 1, admin_id: creator.user.id })
    expect(mine[0]!.data.room).not.toHaveProperty('password_hash')
    expect(JSON.stringify(mine[0])).not.toContain('hunter22')
  })

  it('needs a session: 401 without one', async () => {
    expectError(await server.client().post('/api/rooms', { name: 'x' }), 401, 'not_signed_in')
    expectError(await server.client().get('/api/rooms'), 401, 'not_signed_in')
  })
})

describe('ROOM_CREATION=admins', () => {
  let only: TestServer
  beforeAll(async () => {
    only = await startRoomsServer({ ROOM_CREATION: 'admins' })
  })
  afterAll(() => only.close())

  it('lets only site admins create rooms: others get 403 admins_only', async () => {
    const siteAdmin = await registerUser(only)
    const { client } = await guest(only)
    expectError(await client.post('/api/rooms', { name: 'mine' }), 403, 'admins_only')
    expect((await only.deps.db.selectFrom('rooms').selectAll().execute()).length).toBe(0)
    const res = await siteAdmin.client.post('/api/rooms', { name: 'official' })
    expect(res.status).toBe(201)
    // Everyone may still join the rooms the admins made.
    expect((await client.post(`/api/rooms/${res.body.data.room.id}/join`)).status).toBe(200)
  })
})

describe('GET /api/rooms', () => {
  it('finds rooms by a case-insensitive substring of the name, beyond ASCII too', async () => {
    const { client } = await guest(server)
    const t = tag()
    const a = await makeRoom(client, { name: `Общий Чат ${t}` })
    const b = await makeRoom(client, { name: `Cats ${t.toUpperCase()}` })
    await makeRoom(client, { name: `dogs ${tag()}` })
    const res = await client.get(`/api/rooms?q=${encodeURIComponent('общий чат')}&per_page=100`)
    expect(res.body.data.rooms.map((r: { id: number }) => r.id)).toContain(a.id)
    const byTag = await client.get(`/api/rooms?q=${t}`)
    expect(byTag.body.data.rooms.map((r: { id: number }) => r.id).sort()).toEqual([a.id, b.id].sort())
    expect(byTag.body.data.total).toBe(2)
  })

  it('takes % and _ in q literally', async () => {
    const { client } = await guest(server)
    const t = tag()
    const pct = await makeRoom(client, { name: `100% ${t}` })
    await makeRoom(client, { name: `1000 ${t}` })
    const res = await client.get(`/api/rooms?q=${encodeURIComponent(`0% ${t}`)}`)
    expect(res.body.data.rooms.map((r: { id: number }) => r.id)).toEqual([pct.id])
    expect((await client.get(`/api/rooms?q=${encodeURIComponent(`_ ${t}`)}`)).body.data.total).toBe(0)
  })

  it('pages with page/per_page and reports the total; count_only answers {total} alone', async () => {
    const { client } = await guest(server)
    const t = tag()
    const made = []
    for (let i = 0; i < 5; i++) made.push(await makeRoom(client, { name: `${t} ${i}` }))
    const p1 = await client.get(`/api/rooms?q=${t}&per_page=2&page=1&sort=created_at`)
    const p3 = await client.get(`/api/rooms?q=${t}&per_page=2&page=3&sort=created_at`)
    const p4 = await client.get(`/api/rooms?q=${t}&per_page=2&page=4&sort=created_at`)
    expect(p1.body.data.rooms.map((r: { id: number }) => r.id)).toEqual([made[0]!.id, made[1]!.id])
    expect(p3.body.data.rooms.map((r: { id: number }) => r.id)).toEqual([made[4]!.id])
    expect(p4.body.data).toEqual({ rooms: [], total: 5 })
    expect(p1.body.data.total).toBe(5)
    expect((await client.get(`/api/rooms?q=${t}&count_only=true`)).body.data).toEqual({ total: 5 })
  })

  it('sorts by created_at, name, members and activity, each both ways, -activity by default', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const t = tag()
    const r1 = await makeRoom(a.client, { name: `${t} b` })
    const r2 = await makeRoom(a.client, { name: `${t} C` })
    const r3 = await makeRoom(a.client, { name: `${t} a` })
    await join(b.client, r2.id)
    server.clock.advance(5)
    await send(a.client, r1.id, 'wakes r1 up')
    const ids = async (sort?: string) =>
      (await a.client.get(`/api/rooms?q=${t}${sort ? `&sort=${sort}` : ''}`)).body.data.rooms.map((r: { id: number }) => r.id)
    expect(await ids('created_at')).toEqual([r1.id, r2.id, r3.id])
    expect(await ids('-created_at')).toEqual([r3.id, r2.id, r1.id])
    expect(await ids('name')).toEqual([r3.id, r1.id, r2.id])
    expect(await ids('-name')).toEqual([r2.id, r1.id, r3.id])
    expect((await ids('members'))[2]).toBe(r2.id)
    expect((await ids('-members'))[0]).toBe(r2.id)
    expect(await ids('-activity')).toEqual([r1.id, r3.id, r2.id])
    expect(await ids()).toEqual([r1.id, r3.id, r2.id])
    expect(await ids('activity')).toEqual([r2.id, r3.id, r1.id])
  })

  it('filters private and full rooms, and marks the rooms the caller joined', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const t = tag()
    const open = await makeRoom(a.client, { name: `${t} open` })
    const locked = await makeRoom(a.client, { name: `${t} locked`, password: 'pw' })
    const full = await makeRoom(a.client, { name: `${t} full`, max_users: 2 })
    await join(b.client, full.id)
    const ids = async (query: string) => (await b.client.get(`/api/rooms?q=${t}&sort=created_at&${query}`)).body.data.rooms.map((r: { id: number }) => r.id)
    expect(await ids('private=true')).toEqual([locked.id])
    expect(await ids('private=false')).toEqual([open.id, full.id])
    expect(await ids('full=true')).toEqual([full.id])
    expect(await ids('full=false')).toEqual([open.id, locked.id])
    expect(await ids('full=false&private=false')).toEqual([open.id])
    const listed = (await b.client.get(`/api/rooms?q=${t}&sort=created_at`)).body.data.rooms
    expect(listed.map((r: { joined: boolean }) => r.joined)).toEqual([false, false, true])
    expect(listed[1]).not.toHaveProperty('members')
  })

  it('answers 400 for out-of-range or malformed paging, sort and filters', async () => {
    const { client } = await guest(server)
    for (const q of ['per_page=0', 'per_page=101', 'per_page=-1', 'page=0', 'page=-2', 'page=abc', 'page=1.5', 'sort=size', 'private=maybe', 'full=2', 'count_only=yes', `q=${'x'.repeat(101)}`]) {
      expectError(await client.get(`/api/rooms?${q}`), 400, 'invalid_request')
    }
    expect((await client.get('/api/rooms?per_page=100&page=1000000')).body.data.rooms).toEqual([])
  })
})

describe('GET /api/rooms/:id', () => {
  it('shows outsiders the public fields only, members also members/moderators/silenced, moderators and the admin also banned', async () => {
    const owner = await guest(server)
    const mod = await guest(server)
    const member = await guest(server)
    const outsider = await guest(server)
    const banned = await guest(server)
    const room = await roomWith(owner.client, mod.client, member.client)
    const db = server.deps.db
    const now = server.clock.now()
    await db.updateTable('room_members').set({ role: 'moderator', moderator_since: now }).where('room_id', '=', room.id).where('user_id', '=', mod.user.id).execute()
    await db.insertInto('room_bans').values({ room_id: room.id, user_id: banned.user.id, actor_id: owner.user.id, reason: null, created_at: now }).execute()
    const until = now + 3600_000
    await db.insertInto('room_silences').values({ room_id: room.id, user_id: member.user.id, actor_id: owner.user.id, until, reason: null, created_at: now }).execute()
    // An expired silence is not listed.
    await db.insertInto('room_silences').values({ room_id: room.id, user_id: mod.user.id, actor_id: owner.user.id, until: now - 1, reason: null, created_at: now - 10 }).execute()

    const seen = async (c: Client) => (await c.get(`/api/rooms/${room.id}`)).body.data.room
    const base = { id: room.id, name: room.name, topic: null, is_private: false, max_users: 255, admin_id: owner.user.id, member_count: 3 }
    const out = await seen(outsider.client)
    expect(out).toMatchObject({ ...base, joined: false })
    expect(Object.keys(out).sort()).toEqual(['admin_id', 'created_at', 'id', 'is_private', 'joined', 'last_activity_at', 'max_users', 'member_count', 'name', 'topic'])
    const asMember = await seen(member.client)
    expect(asMember).toMatchObject({
      ...base,
      joined: true,
      members: [owner.user.id, mod.user.id, member.user.id],
      moderators: [mod.user.id],
      silenced: { [String(member.user.id)]: new Date(until).toISOString() },
    })
    expect(asMember).not.toHaveProperty('banned')
    expect((await seen(mod.client)).banned).toEqual([banned.user.id])
    expect((await seen(owner.client)).banned).toEqual([banned.user.id])
  })

  it('answers 404 for a room that does not exist and 400 for an id that is not one', async () => {
    const { client } = await guest(server)
    expectError(await client.get('/api/rooms/999999'), 404, 'not_found')
    for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) expectError(await client.get(`/api/rooms/${id}`), 400, 'invalid_request')
  })

  it('last_activity_at follows user messages, not service messages', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const room = await makeRoom(a.client)
    server.clock.advance(10)
    await join(b.client, room.id)
    expect((await a.client.get(`/api/rooms/${room.id}`)).body.data.room.last_activity_at).toBe(room.created_at)
    server.clock.advance(10)
    const msg = await send(b.client, room.id, 'hello')
    expect((await a.client.get(`/api/rooms/${room.id}`)).body.data.room.last_activity_at).toBe(msg.created_at)
  })
})

describe('PATCH /api/rooms/:id', () => {
  it('lets the admin rename, retopic, lock and unlock the room (200), and tells everyone room.updated', async () => {
    const owner = await guest(server)
    const bystander = await guest(server)
    const room = await makeRoom(owner.client, { topic: 'old' })
    const cursor = await cursorOf(bystander.client)
    const res = await owner.client.patch(`/api/rooms/${room.id}`, { name: 'Renamed', topic: null, password: 'secret', max_users: 50 })
    expect(res.status).toBe(200)
    expect(res.body.data.room).toMatchObject({ id: room.id, name: 'Renamed', topic: null, is_private: true, max_users: 50, joined: true })
    const events = (await eventsAfter(bystander.client, cursor, 'room.updated')).filter((e) => e.data.room.id === room.id)
    expect(events).toHaveLength(1)
    expect(events[0]!.data.room).toMatchObject({ name: 'Renamed', is_private: true })
    const cleared = await owner.client.patch(`/api/rooms/${room.id}`, { password: null })
    expect(cleared.body.data.room.is_private).toBe(false)
    const row = await server.deps.db.selectFrom('rooms').select('password_hash').where('id', '=', room.id).executeTakeFirstOrThrow()
    expect(row.password_hash).toBeNull()
  })

  it('a new password takes effect for joins; clearing it opens the room', async () => {
    const owner = await guest(server)
    const joiner = await guest(server)
    const room = await makeRoom(owner.client)
    await owner.client.patch(`/api/rooms/${room.id}`, { password: 'first' })
    expectError(await joiner.client.post(`/api/rooms/${room.id}/join`, { password: 'other' }), 401, 'wrong_password')
    await owner.client.patch(`/api/rooms/${room.id}`, { password: null })
    expect((await joiner.client.post(`/api/rooms/${room.id}/join`)).status).toBe(200)
  })

  it('refuses members and outsiders (403 forbidden) and a room that does not exist (404)', async () => {
    const owner = await guest(server)
    const member = await guest(server)
    const outsider = await guest(server)
    const room = await roomWith(owner.client, member.client)
    expectError(await member.client.patch(`/api/rooms/${room.id}`, { name: 'mine now' }), 403, 'forbidden')
    expectError(await outsider.client.patch(`/api/rooms/${room.id}`, { name: 'mine now' }), 403, 'forbidden')
    expectError(await owner.client.patch('/api/rooms/999999', { name: 'x' }), 404, 'not_found')
    expect((await owner.client.get(`/api/rooms/${room.id}`)).body.data.room.name).toBe(room.name)
  })

  it('lets a site admin change any room', async () => {
    const owner = await guest(server)
    const room = await makeRoom(owner.client)
    const res = await admin.client.patch(`/api/rooms/${room.id}`, { topic: 'moderated' })
    expect(res.status).toBe(200)
    expect(res.body.data.room.topic).toBe('moderated')
  })

  it('refuses bad values and unknown fields with 400, changing nothing', async () => {
    const owner = await guest(server)
    const room = await makeRoom(owner.client)
    for (const body of [{ max_users: 1 }, { max_users: 10001 }, { name: ' ' }, { name: null }, { password: '' }, { topic: 5 }]) {
      expectError(await owner.client.patch(`/api/rooms/${room.id}`, body), 400, 'invalid_request')
    }
    expectError(await owner.client.patch(`/api/rooms/${room.id}`, { admin_id: 1 }), 400, 'unknown_field')
    expect((await owner.client.get(`/api/rooms/${room.id}`)).body.data.room).toMatchObject({ name: room.name, max_users: 255, admin_id: owner.user.id })
  })
})

describe('DELETE /api/rooms/:id', () => {
  it('the room admin deletes (204); members and everyone else get room.deleted; the room is gone', async () => {
    const owner = await guest(server)
    const member = await guest(server)
    const bystander = await guest(server)
    const room = await roomWith(owner.client, member.client)
    await send(member.client, room.id, 'soon gone')
    const cm = await cursorOf(member.client)
    const cb = await cursorOf(bystander.client)
    expect((await owner.client.delete(`/api/rooms/${room.id}`)).status).toBe(204)
    for (const [c, cur] of [[member.client, cm], [bystander.client, cb]] as const) {
      const events = (await eventsAfter(c, cur, 'room.deleted')).filter((e) => e.data.room_id === room.id)
      expect(events.map((e) => e.data)).toEqual([{ room_id: room.id }])
    }
    expectError(await member.client.get(`/api/rooms/${room.id}`), 404, 'not_found')
    expectError(await member.client.get(`/api/rooms/${room.id}/messages`), 404, 'not_found')
    expect((await member.client.get('/api/me')).body.data.user.rooms).not.toContain(room.id)
  })

  it('refuses a member (403 forbidden) and answers 404 for a room that does not exist', async () => {
    const owner = await guest(server)
    const member = await guest(server)
    const room = await roomWith(owner.client, member.client)
    expectError(await member.client.delete(`/api/rooms/${room.id}`), 403, 'forbidden')
    expectError(await owner.client.delete('/api/rooms/999999'), 404, 'not_found')
    expect((await owner.client.get(`/api/rooms/${room.id}`)).status).toBe(200)
  })

  it('a site admin deletes any room, complaints about its messages included', async () => {
    const owner = await guest(server)
    const reporter = await guest(server)
    const room = await roomWith(owner.client, reporter.client)
    const msg = await send(owner.client, room.id, 'offensive')
    await server.deps.db
      .insertInto('complaints')
      .values({ message_id: msg.id, room_id: room.id, reporter_id: reporter.user.id, text: null, status: 'open', created_at: server.clock.now(), resolved_by: null, resolved_at: null })
      .execute()
    expect((await admin.client.delete(`/api/rooms/${room.id}`)).status).toBe(204)
    expectError(await owner.client.get(`/api/rooms/${room.id}`), 404, 'not_found')
  })
})
