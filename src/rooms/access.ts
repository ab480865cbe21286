// Lookups every room route starts from: the room (404), the caller's membership (403), bans, silences.
import type { Selectable } from 'kysely'
import { ApiError, notFound } from '../errors.js'
import type { Q, RoomMemberTable, RoomRow } from '../db/schema.js'

export type MemberRow = Selectable<RoomMemberTable>

export async function requireRoom(db: Q, roomId: number): Promise<RoomRow> {
  const row = await db.selectFrom('rooms').selectAll().where('id', '=', roomId).executeTakeFirst()
  if (!row) throw notFound('room')
  return row
}

export async function findMember(db: Q, roomId: number, userId: number): Promise<MemberRow | undefined> {
  return db.selectFrom('room_members').selectAll().where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst()
}

export const notMember = () => new ApiError('not_member', 'Join the room first.')

export async function requireMember(db: Q, roomId: number, userId: number): Promise<MemberRow> {
  const member = await findMember(db, roomId, userId)
  if (!member) throw notMember()
  return member
}

/** Room (404) and the caller's membership (403) in one query: for the hottest read, history. */
export async function requireRoomMember(db: Q, roomId: number, userId: number): Promise<{ cleared_up_to: number }> {
  const row = await db
    .selectFrom('rooms')
    .leftJoin('room_members as m', (j) => j.onRef('m.room_id', '=', 'rooms.id').on('m.user_id', '=', userId))
    .select(['rooms.id', 'm.user_id', 'm.cleared_up_to'])
    .where('rooms.id', '=', roomId)
    .executeTakeFirst()
  if (!row) throw notFound('room')
  if (row.user_id === null || row.cleared_up_to === null) throw notMember()
  return { cleared_up_to: row.cleared_up_to }
}

export async function isBanned(db: Q, roomId: number, userId: number): Promise<boolean> {
  const row = await db.selectFrom('room_bans').select('user_id').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst()
  return row !== undefined
}

export const bannedError = () => new ApiError('banned', 'You are banned from this room.')

/** The end of userId's silence in roomId (epoch ms) if one is still running at `now`. */
export async function activeSilence(db: Q, roomId: number, userId: number, now: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('room_silences')
    .select('until')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .where('until', '>', now)
    .executeTakeFirst()
  return row?.until
}

/** The newest message id in the room, deleted or not (0 for an empty room): the "latest" of read and clear. */
export async function latestMessageId(db: Q, roomId: number): Promise<number> {
  const row = await db.selectFrom('messages').select((eb) => eb.fn.max('id').as('max')).where('room_id', '=', roomId).executeTakeFirst()
  return Number(row?.max ?? 0)
}
