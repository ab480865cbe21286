// Lookups every room route starts from: the room (404), the caller's membership (403), bans, silences.
import type { Selectable } from 'kysely'
import { ApiError, notFound } from '../errors.js'
import { iso } from '../time.js'
import { prepared } from '../db/prepared.js'
import type { Q, RoomMemberTable, RoomRow } from '../db/schema.js'

export type MemberRow = Selectable<RoomMemberTable>

// Prepared: every room route starts from these lookups.
const roomById = prepared((db, v: { roomId: number }) => db.selectFrom('rooms').selectAll().where('id', '=', v.roomId))
const memberOf = prepared((db, v: { roomId: number; userId: number }) =>
  db.selectFrom('room_members').selectAll().where('room_id', '=', v.roomId).where('user_id', '=', v.userId),
)
const roomAndMember = prepared((db, v: { roomId: number; userId: number }) =>
  db
    .selectFrom('rooms')
    .leftJoin('room_members as m', (j) => j.onRef('m.room_id', '=', 'rooms.id').on('m.user_id', '=', v.userId))
    .select(['rooms.id', 'm.user_id', 'm.cleared_up_to'])
    .where('rooms.id', '=', v.roomId),
)
const silenceOf = prepared((db, v: { roomId: number; userId: number; now: number }) =>
  db.selectFrom('room_silences').select('until').where('room_id', '=', v.roomId).where('user_id', '=', v.userId).where('until', '>', v.now),
)

export async function requireRoom(db: Q, roomId: number): Promise<RoomRow> {
  const row = await roomById.first(db, { roomId })
  if (!row) throw notFound('room')
  return row
}

export async function findMember(db: Q, roomId: number, userId: number): Promise<MemberRow | undefined> {
  return memberOf.first(db, { roomId, userId })
}

export const notMember = () => new ApiError('not_member', 'Join the room first.')

export async function requireMember(db: Q, roomId: number, userId: number): Promise<MemberRow> {
  const member = await findMember(db, roomId, userId)
  if (!member) throw notMember()
  return member
}

/** Room (404) and the caller's membership (403) in one query: for the hottest read, history. */
export async function requireRoomMember(db: Q, roomId: number, userId: number): Promise<{ cleared_up_to: number }> {
  const row = await roomAndMember.first(db, { roomId, userId })
  if (!row) throw notFound('room')
  if (row.user_id === null || row.cleared_up_to === null) throw notMember()
  return { cleared_up_to: row.cleared_up_to }
}

export async function isBanned(db: Q, roomId: number, userId: number): Promise<boolean> {
  const row = await db.selectFrom('room_bans').select('user_id').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst()
  return row !== undefined
}

export const bannedError = () => new ApiError('banned', 'You are banned from this room.')

/** 403 silenced, with the silence's end (epoch ms) as details.until. */
export const silencedError = (until: number) => new ApiError('silenced', `You are silenced in this room until ${iso(until)}.`, { until: iso(until) })

/** The end of userId's silence in roomId (epoch ms) if one is still running at `now`. */
export async function activeSilence(db: Q, roomId: number, userId: number, now: number): Promise<number | undefined> {
  const row = await silenceOf.first(db, { roomId, userId, now })
  return row?.until
}

/** The newest message id in the room, deleted or not (0 for an empty room): the "latest" of read and clear. */
export async function latestMessageId(db: Q, roomId: number): Promise<number> {
  const row = await db.selectFrom('messages').select((eb) => eb.fn.max('id').as('max')).where('room_id', '=', roomId).executeTakeFirst()
  return Number(row?.max ?? 0)
}
