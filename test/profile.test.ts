// API.md §3: GET/PATCH/DELETE /api/me, keepalive, public profiles, user search.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cloneClient, inDb, pollsHeld } from './helpers/accounts.js'
import type { Client } from './helpers/client.js'
import { cursorOf, eventsAfter } from './helpers/events.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest, registerUser, uniqueName } from './helpers/users.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

/** An upload row owned by userId (the uploads area has its own tests; here only ownership matters). */
async function uploadOf(userId: number, contentType = 'image/png') {
  const row = await server.deps.db
    .insertInto('uploads')
    .values({ owner_id: userId, stored_name: `${uniqueName('f')}.png`, content_type: contentType, size: 10, created_at: Date.now() })
    .returning(['id', 'stored_name'])
    .executeTakeFirstOrThrow()
  return row
}

const PUBLIC_KEYS = ['id', 'username', 'name', 'kind', 'nickname', 'location', 'photo_url', 'gender', 'created_at', 'online', 'last_seen'].sort()

describe('GET /api/me', () => {
  it('answers the user with private fields: email, phone, balance, role, rooms, created_rooms', async () => {
    const { client, user, email } = await registerUser(server)
    const res = await client.get('/api/me')
    expect(res.status).toBe(200)
    expect(res.body.data.user).toMatchObject({ id: user.id, email, phone: null, balance: 0, role: expect.stringMatching(/^(admin|user)$/), rooms: [], created_rooms: [] })
    expect(res.body.data.user.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  })

  it('401 not_signed_in without a session, and for a forged cookie', async () => {
    expectError(await server.client().get('/api/me'), 401, 'not_signed_in')
    const forged = server.client()
    forged.cookies.set('parley_session', 'Fe26.2*1*garbage')
    expectError(await forged.get('/api/me'), 401, 'not_signed_in')
  })
})

describe('PATCH /api/me', () => {
  it('updates nickname, location, birth_date, gender, bio and answers 200 with the user; user.updated reaches own sessions', async () => {
    const { client } = await registerUser(server)
    const tab = cloneClient(server, client)
    const cursor = await cursorOf(tab)
    const patch = { nickname: 'Ada', location: 'London', birth_date: '1815-12-10', gender: 1, bio: 'Analytical.' }
    const res = await client.patch('/api/me', patch)
    expect(res.status).toBe(200)
    expect(res.body.data.user).toMatchObject(patch)
    expect((await client.get('/api/me')).body.data.user).toMatchObject(patch)
    const events = await eventsAfter(tab, cursor)
    expect(events.map((e) => e.type)).toEqual(['user.updated'])
    expect(events[0]!.data.user).toMatchObject(patch)
  })

  it('gender is 0, 1 or null; empty text clears a field', async () => {
    const { client } = await guest(server)
    expect((await client.patch('/api/me', { gender: 0, nickname: 'x' })).body.data.user).toMatchObject({ gender: 0, nickname: 'x' })
    expect((await client.patch('/api/me', { gender: null, nickname: '' })).body.data.user).toMatchObject({ gender: null, nickname: null })
    for (const gender of [2, -1, '1', true, 0.5]) {
      const res = await client.patch('/api/me', { gender })
      expectError(res, 400, 'invalid_request')
      expect(res.body.error.details[0].path).toBe('gender')
    }
  })

  it('birth_date must be a real YYYY-MM-DD date', async () => {
    const { client } = await guest(server)
    for (const birth_date of ['10.12.1815', '1815-13-01', '1815-02-30', '18151210', 1815]) {
      const res = await client.patch('/api/me', { birth_date })
      expectError(res, 400, 'invalid_request')
      expect(res.body.error.details[0].path).toBe('birth_date')
    }
    expect((await client.patch('/api/me', { birth_date: null })).status).toBe(200)
  })

  it('refuses role, balance, email, username and other unknown fields with unknown_field, changing nothing', async () => {
    const { client } = await registerUser(server)
    const before = (await client.get('/api/me')).body.data.user
    for (const extra of [{ role: 'admin' }, { balance: 99 }, { email_verified: true }, { email: 'x@example.test' }, { username: 'renamed' }]) {
      const res = await client.patch('/api/me', { nickname: 'sneaky', ...extra })
      expectError(res, 400, 'unknown_field')
      expect(res.body.error.details[0].path).toBe(Object.keys(extra)[0])
    }
    expect((await client.get('/api/me')).body.data.user).toEqual(before)
  })

  it('overlong text is 400 with the field path', async () => {
    const { client } = await guest(server)
    for (const [field, max] of [['nickname', 64], ['location', 128], ['bio', 2000]] as const) {
      const res = await client.patch('/api/me', { [field]: 'x'.repeat(max + 1) })
      expectError(res, 400, 'invalid_request')
      expect(res.body.error.details[0].path).toBe(field)
      expect((await client.patch('/api/me', { [field]: 'x'.repeat(max) })).status).toBe(200)
    }
  })

  it('photo_upload_id must be an image one uploaded oneself (any other file: 415); it sets photo_url, null clears it', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const mine = await uploadOf(a.user.id)
    const theirs = await uploadOf(b.user.id)
    const notImage = await uploadOf(a.user.id, 'application/octet-stream')
    for (const id of [theirs.id, 999_999]) {
      const res = await a.client.patch('/api/me', { photo_upload_id: id })
      expectError(res, 400, 'invalid_request')
      expect(res.body.error.details[0].path).toBe('photo_upload_id')
    }
    // API.md §16: any file may be uploaded, but only an image can be a photo.
    expectError(await a.client.patch('/api/me', { photo_upload_id: notImage.id }), 415, 'unsupported_type')
    expect((await a.client.get('/api/me')).body.data.user.photo_url).toBeNull()
    const ok = await a.client.patch('/api/me', { photo_upload_id: mine.id })
    expect(ok.status).toBe(200)
    expect(ok.body.data.user.photo_url).toBe(`/files/${mine.stored_name}`)
    expect((await b.client.get(`/api/users/${a.user.id}`)).body.data.user.photo_url).toBe(`/files/${mine.stored_name}`)
    expect((await a.client.patch('/api/me', { photo_upload_id: null })).body.data.user.photo_url).toBeNull()
  })

  it('a public profile change reaches users sharing a room or dialog as user.updated with the public user', async () => {
    const a = await guest(server)
    const roomMate = await guest(server)
    const peer = await guest(server)
    const stranger = await guest(server)
    const room = (await a.client.post('/api/rooms', { name: uniqueName('r') })).body.data.room
    expect((await roomMate.client.post(`/api/rooms/${room.id}/join`)).status).toBe(200)
    expect((await peer.client.post(`/api/dialogs/${a.user.id}/messages`, { text: 'hi' })).status).toBe(201)
    const tabs = [roomMate, peer, stranger].map((x) => x.client)
    const cursors = await Promise.all(tabs.map((c) => cursorOf(c)))
    const own = await cursorOf(a.client)
    const photo = await uploadOf(a.user.id)
    expect((await a.client.patch('/api/me', { photo_upload_id: photo.id, nickname: 'Pictured' })).status).toBe(200)
    // Presence comes and goes with polls; what matters here is the profile event.
    const durable = async (c: Client, cursor: string) => (await eventsAfter(c, cursor)).filter((e) => e.type !== 'presence')
    for (const i of [0, 1]) {
      const events = await durable(tabs[i]!, cursors[i]!)
      expect(events.map((e) => e.type)).toEqual(['user.updated'])
      expect(events[0]!.data.user).toMatchObject({ id: a.user.id, nickname: 'Pictured', photo_url: `/files/${photo.stored_name}` })
      expect(Object.keys(events[0]!.data.user).sort()).toEqual(PUBLIC_KEYS)
    }
    expect(await durable(stranger.client, cursors[2]!)).toEqual([])
    // The user's own sessions get the private view once.
    const mine = await durable(a.client, own)
    expect(mine.map((e) => e.type)).toEqual(['user.updated'])
    expect(mine[0]!.data.user).toHaveProperty('balance')
    // A change of private fields only (bio, birth_date) tells nobody else.
    const again = await Promise.all(tabs.map((c) => cursorOf(c)))
    expect((await a.client.patch('/api/me', { bio: 'secret', birth_date: '2000-01-01' })).status).toBe(200)
    for (const i of [0, 1, 2]) expect(await durable(tabs[i]!, again[i]!)).toEqual([])
  })

  it('an empty patch changes nothing and answers the user', async () => {
    const { client, user } = await guest(server)
    const res = await client.patch('/api/me', {})
    expect(res.status).toBe(200)
    expect(res.body.data.user.id).toBe(user.id)
  })
})

