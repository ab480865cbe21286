// API.md §13's rate limits, each 429 rate_limited with Retry-After, and §2's sign-in limit as it
// applies to account deletion. Each test starts a server with the limit it is about turned on
// (the shared test settings turn the per-address ones off).
import { afterEach, describe, expect, it } from 'vitest'
import { rawRequest } from './helpers/accounts.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const HOUR = 3600_000

function expectLimited(res: { status: number; body: any; headers: Headers | Record<string, unknown> }, atLeast = 1) {
  expectError(res, 429, 'rate_limited')
  const header = res.headers instanceof Headers ? res.headers.get('retry-after') : res.headers['retry-after']
  expect(Number(header)).toBeGreaterThanOrEqual(atLeast)
}

describe('registrations: REGISTER_RATE_LIMIT per hour per IP', () => {
  it('the 11th registration in an hour from one address is 429; another address, or the next hour, may register', async () => {
    server = await startTestServer({ REGISTER_RATE_LIMIT: '10' })
    const s = server
    const register = (n: number, localAddress?: string) =>
      rawRequest(s.url, { method: 'POST', path: '/api/auth/register', body: { username: `reg${n}`, email: `reg${n}@example.test`, password: 'long enough' }, ...(localAddress ? { localAddress } : {}) })
    for (let i = 0; i < 10; i++) expect((await register(i)).status).toBe(201)
    const refused = await register(10)
    expectLimited(refused, 3000)
    // Nothing was made for the refused one: its name is still free, from another address.
    expect((await register(10, '127.0.0.2')).status).toBe(201)
    s.clock.advance(HOUR)
    expect((await register(11)).status).toBe(201)
  })
})

describe('room creation: ROOM_CREATE_RATE_LIMIT per hour per user', () => {
  it('the 11th room in an hour is 429; another user may, and so may the first an hour later', async () => {
    server = await startTestServer({ ROOM_CREATE_RATE_LIMIT: '10' })
    const a = await guest(server)
    for (let i = 0; i < 10; i++) expect((await a.client.post('/api/rooms', { name: `room ${i}` })).status).toBe(201)
    expectLimited(await a.client.post('/api/rooms', { name: 'one too many' }), 60)
    expect((await a.client.get('/api/rooms?count_only=true')).body.data.total).toBe(10)
    const b = await guest(server)
    expect((await b.client.post('/api/rooms', { name: 'b room' })).status).toBe(201)
    server.clock.advance(HOUR)
    expect((await a.client.post('/api/rooms', { name: 'next hour' })).status).toBe(201)
  })
})

describe('wrong room passwords: 10 per 10 minutes per user and room', () => {
  it('after 10 tries the 11th is 429 even with the right password; other rooms and other users are not affected', async () => {
    server = await startTestServer()
    const owner = await guest(server)
    const room = (await owner.client.post('/api/rooms', { name: 'vault', password: 'open sesame' })).body.data.room.id
    const other = (await owner.client.post('/api/rooms', { name: 'vault 2', password: 'open sesame' })).body.data.room.id
    const guesser = await guest(server)
    for (let i = 0; i < 10; i++) expectError(await guesser.client.post(`/api/rooms/${room}/join`, { password: `guess ${i}` }), 401, 'wrong_password')
    expectLimited(await guesser.client.post(`/api/rooms/${room}/join`, { password: 'open sesame' }), 60)
    expect((await guesser.client.post(`/api/rooms/${other}/join`, { password: 'open sesame' })).status).toBe(200)
    const someoneElse = await guest(server)
    expect((await someoneElse.client.post(`/api/rooms/${room}/join`, { password: 'open sesame' })).status).toBe(200)
    server.clock.advance(10 * 60_000)
    expect((await guesser.client.post(`/api/rooms/${room}/join`, { password: 'open sesame' })).status).toBe(200)
  })
})

describe('DELETE /api/me: its password checks are sign-in attempts (SIGNIN_RATE_LIMIT)', () => {
  it('after 10 wrong passwords in a minute the 11th is 429, even the right one, and the account stays', async () => {
    server = await startTestServer({ SIGNIN_RATE_LIMIT: '10' })
    const { client, user, password } = await registerUser(server)
    // registerUser signed in once: that counted for the account.
    for (let i = 0; i < 9; i++) expectError(await client.delete('/api/me', { password: `wrong ${i}` }), 401, 'invalid_credentials')
    expectLimited(await client.delete('/api/me', { password }))
    expect((await client.get('/api/me')).body.data.user.id).toBe(user.id)
    server.clock.advance(60_000)
    expect((await client.delete('/api/me', { password })).status).toBe(204)
  })
})

describe('SMS sign-in codes: at most 10 per phone per 24 h', () => {
  it('the 11th code to one phone in a day is 429 and sends nothing; another phone, or the next day, gets one', async () => {
    server = await startTestServer()
    const phone = '+14155550123'
    const c = server.client()
    for (let i = 0; i < 10; i++) expect((await c.post('/api/auth/phone', { phone })).status).toBeLessThan(300)
    const sent = server.outbox().filter((e) => e.to === phone).length
    expect(sent).toBe(10)
    expectLimited(await c.post('/api/auth/phone', { phone }), 3600)
    expect(server.outbox().filter((e) => e.to === phone).length).toBe(10)
    expect((await c.post('/api/auth/phone', { phone: '+14155550124' })).status).toBe(201)
    server.clock.advance(24 * HOUR)
    expect((await c.post('/api/auth/phone', { phone })).status).toBe(200)
  })
})
