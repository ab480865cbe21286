// Joining, leaving, listing and adding members; the joined/left service messages. API.md §4.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import type { TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'
import { cursorOf, eventsAfter, serviceEvents } from './helpers/events.js'
import { join, makeRoom, roomWith, send, startRoomsServer } from './helpers/rooms.js'

let server: TestServer
let siteAdmin: { client: Client; user: { id: number } }
beforeAll(async () => {
  server = await startRoomsServer()
  siteAdmin = await registerUser(server)
})
afterAll(() => server.close())

const history = async (c: Client, roomId: number) => (await c.get(`/api/rooms/${roomId}/messages?limit=200`)).body.data.items as any[]
const services = async (c: Client, roomId: number) => (await history(c, roomId)).filter((m) => m.kind === 'service').map((m) => m.service)
const makeModerator = (roomId: number, userId: number, since: number) =>
  server.deps.db.updateTable('room_members').set({ role: 'moderator', moderator_since: since }).where('room_id', '=', roomId).where('user_id', '=', userId).execute()
const ban = (roomId: number, userId: number, actorId: number) =>
  server.deps.db.insertInto('room_bans').values({ room_id: roomId, user_id: userId, actor_id: actorId, reason: null, created_at: server.clock.now() }).execute()

describe('POST /api/rooms/:id/join', () => {
  it('joins a public room (200 {room}) and writes one joined message that the members receive', async () => {
    const owner = await guest(server)
    const joiner = await guest(server)
    const outsider = await guest(server)
    const room = await makeRoom(owner.client)
    const co = await cursorOf(owner.client)
    const cx = await cursorOf(outsider.client)
    const res = await joiner.client.post(`/api/rooms/${room.id}/join`)
    expect(res.status).toBe(200)
    expect(res.body.data.room).toMatchObject({ id: room.id, joined: true, member_count: 2, members: [owner.user.id, joiner.user.id] })
    const joined = { type: 'joined', user_id: joiner.user.id, actor_id: joiner.user.id }
    expect(serviceEvents(await eventsAfter(owner.client, co))).toEqual([joined])
    expect(serviceEvents(await eventsAfter(outsider.client, cx))).toEqual([])
    expect(await services(joiner.client, room.id)).toEqual([joined])
  })

  it('joining again is a no-op 200 that writes no second joined message', async () => {
    const owner = await guest(server)
    const joiner = await guest(server)
    const room = await roomWith(owner.client, joiner.client)
    const co = await cursorOf(owner.client)
    const again = await joiner.client.post(`/api/rooms/${room.id}/join`)
    expect(again.status).toBe(200)
    expect(again.body.data.room.member_count).toBe(2)
    expect(await eventsAfter(owner.client, co)).toEqual([])
    expect((await services(owner.client, room.id)).filter((s) => s.type === 'joined')).toHaveLength(1)
    // The creator joining their own room is a no-op too.
    expect((await owner.client.post(`/api/rooms/${room.id}/join`)).status).toBe(200)
  })

  it('a private room needs its password: missing or wrong is 401 wrong_password, right is 200', async () => {
    const owner = await guest(server)
    const joiner = await guest(server)
    const room = await makeRoom(owner.client, { password: 'letmein' })
    expectError(await joiner.client.post(`/api/rooms/${room.id}/join`), 401, 'wrong_password')
    expectError(await joiner.client.post(`/api/rooms/${room.id}/join`, {}), 401, 'wrong_password')
    expectError(await joiner.client.post(`/api/rooms/${room.id}/join`, { password: 'LETMEIN' }), 401, 'wrong_password')
    expect((await joiner.client.get(`/api/rooms/${room.id}`)).body.data.room.joined).toBe(false)
    expect((await joiner.client.post(`/api/rooms/${room.id}/join`, { password: 'letmein' })).status).toBe(200)
  })

  it('a password for a public room is 400 invalid_request and joins nothing', async () => {
    const owner = await guest(server)
    const joiner = await guest(server)
    const room = await makeRoom(owner.client)
    const res = await joiner.client.post(`/api/rooms/${room.id}/join`, { password: 'whatever' })
    expectError(res, 400, 'invalid_request')
    expect(res.body.error.details).toEqual([{ path: 'password', message: expect.any(String) }])
    expect((await owner.client.get(`/api/rooms/${room.id}`)).body.data.room.member_count).toBe(1)
  })

  it('refuses a banned user (403 banned), a full room (409 room_full), unknown rooms (404) and bad bodies (400)', async () => {
    const owner = await guest(server)
    const second = await guest(server)
    const third = await guest(server)
    const room = await makeRoom(owner.client, { max_users: 2 })
    await ban(room.id, third.user.id, owner.user.id)
    expectError(await third.client.post(`/api/rooms/${room.id}/join`), 403, 'banned')
    await join(second.client, room.id)
    const late = await guest(server)
    expectError(await late.client.post(`/api/rooms/${room.id}/join`), 409, 'room_full')
    expectError(await late.client.post('/api/rooms/999999/join'), 404, 'not_found')
    expectError(await late.client.post(`/api/rooms/${room.id}/join`, { pasword: 'typo' }), 400, 'unknown_field')
    expectError(await late.client.post(`/api/rooms/${room.id}/join`, { password: 12 }), 400, 'invalid_request')
    expect((await owner.client.get(`/api/rooms/${room.id}`)).body.data.room.members).toEqual([owner.user.id, second.user.id])
  })

  it('history from before joining is visible but not unread', async () => {
    const owner = await guest(server)
    const joiner = await guest(server)
    const room = await makeRoom(owner.client)
    await send(owner.client, room.id, 'before you came')
    await join(joiner.client, room.id)
    expect((await history(joiner.client, room.id)).map((m) => m.text)).toEqual(['before you came', null])
    const chat = (await joiner.client.get('/api/chats')).body.data.items.find((i: any) => i.room.id === room.id)
    expect(chat.unread).toBe(0)
  })
})

