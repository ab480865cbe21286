// API.md §3: registration, email verification, login, guests, logout, password reset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cloneClient, inDb, pollsHeld, sessionCookieLine, waitForOutbox } from './helpers/accounts.js'
import { lastMessageTo, startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest, registerUser, uniqueName } from './helpers/users.js'

const PUBLIC_URL = 'http://parley.test:8080'
const HOUR = 3600_000
let server: TestServer

beforeAll(async () => {
  server = await startTestServer({ PUBLIC_URL })
})
afterAll(() => server.close())

const userCount = async () => (await inDb<{ n: number }>(server, 'select count(*) as n from users'))[0]!.n
const verifyTokenIn = (text: string) => /\/api\/auth\/verify-email\?token=([\w-]+)/.exec(text)![1]!

async function registerOnly(username = uniqueName(), password = 'correct horse battery') {
  const client = server.client()
  const email = `${username.toLowerCase()}@example.test`
  const res = await client.post('/api/auth/register', { username, email, password })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return { client, username, email, password, user: res.body.data.user, token: verifyTokenIn(lastMessageTo(server, email).text) }
}

describe('POST /api/auth/register', () => {
  it('creates the first account as site admin and later ones as users, unverified, balance 0', async () => {
    const first = await registerOnly()
    expect(first.user).toMatchObject({ username: first.username, email: first.email, email_verified: false, role: 'admin', balance: 0, kind: 'user' })
    expect(first.user).not.toHaveProperty('password_hash')
    expect(first.user).not.toHaveProperty('password')
    const second = await registerOnly()
    expect(second.user.role).toBe('user')
  })

  it('emails a verification link <PUBLIC_URL>/api/auth/verify-email?token=…', async () => {
    const { email } = await registerOnly()
    const mail = lastMessageTo(server, email)
    expect(mail.channel).toBe('email')
    expect(mail.subject).toMatch(/confirm/i)
    expect(mail.text).toContain(`${PUBLIC_URL}/api/auth/verify-email?token=`)
  })

  it('409 username_taken for the same name in any case, 409 email_taken for the same address in any case', async () => {
    const { username, email } = await registerOnly()
    const c = server.client()
    expectError(await c.post('/api/auth/register', { username: username.toUpperCase(), email: 'other@example.test', password: 'long enough' }), 409, 'username_taken')
    expectError(await c.post('/api/auth/register', { username: uniqueName(), email: email.toUpperCase(), password: 'long enough' }), 409, 'email_taken')
  })

  it('enforces username 3–32 of [A-Za-z0-9_.-] and password 8–256, storing nothing', async () => {
    const before = await userCount()
    const c = server.client()
    const cases: [Record<string, unknown>, string][] = [
      [{ username: 'ab', email: 'a1@example.test', password: 'long enough' }, 'username'],
      [{ username: 'x'.repeat(33), email: 'a2@example.test', password: 'long enough' }, 'username'],
      [{ username: 'bad name!', email: 'a3@example.test', password: 'long enough' }, 'username'],
      [{ username: 'ok_name', email: 'a4@example.test', password: 'seven77' }, 'password'],
      [{ username: 'ok_name', email: 'a5@example.test', password: 'p'.repeat(257) }, 'password'],
      [{ username: 'ok_name', email: 'not-an-email', password: 'long enough' }, 'email'],
    ]
    for (const [body, path] of cases) {
      const res = await c.post('/api/auth/register', body)
      expectError(res, 400, 'invalid_request')
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path)
    }
    // The edges themselves are accepted.
    expect((await c.post('/api/auth/register', { username: 'a.-', email: 'edge1@example.test', password: '8 chars!' })).status).toBe(201)
    expect((await c.post('/api/auth/register', { username: 'y'.repeat(32), email: 'edge2@example.test', password: 'p'.repeat(256) })).status).toBe(201)
    expect(await userCount()).toBe(before + 2)
  })

  it('refuses role, balance or email_verified in the body with 400 unknown_field and stores nothing', async () => {
    const before = await userCount()
    const c = server.client()
    for (const extra of [{ role: 'admin' }, { balance: 1000 }, { email_verified: true }]) {
      const username = uniqueName()
      const res = await c.post('/api/auth/register', { username, email: `${username}@example.test`, password: 'long enough', ...extra })
      expectError(res, 400, 'unknown_field')
      expect(res.body.error.details).toEqual([{ path: Object.keys(extra)[0], message: expect.any(String) }])
      expectError(await c.post('/api/auth/login', { login: username, password: 'long enough' }), 401, 'invalid_credentials')
    }
    expect(await userCount()).toBe(before)
  })

  it('stores the password as an scrypt hash, never the password itself', async () => {
    const { username, password } = await registerOnly(uniqueName(), 'my secret password 42')
    const row = (await inDb<{ password_hash: string }>(server, 'select password_hash from users where username = ?', [username]))[0]!
    expect(row.password_hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[\w-]+\$[\w-]+$/)
    expect(row.password_hash).not.toContain(password)
    const dump = JSON.stringify(await inDb(server, 'select * from users'))
    expect(dump).not.toContain(password)
  })
})

