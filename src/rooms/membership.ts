// The rows of room membership: joining and leaving (with API.md §4's admin hand-over), a room's
// creator, a room's removal. Used by create, join, add member, leave, kick/ban, delete and account
// deletion, inside store.transaction. Every insert or delete of `room_members`, and every clear of
// a member's history, is here, and drops the room's cached member list (rooms/caches.ts); every
// join and leave bumps rooms.members_version, which tells another process its copy is stale.
import { sql } from 'kysely'
import type { AppDeps } from '../deps.js'
import { isPostgres } from '../db/dialect.js'
import { prepared } from '../db/prepared.js'
import type { Q, RoomRow, Trx } from '../db/schema.js'
import { postServiceMessage } from '../messages/messages.js'
import { latestMessageId } from './access.js'
import { RoomMembers } from './caches.js'
import { toRoom } from './views.js'

type MemberDeps = Pick<AppDeps, 'clock' | 'events' | 'caches'>

// Prepared: read whenever a room's cached list was dropped. Two strings of ids instead of a row
// per member: far cheaper for a room of many (README, Benchmarks).
const membersOf = prepared((db, v: { roomId: number }) => {
  const ids = (cleared: boolean) => {
    const id = cleared ? sql`case when cleared_up_to > 0 then user_id end` : sql`user_id`
    return isPostgres(db) ? sql<string | null>`string_agg((${id})::text, ',')` : sql<string | null>`group_concat(${id})`
  }
  return db
    .selectFrom('room_members')
    .select((eb) => [ids(false).as('ids'), ids(true).as('cleared'), eb.selectFrom('rooms').select('members_version').where('id', '=', v.roomId).as('version')])
    .where('room_id', '=', v.roomId)
})
const idList = (column: string | null | undefined): number[] => (column ? column.split(',').map(Number) : [])

/** The room's members now, as `db` sees them (a transaction: with its own writes). */
export async function readRoomMembers(db: Q, roomId: number): Promise<RoomMembers> {
  const row = await membersOf.first(db, { roomId })
  return new RoomMembers(idList(row?.ids), idList(row?.cleared), Number(row?.version ?? -1))
}

/** Tells everyone the room's admin changed (hand-over, or an admin-less room's next joiner). */
async function announceAdmin(deps: MemberDeps, trx: Trx, roomId: number): Promise<void> {
  const row = await trx.selectFrom('rooms').selectAll().where('id', '=', roomId).executeTakeFirstOrThrow()
  await deps.events.publish(trx, 'room.updated', { room: toRoom(row) }, 'everyone')
}

/**
 * Adds userId to the room (the caller has checked bans and capacity). The next to join a room
 * without admin becomes its admin. History before joining counts as read.
 */
export async function insertMember(deps: MemberDeps, trx: Trx, room: RoomRow, userId: number): Promise<void> {
  const becomesAdmin = room.admin_id === null
  deps.caches.invalidate(trx, 'members', room.id)
  await trx
    .insertInto('room_members')
    .values({
      room_id: room.id,
      user_id: userId,
      role: becomesAdmin ? 'admin' : 'member',
      joined_at: deps.clock.now(),
      moderator_since: null,
      last_read_id: await latestMessageId(trx, room.id),
    })
    .execute()
  await trx
    .updateTable('rooms')
    .set((eb) => ({ member_count: eb('member_count', '+', 1), members_version: eb('members_version', '+', 1), ...(becomesAdmin && { admin_id: userId }) }))
    .where('id', '=', room.id)
    .execute()
  if (becomesAdmin) await announceAdmin(deps, trx, room.id)
}

/**
 * Removes userId from roomId (no-op if not a member). When the admin leaves, the room goes to the
 * earliest-appointed moderator, else the earliest-joined member; an empty room keeps no admin.
 * Returns whether a membership was removed.
 */
