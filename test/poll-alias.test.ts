// API.md §10: GET /poll is GET /api/poll under a shorter path — the same handler and answers,
// through the fast path and through the router alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cursorOf } from './helpers/events.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest } from './helpers/users.js'

const servers: Record<string, TestServer> = {}
beforeAll(async () => {
  servers.fast = await startTestServer()
  servers.router = await startTestServer({}, undefined, { fastPaths: false })
})
afterAll(async () => {
  for (const s of Object.values(servers)) await s.close()
})

describe.each(['fast', 'router'])('GET /poll (%s)', (kind) => {
  it('without a cursor answers as /api/poll does: no events, a cursor, no-store, JSON', async () => {
    const { client } = await guest(servers[kind]!)
    const a = await client.get('/poll')
    const b = await client.get('/api/poll')
    expect(a.status).toBe(200)
    expect(a.body.data.events).toEqual([])
    // The same durable position (the part after '-' counts ephemeral events such as presence).
    expect(a.body.data.cursor.split('-')[0]).toBe(b.body.data.cursor.split('-')[0])
    for (const h of ['cache-control', 'content-type', 'x-content-type-options', 'referrer-policy']) expect(a.headers.get(h), h).toBe(b.headers.get(h))
  })

  it('holds with a cursor and is woken by an event, which /api/poll from the same cursor also gets', async () => {
    const { client } = await guest(servers[kind]!)
    const cursor = await cursorOf(client)
    const held = client.get(`/poll?cursor=${cursor}&timeout=30`)
    await new Promise((r) => setTimeout(r, 100))
    expect((await client.patch('/api/me', { nickname: 'short path' })).status).toBe(200)
    const res = await held
    expect(res.status).toBe(200)
    expect(res.body.data.events.filter((e: { type: string }) => e.type === 'user.updated').map((e: any) => e.data.user.nickname)).toEqual(['short path'])
    const same = await client.get(`/api/poll?cursor=${cursor}&timeout=0`)
    expect(same.body.data).toEqual(res.body.data)
  })

  it('answers the same errors: 401 signed out, 400 for a bad timeout or cursor, 405 for POST', async () => {
    const anon = servers[kind]!.client()
    expectError(await anon.get('/poll'), 401, 'not_signed_in')
    const { client } = await guest(servers[kind]!)
    expectError(await client.get('/poll?timeout=90'), 400, 'invalid_request')
    expectError(await client.get('/poll?cursor=nonsense&timeout=0'), 400, 'invalid_cursor')
    const post = await client.post('/poll')
    expectError(post, 405, 'method_not_allowed')
    expect(post.headers.get('allow')).toBe((await client.post('/api/poll')).headers.get('allow'))
    // Only the path itself is another name: below it is the web client's, as before.
    expect((await client.get('/poll/x')).headers.get('content-type')).toMatch(/^text\/html/)
  })
})