describe('GET /api/auth/verify-email', () => {
  it('with Accept: application/json answers 200 with the verified user', async () => {
    const { client, token } = await registerOnly()
    const res = await client.get(`/api/auth/verify-email?token=${token}`, { headers: { accept: 'application/json' } })
    expect(res.status).toBe(200)
    expect(res.body.data.user.email_verified).toBe(true)
  })

  it('redirects a browser with 303 to / with a notice', async () => {
    const { client, token } = await registerOnly()
    const res = await client.get(`/api/auth/verify-email?token=${token}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/?notice=email_verified')
  })

  it('answers 400 invalid_token for an unknown or an already used token (a browser gets a readable page)', async () => {
    const { client, token } = await registerOnly()
    const json = { headers: { accept: 'application/json' } }
    expectError(await client.get('/api/auth/verify-email?token=nope', json), 400, 'invalid_token')
    expect((await client.get(`/api/auth/verify-email?token=${token}`, json)).status).toBe(200)
    expectError(await client.get(`/api/auth/verify-email?token=${token}`, json), 400, 'invalid_token')
    const page = await client.get(`/api/auth/verify-email?token=${token}`, { headers: { accept: 'text/html' } })
    expect(page.status).toBe(400)
    expect(page.text).toMatch(/invalid, already used, or expired/)
    expectError(await client.get('/api/auth/verify-email?token=nope'), 400, 'invalid_token')
    expectError(await client.get('/api/auth/verify-email', json), 400, 'invalid_request')
  })

  it('a token expires after 48 h', async () => {
    const { client, token, username, password } = await registerOnly()
    server.clock.advance(48 * HOUR + 1000)
    expectError(await client.get(`/api/auth/verify-email?token=${token}`, { headers: { accept: 'application/json' } }), 400, 'invalid_token')
    expectError(await client.post('/api/auth/login', { login: username, password }), 403, 'email_not_verified')
  })

  it('stores the token only as a hash', async () => {
    const { token } = await registerOnly()
    const hashes = (await inDb<{ token_hash: string }>(server, 'select token_hash from tokens')).map((r) => r.token_hash)
    expect(hashes.some((h) => h.includes(token))).toBe(false)
    const { createHash } = await import('node:crypto')
    expect(hashes).toContain(createHash('sha256').update(token).digest('hex'))
  })
})

describe('POST /api/auth/login', () => {
  it('signs in by username (any case) or by email (any case) and sets the session cookie', async () => {
    const { client, user, email, password } = await registerUser(server)
    for (const login of [user.username.toUpperCase(), email.toUpperCase()]) {
      const c = server.client()
      const res = await c.post('/api/auth/login', { login, password })
      expect(res.status).toBe(200)
      expect(res.body.data.user).toMatchObject({ id: user.id, email })
      expect((await c.get('/api/me')).body.data.user.id).toBe(user.id)
    }
    expect((await client.get('/api/me')).status).toBe(200)
  })

  it('answers 401 invalid_credentials for a wrong password or an unknown login, without a cookie', async () => {
    const { user } = await registerUser(server)
    const c = server.client()
    const wrong = await c.post('/api/auth/login', { login: user.username, password: 'wrong password' })
    expectError(wrong, 401, 'invalid_credentials')
    expect(wrong.headers.getSetCookie()).toEqual([])
    expectError(await c.post('/api/auth/login', { login: 'nobody-here', password: 'whatever1' }), 401, 'invalid_credentials')
    expectError(await c.get('/api/me'), 401, 'not_signed_in')
  })

  it('403 email_not_verified before verification while REQUIRE_EMAIL_VERIFICATION is on (the default)', async () => {
    const { username, password, client, token } = await registerOnly()
    expectError(await client.post('/api/auth/login', { login: username, password }), 403, 'email_not_verified')
    await client.get(`/api/auth/verify-email?token=${token}`, { headers: { accept: 'application/json' } })
    expect((await client.post('/api/auth/login', { login: username, password })).status).toBe(200)
  })

  it('lets an unverified account in when REQUIRE_EMAIL_VERIFICATION is off', async () => {
    const open = await startTestServer({ REQUIRE_EMAIL_VERIFICATION: 'false' })
    try {
      const c = open.client()
      expect((await c.post('/api/auth/register', { username: 'unverified', email: 'u@example.test', password: 'long enough' })).status).toBe(201)
      const res = await c.post('/api/auth/login', { login: 'unverified', password: 'long enough' })
      expect(res.status).toBe(200)
      expect(res.body.data.user.email_verified).toBe(false)
    } finally {
      await open.close()
    }
  })

  it('sets parley_session HttpOnly, SameSite=Lax, Path=/, without Secure over an http PUBLIC_URL', async () => {
    const { user, password } = await registerUser(server)
    const res = await server.client().post('/api/auth/login', { login: user.username, password })
    const line = sessionCookieLine(res.headers)
    expect(line).toMatch(/;\s*HttpOnly/i)
    expect(line).toMatch(/;\s*SameSite=Lax/i)
    expect(line).toMatch(/;\s*Path=\/(;|$)/)
    expect(line).not.toMatch(/;\s*Secure/i)
  })

  it('adds Secure to the cookie when PUBLIC_URL is https', async () => {
    const https = await startTestServer({ PUBLIC_URL: 'https://chat.example.test' })
    try {
      const res = await https.client().post('/api/auth/guest', { name: 'secure-guest' })
      expect(res.status).toBe(201)
      const line = sessionCookieLine(res.headers)
      expect(line).toMatch(/;\s*Secure/i)
      expect(line).toMatch(/;\s*HttpOnly/i)
      expect(line).toMatch(/;\s*SameSite=Lax/i)
    } finally {
      await https.close()
    }
  })

  it('the cookie holds a sealed session id, not the user id or anything readable', async () => {
    const { client, user } = await registerUser(server)
    const cookie = client.cookies.get('parley_session')!
    expect(cookie).toMatch(/^Fe26\.2\*/)
    const sessions = await inDb<{ id: string }>(server, 'select id from sessions where user_id = ?', [user.id])
    for (const s of sessions) expect(decodeURIComponent(cookie)).not.toContain(s.id)
  })
})

describe('POST /api/auth/guest', () => {
  it('creates a fresh guest account with a cookie', async () => {
    const name = uniqueName('Guest')
    const c = server.client()
    const res = await c.post('/api/auth/guest', { name })
    expect(res.status).toBe(201)
    expect(res.body.data.user).toMatchObject({ kind: 'guest', name, username: null, email: null, phone: null, balance: 0 })
    sessionCookieLine(res.headers)
    expect((await c.get('/api/me')).body.data.user.id).toBe(res.body.data.user.id)
  })

  it('409 name_taken for a registered username in any case', async () => {
    const { user } = await registerUser(server)
    expectError(await server.client().post('/api/auth/guest', { name: user.username.toUpperCase() }), 409, 'name_taken')
  })

  it('409 name_taken for the name of a guest who is online', async () => {
    const { user } = await guest(server, 'Walrus')
    expect(user.name).toBe('Walrus')
    expectError(await server.client().post('/api/auth/guest', { name: 'walrus' }), 409, 'name_taken')
  })

  it('a guest who logs out frees its name, and the next guest of that name inherits nothing', async () => {
    const first = await guest(server, 'Heron')
    expect((await first.client.patch('/api/me', { nickname: 'old heron', bio: 'secret bio' })).status).toBe(200)
    expect((await first.client.post('/api/auth/logout')).status).toBe(204)
    const second = await guest(server, 'Heron')
    expect(second.user.id).not.toBe(first.user.id)
    const me = (await second.client.get('/api/me')).body.data.user
    expect(me).toMatchObject({ name: 'Heron', nickname: null, bio: null, balance: 0, rooms: [], created_rooms: [] })
  })

  it('a guest who goes offline (no poll, no keepalive for 60 s) frees its name', async () => {
    await guest(server, 'Otter')
    expectError(await server.client().post('/api/auth/guest', { name: 'Otter' }), 409, 'name_taken')
    server.clock.advance(61_000)
    expect((await server.client().post('/api/auth/guest', { name: 'Otter' })).status).toBe(201)
  })

  it('rejects an empty, overlong or control-character name with 400', async () => {
    const c = server.client()
    for (const name of ['', '   ', 'n'.repeat(33), 'bad\u0000name']) expectError(await c.post('/api/auth/guest', { name }), 400, 'invalid_request')
    expectError(await c.post('/api/auth/guest', {}), 400, 'invalid_request')
  })
})

describe('POST /api/auth/logout', () => {
  it('204, clears the cookie, and the old cookie then gets 401 session_revoked', async () => {
    const { client } = await registerUser(server)
    const stolen = cloneClient(server, client)
    const res = await client.post('/api/auth/logout')
    expect(res.status).toBe(204)
    expect(sessionCookieLine(res.headers)).toMatch(/Max-Age=0/i)
    expectError(await client.get('/api/me'), 401, 'not_signed_in')
    expectError(await stolen.get('/api/me'), 401, 'session_revoked')
  })

  it('logs out only this session; {all: true} revokes every session of the user', async () => {
    const { user, password } = await registerUser(server)
    const devices = []
    for (let i = 0; i < 3; i++) {
      const c = server.client()
      expect((await c.post('/api/auth/login', { login: user.username, password })).status).toBe(200)
      devices.push(c)
    }
    const [a, b, c] = devices as [ReturnType<typeof server.client>, ReturnType<typeof server.client>, ReturnType<typeof server.client>]
    expect((await a.post('/api/auth/logout', {})).status).toBe(204)
    expect((await b.get('/api/me')).status).toBe(200)
    expect((await b.post('/api/auth/logout', { all: true })).status).toBe(204)
    expectError(await c.get('/api/me'), 401, 'session_revoked')
  })

  it('ends a held poll of a revoked session with 401 at once', async () => {
    const { client } = await registerUser(server)
    const other = cloneClient(server, client)
    const cursor = (await other.get('/api/poll')).body.data.cursor
    const held = other.get(`/api/poll?cursor=${cursor}&timeout=30`)
    await pollsHeld(server)
    expect((await client.post('/api/auth/logout', { all: true })).status).toBe(204)
    expectError(await held, 401, 'session_revoked')
  })

  it('401 without a session; 400 for a wrong type of all', async () => {
    expectError(await server.client().post('/api/auth/logout'), 401, 'not_signed_in')
    const { client } = await guest(server)
    expectError(await client.post('/api/auth/logout', { all: 'yes' }), 400, 'invalid_request')
    expectError(await client.post('/api/auth/logout', { everywhere: true }), 400, 'unknown_field')
  })
})

describe('password reset', () => {
  const resetTokenIn = (text: string) => new RegExp(`${PUBLIC_URL.replace(/[.:]/g, '\\$&')}/reset-password\\?token=([\\w-]+)`).exec(text)?.[1]

  it('answers 202 for unknown logins too, and emails nobody then', async () => {
    const { user, email } = await registerUser(server)
    const before = server.outbox().length
    const c = server.client()
    const unknown = await c.post('/api/auth/password-reset/request', { login: 'no-such-user@example.test' })
    expect(unknown.status).toBe(202)
    const known = await c.post('/api/auth/password-reset/request', { login: user.username })
    expect(known.status).toBe(202)
    expect(Object.keys(unknown.body.data)).toEqual(Object.keys(known.body.data))
    await waitForOutbox(server, (e) => e.to === email && /reset/i.test(e.subject ?? ''))
    expect(server.outbox().length).toBe(before + 1)
  })

  it('emails <PUBLIC_URL>/reset-password?token=…; the token sets a new password once and revokes the other sessions', async () => {
    const { client: other, user, email, password } = await registerUser(server)
    const resetter = server.client()
    expect((await resetter.post('/api/auth/login', { login: email, password })).status).toBe(200)
    expect((await resetter.post('/api/auth/password-reset/request', { login: email })).status).toBe(202)
    const [mail] = await waitForOutbox(server, (e) => e.to === email && /reset/i.test(e.subject ?? ''))
    const token = resetTokenIn(mail!.text)
    expect(token).toBeTruthy()
    expect((await resetter.post('/api/auth/password-reset', { token, password: 'a brand new password' })).status).toBe(204)
    expectError(await other.get('/api/me'), 401, 'session_revoked')
    expect((await resetter.get('/api/me')).status).toBe(200)
    expectError(await resetter.post('/api/auth/password-reset', { token, password: 'yet another password' }), 400, 'invalid_token')
    const c = server.client()
    expectError(await c.post('/api/auth/login', { login: user.username, password }), 401, 'invalid_credentials')
    expect((await c.post('/api/auth/login', { login: user.username, password: 'a brand new password' })).status).toBe(200)
  })

  it('a reset from a signed-out browser revokes every session', async () => {
    const { client, email } = await registerUser(server)
    await server.client().post('/api/auth/password-reset/request', { login: email })
    const [mail] = await waitForOutbox(server, (e) => e.to === email && /reset/i.test(e.subject ?? ''))
    expect((await server.client().post('/api/auth/password-reset', { token: resetTokenIn(mail!.text), password: 'fresh password' })).status).toBe(204)
    expectError(await client.get('/api/me'), 401, 'session_revoked')
  })

  it('a reset ends held polls of the revoked sessions with 401 at once', async () => {
    const { client, email } = await registerUser(server)
    const cursor = (await client.get('/api/poll')).body.data.cursor
    const held = client.get(`/api/poll?cursor=${cursor}&timeout=30`)
    await pollsHeld(server)
    await server.client().post('/api/auth/password-reset/request', { login: email })
    const [mail] = await waitForOutbox(server, (e) => e.to === email && /reset/i.test(e.subject ?? ''))
    expect((await server.client().post('/api/auth/password-reset', { token: resetTokenIn(mail!.text), password: 'fresh password' })).status).toBe(204)
    expectError(await held, 401, 'session_revoked')
  })

  it('a token expires after 1 h; unknown tokens and short passwords are refused', async () => {
    const { email } = await registerUser(server)
    await server.client().post('/api/auth/password-reset/request', { login: email })
    const [mail] = await waitForOutbox(server, (e) => e.to === email && /reset/i.test(e.subject ?? ''))
    const token = resetTokenIn(mail!.text)!
    const c = server.client()
    expectError(await c.post('/api/auth/password-reset', { token, password: 'short' }), 400, 'invalid_request')
    expectError(await c.post('/api/auth/password-reset', { token: 'made-up', password: 'long enough' }), 400, 'invalid_token')
    server.clock.advance(HOUR + 1000)
    expectError(await c.post('/api/auth/password-reset', { token, password: 'long enough' }), 400, 'invalid_token')
  })

  it('stores reset tokens only as hashes', async () => {
    const { email } = await registerUser(server)
    await server.client().post('/api/auth/password-reset/request', { login: email })
    const [mail] = await waitForOutbox(server, (e) => e.to === email && /reset/i.test(e.subject ?? ''))
    const token = resetTokenIn(mail!.text)!
    const dump = JSON.stringify(await inDb(server, 'select * from tokens'))
    expect(dump).not.toContain(token)
  })
})