export async function removeMember(deps: MemberDeps, trx: Trx, roomId: number, userId: number): Promise<boolean> {
  deps.caches.invalidate(trx, 'members', roomId)
  const gone = await trx.deleteFrom('room_members').where('room_id', '=', roomId).where('user_id', '=', userId).returning('role').executeTakeFirst()
  if (!gone) return false
  await trx
    .updateTable('rooms')
    .set((eb) => ({ member_count: eb('member_count', '-', 1), members_version: eb('members_version', '+', 1) }))
    .where('id', '=', roomId)
    .execute()
  const room = await trx.selectFrom('rooms').select('admin_id').where('id', '=', roomId).executeTakeFirstOrThrow()
  if (room.admin_id === userId) {
    const heir = await trx
      .selectFrom('room_members')
      .select('user_id')
      .where('room_id', '=', roomId)
      .orderBy((eb) => eb.case().when('role', '=', 'moderator').then(0).else(1).end())
      .orderBy('moderator_since')
      .orderBy('joined_at')
      .orderBy('user_id')
      .executeTakeFirst()
    await trx.updateTable('rooms').set({ admin_id: heir?.user_id ?? null }).where('id', '=', roomId).execute()
    if (heir) {
      await trx
        .updateTable('room_members')
        .set({ role: 'admin', moderator_since: null })
        .where('room_id', '=', roomId)
        .where('user_id', '=', heir.user_id)
        .execute()
    }
    await announceAdmin(deps, trx, roomId)
  }
  return true
}

/**
 * A member leaves of their own accord: removed (with hand-over), and a `left` service message
 * goes to the remaining members and to the leaver's own sessions. False if not a member.
 */
export async function leaveRoom(deps: MemberDeps, trx: Trx, roomId: number, userId: number): Promise<boolean> {
  if (!(await removeMember(deps, trx, roomId, userId))) return false
  await postServiceMessage(deps, trx, roomId, { type: 'left', user_id: userId, actor_id: userId }, [userId])
  return true
}

/** Account deletion: the user leaves every room (with hand-over and `left` messages). */
export async function leaveAllRooms(deps: MemberDeps, trx: Trx, userId: number): Promise<number[]> {
  const rooms = await trx.selectFrom('room_members').select('room_id').where('user_id', '=', userId).orderBy('room_id').execute()
  for (const r of rooms) await leaveRoom(deps, trx, r.room_id, userId)
  return rooms.map((r) => r.room_id)
}

/** A new room's first member: its creator, as its admin. */
export async function insertCreator(deps: MemberDeps, trx: Trx, roomId: number, userId: number, now: number): Promise<void> {
  deps.caches.invalidate(trx, 'members', roomId)
  await trx.insertInto('room_members').values({ room_id: roomId, user_id: userId, role: 'admin', joined_at: now, moderator_since: null }).execute()
}

/** Hides the room's history up to upTo for userId alone (their read mark moves up to it too). */
export async function clearHistory(deps: MemberDeps, trx: Trx, roomId: number, userId: number, upTo: number, lastReadId: number): Promise<void> {
  deps.caches.invalidate(trx, 'members', roomId)
  await trx
    .updateTable('room_members')
    .set({ cleared_up_to: upTo, last_read_id: Math.max(lastReadId, upTo) })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .execute()
}

/** Deletes a room with its members, bans, silences, messages (cascades) and the complaints about them. */
export async function removeRoom(deps: MemberDeps, trx: Trx, roomId: number): Promise<void> {
  // Complaints point at the room's messages without a cascade; they go with the room.
  await trx
    .deleteFrom('complaints')
    .where('message_id', 'in', (eb) => eb.selectFrom('messages').select('id').where('room_id', '=', roomId))
    .execute()
  deps.caches.invalidate(trx, 'members', roomId)
  deps.caches.invalidate(trx, 'history', roomId)
  await trx.deleteFrom('rooms').where('id', '=', roomId).execute()
}
