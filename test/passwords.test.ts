// API.md §13: scrypt at N=2^17, r=8, p=1 by default, off the event loop; older hashes upgraded at
// the next successful sign-in; taken names refused before any hashing. (The other test files
// run with PASSWORD_HASH_COST=10 for speed; this one checks what the default really is.)
import { afterAll, describe, expect, it, vi } from 'vitest'
import * as crypto from '../src/accounts/crypto.js'
import { ConfigError, loadConfig } from '../src/config.js'
import { inDb, waitForOutbox } from './helpers/accounts.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, registerUser } from './helpers/users.js'

// Counts the hashes the server computes, computing them for real.
vi.mock('../src/accounts/crypto.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/accounts/crypto.js')>()
  return { ...real, hashPassword: vi.fn(real.hashPassword) }
})

const servers: TestServer[] = []
afterAll(() => Promise.all(servers.map((s) => s.close())))

const hashOf = async (s: TestServer, userId: number) => (await inDb<{ password_hash: string }>(s, 'select password_hash from users where id = ?', [userId]))[0]!.password_hash

describe('the default cost', () => {
  it('is N=2^17, r=8, p=1, computed off the event loop; production refuses less', async () => {
    const config = loadConfig({ DATA_DIR: '/tmp/parley-unused', SECRET_KEY: 'x'.repeat(40) })
    expect(config.passwordHashCost).toBe(17)
    let turned = false
    setImmediate(() => void (turned = true))
    const hashing = crypto.hashPassword('correct horse battery', config.passwordHashCost).then((h) => ({ h, turnedBefore: turned }))
    const { h, turnedBefore } = await hashing
    // The event loop went on while scrypt ran in libuv's pool.
    expect(turnedBefore).toBe(true)
    expect(h).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
    expect(await crypto.verifyPassword('correct horse battery', h, 17)).toBe(true)
    expect(await crypto.verifyPassword('correct horse batterY', h, 17)).toBe(false)
    expect(() => loadConfig({ DATA_DIR: '/tmp/parley-unused', SECRET_KEY: 'x'.repeat(40), NODE_ENV: 'production', PASSWORD_HASH_COST: '16' })).toThrow(ConfigError)
    expect(loadConfig({ DATA_DIR: '/tmp/parley-unused', SECRET_KEY: 'x'.repeat(40), NODE_ENV: 'production', PASSWORD_HASH_COST: '18' }).passwordHashCost).toBe(18)
  }, 30_000)
})

describe('older hashes', () => {
  it('are upgraded to the configured cost at the next successful sign-in, and only then', async () => {
    const weak = await startTestServer({ PASSWORD_HASH_COST: '10' })
    const { user, password } = await registerUser(weak)
    expect(await hashOf(weak, user.id)).toMatch(/^scrypt\$1024\$8\$1\$/)
    await weak.stop()
    // The same data, now served at the default cost.
    const strong = await startTestServer({ PASSWORD_HASH_COST: '17' }, { dataDir: weak.dataDir, clock: weak.clock, database: weak.database })
    servers.push(strong)
    const old = await hashOf(strong, user.id)
    expectError(await strong.client().post('/api/auth/login', { login: user.username, password: 'not the password' }), 401, 'invalid_credentials')
    expect(await hashOf(strong, user.id)).toBe(old)
    expect((await strong.client().post('/api/auth/login', { login: user.username, password })).status).toBe(200)
    const upgraded = await hashOf(strong, user.id)
    expect(upgraded).toMatch(/^scrypt\$131072\$8\$1\$/)
    // The password is the same; the next sign-in does not hash again.
    const before = vi.mocked(crypto.hashPassword).mock.calls.length
    expect((await strong.client().post('/api/auth/login', { login: user.username, password })).status).toBe(200)
    expect(vi.mocked(crypto.hashPassword).mock.calls.length).toBe(before)
    expect(await hashOf(strong, user.id)).toBe(upgraded)
  }, 60_000)
})

describe('registration', () => {
  it('a taken username or email is refused before any password is hashed', async () => {
    const s = await startTestServer()
    servers.push(s)
    const { user, email } = await registerUser(s)
    const calls = () => vi.mocked(crypto.hashPassword).mock.calls.length
    const before = calls()
    const c = s.client()
    expectError(await c.post('/api/auth/register', { username: user.username.toUpperCase(), email: 'other@example.test', password: 'long enough' }), 409, 'username_taken')
    expectError(await c.post('/api/auth/register', { username: 'someone_else', email, password: 'long enough' }), 409, 'email_taken')
    expect(calls()).toBe(before)
    expect((await c.post('/api/auth/register', { username: 'someone_else', email: 'else@example.test', password: 'long enough' })).status).toBe(201)
    expect(calls()).toBe(before + 1)
  })

  it('a password reset with a made-up or used token is refused before any hashing', async () => {
    const s = await startTestServer()
    servers.push(s)
    const { email } = await registerUser(s)
    const calls = () => vi.mocked(crypto.hashPassword).mock.calls.length
    const before = calls()
    const c = s.client()
    expectError(await c.post('/api/auth/password-reset', { token: 'x'.repeat(43), password: 'a new password' }), 400, 'invalid_token')
    expect(calls()).toBe(before)
    expect((await c.post('/api/auth/password-reset/request', { login: email })).status).toBe(202)
    const token = /token=([\w-]+)/.exec((await waitForOutbox(s, (e) => e.to === email && e.subject === 'Reset your Parley password'))[0]!.text)![1]!
    expect((await c.post('/api/auth/password-reset', { token, password: 'a new password' })).status).toBe(204)
    expect(calls()).toBe(before + 1)
    expectError(await c.post('/api/auth/password-reset', { token, password: 'another password' }), 400, 'invalid_token')
    expect(calls()).toBe(before + 1)
  })
})
