// API.md §6: GET /api/direct-messages and its filters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, registerUser } from './helpers/users.js'

type Who = { client: Client; user: { id: number } }

let server: TestServer
let me: Who, b: Who, c: Who
const sent: Record<string, number> = {}

async function dm(from: Who, to: Who, text: string) {
  const res = await from.client.post(`/api/dialogs/${to.user.id}/messages`, { text })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  sent[text] = res.body.data.message.id
}

async function list(query = '') {
  const res = await me.client.get(`/api/direct-messages${query}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data
}
const texts = (data: { items: { text: string }[] }) => data.items.map((m) => m.text)

beforeAll(async () => {
  server = await startTestServer()
  await registerUser(server) // site admin
  ;[me, b, c] = [await registerUser(server), await registerUser(server), await registerUser(server)]
  await dm(b, me, 'b1')
  await dm(c, me, 'c1')
  await dm(me, b, 'to b 1')
  await dm(b, me, 'b2')
  await dm(me, c, 'to c 1')
  await dm(b, c, 'not mine')
  await dm(c, me, 'c2')
})
afterAll(() => server.close())

describe('GET /api/direct-messages', () => {
  it('lists the messages I received, newest first, never others’ or my own', async () => {
    const data = await list()
    expect(texts(data)).toEqual(['c2', 'b2', 'c1', 'b1'])
    expect(data.has_more).toBe(false)
    expect(data.items[0]).toMatchObject({ recipient_id: me.user.id, author_id: c.user.id, room_id: null })
  })

  it('from narrows to one author; to lists what I sent to one user', async () => {
    expect(texts(await list(`?from=${b.user.id}`))).toEqual(['b2', 'b1'])
    expect(texts(await list(`?to=${b.user.id}`))).toEqual(['to b 1'])
    expect(texts(await list(`?to=${c.user.id}`))).toEqual(['to c 1'])
    expect(texts(await list('?from=99999999'))).toEqual([])
  })

  it('unread_only and count_only', async () => {
    expect(await list('?count_only=true')).toEqual({ count: 4 })
    expect(await list(`?count_only=true&from=${c.user.id}`)).toEqual({ count: 2 })
    expect((await me.client.post(`/api/dialogs/${b.user.id}/read`, {})).status).toBe(204)
    expect(texts(await list('?unread_only=true'))).toEqual(['c2', 'c1'])
    expect(await list('?unread_only=true&count_only=true')).toEqual({ count: 2 })
    expect(await list(`?unread_only=1&count_only=1&from=${b.user.id}`)).toEqual({ count: 0 })
    // What I sent and c has not read yet.
    expect(await list(`?to=${c.user.id}&unread_only=true&count_only=true`)).toEqual({ count: 1 })
    expect(await list('?count_only=false&limit=1')).toMatchObject({ has_more: true })
  })

  it('pages with limit/offset', async () => {
    const first = await list('?limit=3')
    expect(texts(first)).toEqual(['c2', 'b2', 'c1'])
    expect(first.has_more).toBe(true)
    const rest = await list('?limit=3&offset=3')
    expect(texts(rest)).toEqual(['b1'])
    expect(rest.has_more).toBe(false)
  })

  it('400 conflicting_filters when both from and to are given; 400 for values out of range', async () => {
    expectError(await me.client.get(`/api/direct-messages?from=${b.user.id}&to=${c.user.id}`), 400, 'conflicting_filters')
    expectError(await me.client.get('/api/direct-messages?limit=500'), 400, 'invalid_request')
    expectError(await me.client.get('/api/direct-messages?offset=-1'), 400, 'invalid_request')
    expectError(await me.client.get('/api/direct-messages?unread_only=maybe'), 400, 'invalid_request')
    expectError(await me.client.get('/api/direct-messages?from=zero'), 400, 'invalid_request')
    expectError(await server.client().get('/api/direct-messages'), 401, 'not_signed_in')
  })

  it('messages I cleared are not listed (the sender still sees theirs)', async () => {
    const [x, y] = [await registerUser(server), await registerUser(server)]
    await x.client.post(`/api/dialogs/${y.user.id}/messages`, { text: 'cleared soon' })
    expect((await y.client.post(`/api/dialogs/${x.user.id}/clear`, {})).status).toBe(204)
    expect((await y.client.get('/api/direct-messages')).body.data.items).toEqual([])
    expect((await x.client.get(`/api/direct-messages?to=${y.user.id}`)).body.data.items.length).toBe(1)
    await x.client.post(`/api/dialogs/${y.user.id}/messages`, { text: 'new one' })
    expect(texts((await y.client.get('/api/direct-messages')).body.data)).toEqual(['new one'])
  })
})
