// Shared by the moderation and complaints tests: rooms with a cast of every rank, and events.
import { expect } from 'vitest'
import type { Client } from './helpers/client.js'
import type { TestServer } from './helpers/server.js'
import { guest, registerUser } from './helpers/users.js'

export type Who = { client: Client; user: { id: number } }
export type Ev = { id: string; type: string; data: any }

/** A server's first account (the site admin) and plain guests, cheap to sign in. */
export async function siteAdminOf(server: TestServer): Promise<Who> {
  const admin = await registerUser(server)
  expect(admin.user.role).toBe('admin')
  return admin
}
export const someone = (server: TestServer): Promise<Who> => guest(server)

export async function makeRoom(owner: Who): Promise<number> {
  const res = await owner.client.post('/api/rooms', { name: `room ${Math.random().toString(36).slice(2, 8)}` })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.room.id
}

export async function join(who: Who, roomId: number): Promise<void> {
  const res = await who.client.post(`/api/rooms/${roomId}/join`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
}

export async function promote(admin: Who, roomId: number, who: Who): Promise<void> {
  const res = await admin.client.post(`/api/rooms/${roomId}/moderators`, { user_id: who.user.id })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
}

/** A room owned by `admin` with a moderator and members joined (and the site admin, if given). */
export async function cast(admin: Who, moderators: Who[], members: Who[], siteAdmin?: Who): Promise<number> {
  const roomId = await makeRoom(admin)
  for (const w of [...moderators, ...members, ...(siteAdmin ? [siteAdmin] : [])]) await join(w, roomId)
  for (const m of moderators) await promote(admin, roomId, m)
  return roomId
}

export async function say(who: Who, roomId: number, text: string): Promise<number> {
  const res = await who.client.post(`/api/rooms/${roomId}/messages`, { text })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.message.id
}

export async function memberIds(who: Who, roomId: number): Promise<number[]> {
  const res = await who.client.get(`/api/rooms/${roomId}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data.room.members ?? []
}

export async function cursorOf(who: Who): Promise<string> {
  const res = await who.client.get('/api/poll')
  expect(res.status).toBe(200)
  return res.body.data.cursor
}

export async function eventsAfter(who: Who, cursor: string): Promise<Ev[]> {
  const res = await who.client.get(`/api/poll?cursor=${cursor}&timeout=0`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  // presence (ephemeral: each user comes online at its first poll) is presence.test.ts's.
  return (res.body.data.events as Ev[]).filter((e) => e.type !== 'presence')
}

/** The service objects of the service messages among the events. */
export const services = (events: Ev[]) =>
  events.filter((e) => e.type === 'message.created' && e.data.message.kind === 'service').map((e) => e.data.message.service)
