// The moderation and complaints tests' cast: a room with someone of every rank.
import { expect } from 'vitest'
import type { Client } from './client.js'
import { join, makeRoom } from './rooms.js'
import type { TestServer } from './server.js'
import { guest, registerUser } from './users.js'

export type Who = { client: Client; user: { id: number } }

/** A server's first account (the site admin) and plain guests, cheap to sign in. */
export async function siteAdminOf(server: TestServer): Promise<Who> {
  const admin = await registerUser(server)
  expect(admin.user.role).toBe('admin')
  return admin
}
export const someone = (server: TestServer): Promise<Who> => guest(server)

export async function promote(admin: Who, roomId: number, who: Who): Promise<void> {
  const res = await admin.client.post(`/api/rooms/${roomId}/moderators`, { user_id: who.user.id })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
}

/** A room owned by `admin` with a moderator and members joined (and the site admin, if given). */
export async function cast(admin: Who, moderators: Who[], members: Who[], siteAdmin?: Who): Promise<number> {
  const roomId = (await makeRoom(admin.client)).id
  for (const w of [...moderators, ...members, ...(siteAdmin ? [siteAdmin] : [])]) await join(w.client, roomId)
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