describe('DELETE /api/me', () => {
  it('a password account must confirm with its password: missing or wrong is 401 invalid_credentials and nothing is deleted', async () => {
    const { client, user } = await registerUser(server)
    expectError(await client.delete('/api/me'), 401, 'invalid_credentials')
    expectError(await client.delete('/api/me', {}), 401, 'invalid_credentials')
    expectError(await client.delete('/api/me', { password: 'not my password' }), 401, 'invalid_credentials')
    expect((await client.get('/api/me')).body.data.user.id).toBe(user.id)
    expect((await client.get(`/api/users/${user.id}`)).body.data.user.deleted).toBeUndefined()
  })

  it('204; the sessions are gone, the profile shows {id, deleted: true}, the name and email are free again', async () => {
    const { client, user, email, password } = await registerUser(server)
    const otherDevice = server.client()
    expect((await otherDevice.post('/api/auth/login', { login: email, password })).status).toBe(200)
    const viewer = await guest(server)
    const res = await client.delete('/api/me', { password })
    expect(res.status).toBe(204)
    expectError(await client.get('/api/me'), 401, 'not_signed_in')
    expectError(await otherDevice.get('/api/me'), 401, 'session_revoked')
    expect((await viewer.client.get(`/api/users/${user.id}`)).body).toEqual({ data: { user: { id: user.id, deleted: true } } })
    const sessions = (await inDb<{ n: number }>(server, 'select count(*) as n from sessions where user_id = ?', [user.id]))[0]!
    expect(sessions.n).toBe(0)
    expectError(await server.client().post('/api/auth/login', { login: user.username, password }), 401, 'invalid_credentials')
    const again = await server.client().post('/api/auth/register', { username: user.username, email, password })
    expect(again.status).toBe(201)
    expect(again.body.data.user.id).not.toBe(user.id)
  })

  it('ends a held poll of another session of the deleted account with 401 at once', async () => {
    const { client, password } = await registerUser(server)
    const tab = cloneClient(server, client)
    const held = tab.get(`/api/poll?cursor=${await cursorOf(tab)}&timeout=30`)
    await pollsHeld(server)
    expect((await client.delete('/api/me', { password })).status).toBe(204)
    expectError(await held, 401, 'session_revoked')
  })

  it('a guest deletes itself without a password; deleted users drop out of search', async () => {
    const name = uniqueName('Vanishing')
    const g = await guest(server, name)
    const viewer = await guest(server)
    expect((await viewer.client.get(`/api/users?q=${name}`)).body.data.items).toHaveLength(1)
    expect((await g.client.delete('/api/me')).status).toBe(204)
    expect((await viewer.client.get(`/api/users?q=${name}`)).body.data.items).toHaveLength(0)
    expect((await viewer.client.get(`/api/users/${g.user.id}`)).body.data.user).toEqual({ id: g.user.id, deleted: true })
  })

  it('refuses unknown fields', async () => {
    const { client } = await guest(server)
    expectError(await client.delete('/api/me', { confirm: true }), 400, 'unknown_field')
    expect((await client.get('/api/me')).status).toBe(200)
  })
})

