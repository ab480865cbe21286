import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cursorOf, pollOnce } from './helpers/events.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { guest, registerUser } from './helpers/users.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

/** Two users sharing a room; b is watching with a cursor. */
async function pair() {
  const a = await guest(server)
  const b = await guest(server)
  const room = (await a.client.post('/api/rooms', { name: 'presence room' })).body.data.room.id
  expect((await b.client.post(`/api/rooms/${room}/join`)).status).toBe(200)
  // Both were just signed in, so both count as online (keepalive grace); let that lapse.
  server.clock.advance(61_000)
  await server.deps.presence.sweep()
  return { a, b, cursor: await cursorOf(b.client) }
}

const presenceOf = (events: { type: string; data: any }[], userId: number) =>
  events.filter((e) => e.type === 'presence' && e.data.user_id === userId).map((e) => e.data.online)

describe('presence', () => {
  it('a user who starts polling comes online for the users sharing a room; 30 s after the poll ends, offline', async () => {
    const { a, b, cursor } = await pair()
    expect((await b.client.get(`/api/users/${a.user.id}`)).body.data.user.online).toBe(false)
    const aCursor = await cursorOf(a.client)
    await pollOnce(a.client, aCursor, { timeout: 0 })
    const online = await pollOnce(b.client, cursor, { types: 'presence', timeout: 5 })
    expect(presenceOf(online.events, a.user.id)).toEqual([true])
    expect((await b.client.get(`/api/users/${a.user.id}`)).body.data.user.online).toBe(true)

    server.clock.advance(29_000)
    await server.deps.presence.sweep()
    expect((await pollOnce(b.client, online.cursor, { types: 'presence' })).events).toEqual([])
    server.clock.advance(2_000)
    await server.deps.presence.sweep()
    const offline = await pollOnce(b.client, online.cursor, { types: 'presence', timeout: 5 })
    expect(presenceOf(offline.events, a.user.id)).toEqual([false])
    expect(offline.events[0]!.data.last_seen).toMatch(/Z$/)
    const profile = (await b.client.get(`/api/users/${a.user.id}`)).body.data.user
    expect(profile.online).toBe(false)
    expect(profile.last_seen).not.toBeNull()
  })

  it('signing in alone does not make a user online; the first poll does, and announces them to those sharing a room', async () => {
    const a = await registerUser(server)
    const b = await guest(server)
    const room = (await a.client.post('/api/rooms', { name: 'sign-in room' })).body.data.room.id
    expect((await b.client.post(`/api/rooms/${room}/join`)).status).toBe(200)
    // a polls, then goes quiet long enough to be offline.
    await cursorOf(a.client)
    server.clock.advance(61_000)
    await server.deps.presence.sweep()
    const cursor = await cursorOf(b.client)
    // a signs in again on another device: not online yet, and nobody is told.
    const device = server.client()
    const login = await device.post('/api/auth/login', { login: a.user.username, password: a.password })
    expect(login.status).toBe(200)
    expect(login.body.data.user.online).toBe(false)
    expect((await b.client.get(`/api/users/${a.user.id}`)).body.data.user.online).toBe(false)
    const quiet = await pollOnce(b.client, cursor, { types: 'presence' })
    expect(presenceOf(quiet.events, a.user.id)).toEqual([])
    // Its first poll (taking a cursor is one) makes it online and tells b.
    await cursorOf(device)
    const told = await pollOnce(b.client, quiet.cursor, { types: 'presence', timeout: 5 })
    expect(presenceOf(told.events, a.user.id)).toEqual([true])
    expect((await b.client.get(`/api/users/${a.user.id}`)).body.data.user.online).toBe(true)
  })

  it('a keepalive keeps a user online for 60 s without polling', async () => {
    const { a, b, cursor } = await pair()
    expect((await a.client.post('/api/me/keepalive')).status).toBe(204)
    const got = await pollOnce(b.client, cursor, { types: 'presence', timeout: 5 })
    expect(presenceOf(got.events, a.user.id)).toEqual([true])
    server.clock.advance(59_000)
    await server.deps.presence.sweep()
    expect((await b.client.get(`/api/users/${a.user.id}`)).body.data.user.online).toBe(true)
    server.clock.advance(2_000)
    await server.deps.presence.sweep()
    expect((await b.client.get(`/api/users/${a.user.id}`)).body.data.user.online).toBe(false)
  })

  it('presence never reaches users who share no room or dialog', async () => {
    const { a } = await pair()
    const stranger = await guest(server)
    server.clock.advance(61_000)
    await server.deps.presence.sweep()
    const c = await cursorOf(stranger.client)
    await a.client.post('/api/me/keepalive')
    expect((await pollOnce(stranger.client, c, { types: 'presence' })).events).toEqual([])
  })

  it('a guest who goes offline frees its name', async () => {
    const name = `fleeting${Date.now() % 100000}`
    await guest(server, name)
    expect((await server.client().post('/api/auth/guest', { name })).status).toBe(409)
    server.clock.advance(61_000)
    await server.deps.presence.sweep()
    expect((await server.client().post('/api/auth/guest', { name })).status).toBe(201)
  })
})