describe('POST /api/rooms/:id/leave', () => {
  it('leaves (204) with a left message that the remaining members and the leaver receive', async () => {
    const owner = await guest(server)
    const leaver = await guest(server)
    const room = await roomWith(owner.client, leaver.client)
    const co = await cursorOf(owner.client)
    const cl = await cursorOf(leaver.client)
    expect((await leaver.client.post(`/api/rooms/${room.id}/leave`)).status).toBe(204)
    const left = { type: 'left', user_id: leaver.user.id, actor_id: leaver.user.id }
    expect(serviceEvents(await eventsAfter(owner.client, co))).toEqual([left])
    expect(serviceEvents(await eventsAfter(leaver.client, cl))).toEqual([left])
    const view = (await leaver.client.get(`/api/rooms/${room.id}`)).body.data.room
    expect(view).toMatchObject({ joined: false, member_count: 1 })
    // Gone from the room: its later messages no longer reach the leaver.
    const cl2 = await cursorOf(leaver.client)
    await send(owner.client, room.id, 'after you left')
    expect(await eventsAfter(leaver.client, cl2, 'message.created')).toEqual([])
    expectError(await leaver.client.get(`/api/rooms/${room.id}/messages`), 403, 'not_member')
  })

  it('leaving a room one is not in is a no-op 204; an unknown room is 404', async () => {
    const owner = await guest(server)
    const outsider = await guest(server)
    const room = await makeRoom(owner.client)
    const co = await cursorOf(owner.client)
    expect((await outsider.client.post(`/api/rooms/${room.id}/leave`)).status).toBe(204)
    expect(await eventsAfter(owner.client, co)).toEqual([])
    expectError(await outsider.client.post('/api/rooms/999999/leave'), 404, 'not_found')
  })

  it('the admin leaving hands the room to the earliest-appointed moderator, and everyone gets room.updated', async () => {
    const owner = await guest(server)
    const early = await guest(server)
    const modLate = await guest(server)
    const modEarly = await guest(server)
    const bystander = await guest(server)
    const room = await roomWith(owner.client, early.client, modLate.client, modEarly.client)
    const now = server.clock.now()
    await makeModerator(room.id, modLate.user.id, now + 100)
    await makeModerator(room.id, modEarly.user.id, now + 50)
    const cb = await cursorOf(bystander.client)
    expect((await owner.client.post(`/api/rooms/${room.id}/leave`)).status).toBe(204)
    const view = (await early.client.get(`/api/rooms/${room.id}`)).body.data.room
    expect(view).toMatchObject({ admin_id: modEarly.user.id, moderators: [modLate.user.id], member_count: 3 })
    const updates = (await eventsAfter(bystander.client, cb, 'room.updated')).filter((e) => e.data.room.id === room.id)
    expect(updates.map((e) => e.data.room.admin_id)).toEqual([modEarly.user.id])
    const roles = (await early.client.get(`/api/rooms/${room.id}/members`)).body.data.items.map((i: any) => [i.user.id, i.role])
    expect(roles).toEqual([
      [modEarly.user.id, 'admin'],
      [modLate.user.id, 'moderator'],
      [early.user.id, 'member'],
    ])
  })

  it('without moderators the earliest-joined member becomes admin; an emptied room stays without admin and its next joiner becomes admin', async () => {
    const owner = await guest(server)
    const first = await guest(server)
    const second = await guest(server)
    const room = await roomWith(owner.client, first.client, second.client)
    await owner.client.post(`/api/rooms/${room.id}/leave`)
    expect((await second.client.get(`/api/rooms/${room.id}`)).body.data.room.admin_id).toBe(first.user.id)
    await first.client.post(`/api/rooms/${room.id}/leave`)
    await second.client.post(`/api/rooms/${room.id}/leave`)
    const empty = (await owner.client.get(`/api/rooms/${room.id}`)).body.data.room
    expect(empty).toMatchObject({ admin_id: null, member_count: 0 })
    const next = await guest(server)
    const joined = await join(next.client, room.id)
    expect(joined).toMatchObject({ admin_id: next.user.id, member_count: 1, banned: [] })
    // The new admin may now run the room.
    expect((await next.client.patch(`/api/rooms/${room.id}`, { topic: 'mine' })).status).toBe(200)
  })
})