describe('POST /api/me/keepalive', () => {
  it('204 and the user shows online to others; offline 60 s after the last keepalive', async () => {
    const a = await guest(server)
    const b = await guest(server)
    expect((await a.client.post('/api/me/keepalive')).status).toBe(204)
    expect((await b.client.get(`/api/users/${a.user.id}`)).body.data.user.online).toBe(true)
    server.clock.advance(61_000)
    const seen = (await b.client.get(`/api/users/${a.user.id}`)).body.data.user
    expect(seen.online).toBe(false)
    expect(seen.last_seen).toMatch(/Z$/)
    expect((await a.client.post('/api/me/keepalive')).status).toBe(204)
    expect((await b.client.get(`/api/users/${a.user.id}`)).body.data.user.online).toBe(true)
  })

  it('401 without a session', async () => {
    expectError(await server.client().post('/api/me/keepalive'), 401, 'not_signed_in')
  })
})

describe('GET /api/users/:id', () => {
  it('answers the public profile without email, phone, balance or role', async () => {
    const { user } = await registerUser(server)
    const viewer = await guest(server)
    const res = await viewer.client.get(`/api/users/${user.id}`)
    expect(res.status).toBe(200)
    expect(Object.keys(res.body.data.user).sort()).toEqual(PUBLIC_KEYS)
    expect(res.body.data.user).toMatchObject({ id: user.id, username: user.username, name: user.username, kind: 'user' })
  })

  it('404 for an unknown id, 400 for a malformed one, 401 when signed out', async () => {
    const viewer = await guest(server)
    expectError(await viewer.client.get('/api/users/999999'), 404, 'not_found')
    expectError(await viewer.client.get('/api/users/abc'), 400, 'invalid_request')
    expectError(await viewer.client.get('/api/users/0'), 400, 'invalid_request')
    expectError(await server.client().get('/api/users/1'), 401, 'not_signed_in')
  })
})

