import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

describe('foundation smoke', () => {
  it('registers, verifies, logs in and reads /api/me; the first account is admin', async () => {
    const { client, user } = await registerUser(server, 'alice')
    expect(user.role).toBe('admin')
    const me = await client.get('/api/me')
    expect(me.status).toBe(200)
    expect(me.body.data.user).toMatchObject({ username: 'alice', email: 'alice@example.test', balance: 0 })
  })
  it('answers unknown paths 404 and wrong methods 405 in the error shape', async () => {
    const c = server.client()
    expectError(await c.get('/api/nope'), 404, 'not_found')
    expectError(await c.request('PUT', '/api/auth/login'), 405, 'method_not_allowed')
  })
  it('a guest polls: no cursor gives one, a held poll ends with events', async () => {
    const { client } = await guest(server)
    const first = await client.get('/api/poll')
    expect(first.status).toBe(200)
    expect(first.headers.get('cache-control')).toBe('no-store')
    expect(first.body.data.events).toEqual([])
    const empty = await client.get(`/api/poll?cursor=${first.body.data.cursor}&timeout=0`)
    expect(empty.body.data.events).toEqual([])
    expectError(await client.get('/api/poll?cursor=garbage'), 400, 'invalid_cursor')
    expectError(await client.get('/api/poll?timeout=90'), 400, 'invalid_request')
  })
})