describe('account deletion', () => {
  it('a deleted account leaves its rooms with left messages the members receive, handing over its admin rooms', async () => {
    const owner = await registerUser(server)
    const member = await guest(server)
    const room = await roomWith(owner.client, member.client)
    const cm = await cursorOf(member.client)
    expect((await owner.client.delete('/api/me', { password: owner.password })).status).toBe(204)
    expect(serviceEvents(await eventsAfter(member.client, cm))).toEqual([{ type: 'left', user_id: owner.user.id, actor_id: owner.user.id }])
    const view = (await member.client.get(`/api/rooms/${room.id}`)).body.data.room
    expect(view).toMatchObject({ admin_id: member.user.id, members: [member.user.id], member_count: 1 })
  })
})

describe('GET /api/rooms/:id/members', () => {
  it('lists {user, role} with public users (online, no email), admin first, paged by limit/offset', async () => {
    const owner = await registerUser(server)
    const a = await guest(server)
    const b = await guest(server)
    const room = await roomWith(owner.client, a.client, b.client)
    await makeModerator(room.id, b.user.id, server.clock.now())
    const res = await a.client.get(`/api/rooms/${room.id}/members`)
    expect(res.status).toBe(200)
    const items = res.body.data.items
    expect(items.map((i: any) => [i.user.id, i.role])).toEqual([
      [owner.user.id, 'admin'],
      [b.user.id, 'moderator'],
      [a.user.id, 'member'],
    ])
    expect(res.body.data.has_more).toBe(false)
    expect(typeof items[0].user.online).toBe('boolean')
    expect(items[0].user).not.toHaveProperty('email')
    expect(items[0].user).not.toHaveProperty('balance')
    const page = await a.client.get(`/api/rooms/${room.id}/members?limit=1&offset=1`)
    expect(page.body.data).toEqual({ items: [expect.objectContaining({ role: 'moderator' })], has_more: true })
  })

  it('is for members only (403 not_member), 404 for unknown rooms, 400 for bad paging', async () => {
    const owner = await guest(server)
    const outsider = await guest(server)
    const room = await makeRoom(owner.client)
    expectError(await outsider.client.get(`/api/rooms/${room.id}/members`), 403, 'not_member')
    expectError(await outsider.client.get('/api/rooms/999999/members'), 404, 'not_found')
    for (const q of ['limit=0', 'limit=201', 'limit=-1', 'offset=-1', 'limit=x']) {
      expectError(await owner.client.get(`/api/rooms/${room.id}/members?${q}`), 400, 'invalid_request')
    }
  })
})