describe('GET /api/users?q=', () => {
  it('finds users whose username or nickname contains q, case-insensitively, without private fields', async () => {
    const tag = uniqueName('Zq')
    const byName = await registerUser(server, `${tag}Name`)
    const byNick = await guest(server)
    await byNick.client.patch('/api/me', { nickname: `the ${tag.toUpperCase()} nick` })
    const res = await byNick.client.get(`/api/users?q=${tag.toLowerCase()}`)
    expect(res.status).toBe(200)
    expect(res.body.data.items.map((u: { id: number }) => u.id).sort()).toEqual([byName.user.id, byNick.user.id].sort())
    expect(res.body.data.has_more).toBe(false)
    for (const u of res.body.data.items) expect(Object.keys(u).sort()).toEqual(PUBLIC_KEYS)
  })

  it('pages with limit and offset and says has_more', async () => {
    const tag = uniqueName('Pg')
    const ids: number[] = []
    for (let i = 0; i < 5; i++) ids.push((await guest(server, `${tag}-${i}`)).user.id)
    const c = (await guest(server)).client
    const page1 = await c.get(`/api/users?q=${tag}&limit=2`)
    expect(page1.body.data).toMatchObject({ has_more: true })
    const page3 = await c.get(`/api/users?q=${tag}&limit=2&offset=4`)
    expect(page3.body.data).toMatchObject({ has_more: false })
    const all = [page1, await c.get(`/api/users?q=${tag}&limit=2&offset=2`), page3].flatMap((p) => p.body.data.items.map((u: { id: number }) => u.id))
    expect(all).toEqual(ids)
  })

  it('treats % and _ literally and refuses out-of-range paging with 400', async () => {
    const c = (await guest(server)).client
    expect((await c.get('/api/users?q=%25')).body.data.items).toEqual([])
    for (const q of ['limit=0', 'limit=201', 'offset=-1', 'limit=abc', `q=${'x'.repeat(65)}`]) {
      expectError(await c.get(`/api/users?${q}`), 400, 'invalid_request')
    }
    expectError(await server.client().get('/api/users?q=a'), 401, 'not_signed_in')
  })
})
