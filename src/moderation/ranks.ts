// API.md §5's rank rule: site admin > room admin > moderator > member, and an actor acts only on
// a lower rank. One place computes a user's rank in a room so every action applies the same rule.
import type { Q, RoomRow } from '../db/schema.js'
import { forbidden, notFound } from '../errors.js'

export const RANK = { outsider: 0, member: 1, moderator: 2, room_admin: 3, site_admin: 4 } as const
export type Rank = (typeof RANK)[keyof typeof RANK]

export type RoomRole = 'admin' | 'moderator' | 'member'

/** The rank of a user from their site role and their membership (undefined: not a member). */
export function rankOf(siteRole: 'user' | 'admin', role: RoomRole | undefined): Rank {
  if (siteRole === 'admin') return RANK.site_admin
  if (role === 'admin') return RANK.room_admin
  if (role === 'moderator') return RANK.moderator
  if (role === 'member') return RANK.member
  return RANK.outsider
}

/** May an actor of this rank act on a target of that rank? Only on a strictly lower one. */
export function outranks(actor: Rank, target: Rank): boolean {
  return actor > target
}

export type Standing = { userId: number; rank: Rank; role: RoomRole | undefined; live: boolean }

/** A user's standing in a room: their rank, their room role (if a member), and whether they exist. */
export async function standingIn(db: Q, roomId: number, userId: number): Promise<Standing> {
  const user = await db.selectFrom('users').select(['role', 'deleted_at']).where('id', '=', userId).executeTakeFirst()
  const member = await db.selectFrom('room_members').select('role').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst()
  const live = user !== undefined && user.deleted_at === null
  return { userId, rank: rankOf(live ? user.role : 'user', member?.role), role: member?.role, live }
}

export async function requireRoom(db: Q, roomId: number): Promise<RoomRow> {
  const row = await db.selectFrom('rooms').selectAll().where('id', '=', roomId).executeTakeFirst()
  if (!row) throw notFound('room')
  return row
}

/** The actor must be staff here: a moderator, the room admin, or a site admin. */
export async function requireStaff(db: Q, roomId: number, actorId: number): Promise<Standing> {
  const actor = await standingIn(db, roomId, actorId)
  if (actor.rank < RANK.moderator) throw forbidden("Only the room's moderators and admin may do that.")
  return actor
}

/** Moderators are managed by the room admin only (API.md §5), not by a site admin outside that role. */
export async function requireRoomAdmin(db: Q, room: RoomRow, actorId: number): Promise<Standing> {
  const actor = await standingIn(db, room.id, actorId)
  if (actor.role !== 'admin' || room.admin_id !== actorId) throw forbidden("Only the room's admin manages its moderators.")
  return actor
}

/** The rule itself: 403 unless the actor outranks the target. */
export function requireOutranks(actor: Standing, target: Standing): void {
  if (!outranks(actor.rank, target.rank)) throw forbidden('You may act only on members of a lower rank.')
}