describe('POST /api/rooms/:id/members', () => {
  it('the admin adds a user (204) with a joined message naming the actor; the added user receives it too', async () => {
    const owner = await guest(server)
    const member = await guest(server)
    const added = await guest(server)
    const room = await roomWith(owner.client, member.client)
    const cm = await cursorOf(member.client)
    const ca = await cursorOf(added.client)
    const res = await owner.client.post(`/api/rooms/${room.id}/members`, { user_id: added.user.id })
    expect(res.status).toBe(204)
    const joined = { type: 'joined', user_id: added.user.id, actor_id: owner.user.id }
    expect(serviceEvents(await eventsAfter(member.client, cm))).toEqual([joined])
    expect(serviceEvents(await eventsAfter(added.client, ca))).toEqual([joined])
    expect((await added.client.get(`/api/rooms/${room.id}`)).body.data.room.joined).toBe(true)
  })

  it('a moderator may add to a private room without its password; adding a member again is a no-op', async () => {
    const owner = await guest(server)
    const mod = await guest(server)
    const added = await guest(server)
    const room = await makeRoom(owner.client, { password: 'pw' })
    await join(mod.client, room.id, { password: 'pw' })
    await makeModerator(room.id, mod.user.id, server.clock.now())
    expect((await mod.client.post(`/api/rooms/${room.id}/members`, { user_id: added.user.id })).status).toBe(204)
    expect((await mod.client.post(`/api/rooms/${room.id}/members`, { user_id: added.user.id })).status).toBe(204)
    expect((await services(owner.client, room.id)).filter((s) => s.type === 'joined' && s.user_id === added.user.id)).toHaveLength(1)
  })

  it('a site admin may add members to any room', async () => {
    const owner = await guest(server)
    const added = await guest(server)
    const room = await makeRoom(owner.client)
    expect((await siteAdmin.client.post(`/api/rooms/${room.id}/members`, { user_id: added.user.id })).status).toBe(204)
  })

  it('refuses plain members and outsiders (403), banned users (403 banned), a full room (409), unknown users and rooms (404), bad ids (400)', async () => {
    const owner = await guest(server)
    const member = await guest(server)
    const outsider = await guest(server)
    const target = await guest(server)
    const room = await roomWith(owner.client, member.client)
    expectError(await member.client.post(`/api/rooms/${room.id}/members`, { user_id: target.user.id }), 403, 'forbidden')
    expectError(await outsider.client.post(`/api/rooms/${room.id}/members`, { user_id: target.user.id }), 403, 'forbidden')
    await ban(room.id, target.user.id, owner.user.id)
    expectError(await owner.client.post(`/api/rooms/${room.id}/members`, { user_id: target.user.id }), 403, 'banned')
    expectError(await owner.client.post(`/api/rooms/${room.id}/members`, { user_id: 999999 }), 404, 'not_found')
    expectError(await owner.client.post('/api/rooms/999999/members', { user_id: outsider.user.id }), 404, 'not_found')
    for (const user_id of ['5', 0, -1, 1.5, null]) {
      expectError(await owner.client.post(`/api/rooms/${room.id}/members`, { user_id }), 400, 'invalid_request')
    }
    const small = await makeRoom(owner.client, { max_users: 2 })
    await join(member.client, small.id)
    expectError(await owner.client.post(`/api/rooms/${small.id}/members`, { user_id: outsider.user.id }), 409, 'room_full')
    expect((await owner.client.get(`/api/rooms/${room.id}`)).body.data.room.members).toEqual([owner.user.id, member.user.id])
  })
})
