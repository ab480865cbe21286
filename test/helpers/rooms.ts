// Rooms through the API: a server for the room tests, rooms, members and messages.
import { expect } from 'vitest'
import type { Client } from './client.js'
import { startTestServer, type TestServer } from './server.js'
import { guest } from './users.js'

/** Many guests sign in from one IP in these tests: the sign-in limit is off. */
export const startRoomsServer = (env: Record<string, string> = {}) => startTestServer({ SIGNIN_RATE_LIMIT: '0', ...env })

export async function makeRoom(client: Client, body: Record<string, unknown> = {}) {
  const res = await client.post('/api/rooms', { name: `room ${Math.random().toString(36).slice(2, 8)}`, ...body })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.room as { id: number; name: string; admin_id: number; [k: string]: unknown }
}

export async function join(client: Client, roomId: number, body?: Record<string, unknown>) {
  const res = await client.post(`/api/rooms/${roomId}/join`, body)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data.room
}

/** A room made by the first client with the others joined. */
export async function roomWith(owner: Client, ...others: Client[]) {
  const room = await makeRoom(owner)
  for (const c of others) await join(c, room.id)
  return room
}

export async function send(client: Client, roomId: number, text: string, extra: Record<string, unknown> = {}) {
  const res = await client.post(`/api/rooms/${roomId}/messages`, { text, ...extra })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.message as { id: number; text: string; [k: string]: unknown }
}

export async function guests(server: TestServer, n: number) {
  const out = []
  for (let i = 0; i < n; i++) out.push(await guest(server))
  return out
}
