// The newest page of a room is served from memory: every change to the room's messages must show
// at once, and a member who cleared the room still sees only what is theirs.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Client } from './helpers/client.js'
import type { TestServer } from './helpers/server.js'
import { expectError, guest } from './helpers/users.js'
import { cursorOf, eventsAfter } from './helpers/events.js'
import { roomWith, send, startRoomsServer } from './helpers/rooms.js'

let server: TestServer
beforeAll(async () => {
  server = await startRoomsServer()
})
afterAll(() => server.close())

const page = async (c: Client, roomId: number, query = '') => {
  const res = await c.get(`/api/rooms/${roomId}/messages${query}`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  return (res.body.data.items as { text: string | null; kind: string }[]).filter((m) => m.kind === 'user').map((m) => m.text)
}

describe('newest history page from memory', () => {
  it('shows a new message, a deletion and a service message at once, to every member', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const room = await roomWith(a.client, b.client)
    const first = await send(a.client, room.id, 'one')
    expect(await page(a.client, room.id)).toEqual(['one'])
    expect(await page(b.client, room.id)).toEqual(['one'])
    await send(b.client, room.id, 'two')
    expect(await page(a.client, room.id)).toEqual(['one', 'two'])
    expect((await a.client.delete(`/api/messages/${first.id}`)).status).toBe(204)
    expect(await page(b.client, room.id)).toEqual(['two'])
    const c = await guest(server)
    expect((await c.client.post(`/api/rooms/${room.id}/join`)).status).toBe(200)
    const all = (await a.client.get(`/api/rooms/${room.id}/messages`)).body.data.items as { service: { type: string } | null }[]
    expect(all.at(-1)!.service?.type).toBe('joined')
  })

  it('a member who cleared the room sees only what came after, while others see the page', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const room = await roomWith(a.client, b.client)
    await send(a.client, room.id, 'before')
    expect(await page(b.client, room.id)).toEqual(['before'])
    expect((await b.client.post(`/api/rooms/${room.id}/clear`)).status).toBe(204)
    expect(await page(b.client, room.id)).toEqual([])
    expect(await page(a.client, room.id)).toEqual(['before'])
    await send(a.client, room.id, 'after')
    expect(await page(b.client, room.id)).toEqual(['after'])
    expect(await page(a.client, room.id)).toEqual(['before', 'after'])
  })

  it('a member reads the newest page from memory, the database asked nothing; leaving, a kick and a clear show at once', async () => {
    const [a, b, c] = [await guest(server), await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client, c.client)
    await send(a.client, room.id, 'hello')
    expect(await page(b.client, room.id)).toEqual(['hello'])
    const queries = vi.spyOn(server.deps.db.getExecutor(), 'executeQuery')
    try {
      expect(await page(b.client, room.id)).toEqual(['hello'])
      expect(await page(c.client, room.id)).toEqual(['hello'])
      expect(queries).not.toHaveBeenCalled()
    } finally {
      queries.mockRestore()
    }
    expect((await b.client.post(`/api/rooms/${room.id}/leave`)).status).toBe(204)
    expectError(await b.client.get(`/api/rooms/${room.id}/messages`), 403, 'not_member')
    expect((await a.client.post(`/api/rooms/${room.id}/kick`, { user_id: c.user.id })).status).toBe(204)
    expectError(await c.client.get(`/api/rooms/${room.id}/messages`), 403, 'not_member')
    expect((await a.client.post(`/api/rooms/${room.id}/clear`)).status).toBe(204)
    expect(await page(a.client, room.id)).toEqual([])
    expect((await b.client.post(`/api/rooms/${room.id}/join`)).status).toBe(200)
    expect(await page(b.client, room.id)).toEqual(['hello'])
  })

  it('pages of other sizes and older pages are answered apart from the newest page', async () => {
    const a = await guest(server)
    const room = await roomWith(a.client)
    for (const t of ['m1', 'm2', 'm3']) await send(a.client, room.id, t)
    expect(await page(a.client, room.id, '?limit=2')).toEqual(['m2', 'm3'])
    expect(await page(a.client, room.id)).toEqual(['m1', 'm2', 'm3'])
    await send(a.client, room.id, 'm4')
    expect(await page(a.client, room.id, '?limit=2')).toEqual(['m3', 'm4'])
  })

  it('a send reaches the members of the moment: joins, leaves, kicks after earlier sends count at once', async () => {
    const a = await guest(server)
    const b = await guest(server)
    const c = await guest(server)
    const room = await roomWith(a.client, b.client)
    const texts = async (client: Client, cursor: string) =>
      (await eventsAfter(client, cursor, 'message.created')).map((e) => e.data.message).filter((m) => m.kind === 'user').map((m) => m.text)
    const [cb, cc] = await Promise.all([cursorOf(b.client), cursorOf(c.client)])
    await send(a.client, room.id, 'to a and b') // the member list is now in memory
    expect((await c.client.post(`/api/rooms/${room.id}/join`)).status).toBe(200)
    await send(a.client, room.id, 'to a, b and c')
    expect((await b.client.post(`/api/rooms/${room.id}/leave`)).status).toBe(204)
    await send(a.client, room.id, 'to a and c')
    expect((await a.client.post(`/api/rooms/${room.id}/kick`, { user_id: c.user.id })).status).toBe(204)
    await send(a.client, room.id, 'to a alone')
    expect(await texts(b.client, cb)).toEqual(['to a and b', 'to a, b and c'])
    expect(await texts(c.client, cc)).toEqual(['to a, b and c', 'to a and c'])
  })
})
