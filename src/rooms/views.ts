// The room mapper: the public view every signed-in user may see, and the fuller view by role.
import { iso } from '../time.js'
import type { Q, RoomRow } from '../db/schema.js'
import type { MemberRow } from './access.js'

/** What anyone may know about a room (also the data of room.created / room.updated). */
export interface Room {
  id: number
  name: string
  topic: string | null
  is_private: boolean
  max_users: number
  admin_id: number | null
  member_count: number
  created_at: string
  last_activity_at: string
}

export interface RoomView extends Room {
  joined: boolean
  /** Members only. */
  members?: number[]
  moderators?: number[]
  silenced?: Record<string, string>
  /** Moderators and the admin only. */
  banned?: number[]
}

export function toRoom(row: RoomRow): Room {
  return {
    id: row.id,
    name: row.name,
    topic: row.topic,
    is_private: row.password_hash !== null,
    max_users: row.max_users,
    admin_id: row.admin_id,
    member_count: row.member_count,
    created_at: iso(row.created_at),
    last_activity_at: iso(row.last_activity_at),
  }
}

/** The room as `member` (the viewer's membership row, if any) may see it at `now`. */
export async function roomView(db: Q, row: RoomRow, member: MemberRow | undefined, now: number): Promise<RoomView> {
  const view: RoomView = { ...toRoom(row), joined: member !== undefined }
  if (!member) return view
  const members = await db
    .selectFrom('room_members')
    .select('user_id')
    .where('room_id', '=', row.id)
    .orderBy('joined_at')
    .orderBy('user_id')
    .execute()
  const moderators = await db
    .selectFrom('room_members')
    .select('user_id')
    .where('room_id', '=', row.id)
    .where('role', '=', 'moderator')
    .orderBy('moderator_since')
    .orderBy('user_id')
    .execute()
  const silences = await db
    .selectFrom('room_silences')
    .select(['user_id', 'until'])
    .where('room_id', '=', row.id)
    .where('until', '>', now)
    .orderBy('user_id')
    .execute()
  view.members = members.map((m) => m.user_id)
  view.moderators = moderators.map((m) => m.user_id)
  view.silenced = Object.fromEntries(silences.map((s) => [String(s.user_id), iso(s.until)]))
  if (member.role === 'admin' || member.role === 'moderator') {
    const bans = await db.selectFrom('room_bans').select('user_id').where('room_id', '=', row.id).orderBy('user_id').execute()
    view.banned = bans.map((b) => b.user_id)
  }
  return view
}

/** Which of roomIds userId has joined. */
export async function joinedAmong(db: Q, userId: number, roomIds: readonly number[]): Promise<Set<number>> {
  if (roomIds.length === 0) return new Set()
  const rows = await db.selectFrom('room_members').select('room_id').where('user_id', '=', userId).where('room_id', 'in', roomIds).execute()
  return new Set(rows.map((r) => r.room_id))
}
