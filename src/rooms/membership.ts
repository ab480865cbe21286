// Leaving a room, with API.md §4's admin hand-over. Used by leave, kick/ban and account deletion.
import type { AppDeps } from '../deps.js'
import type { Trx } from '../db/schema.js'

/**
 * Removes userId from roomId (no-op if not a member). When the admin leaves, the room goes to the
 * earliest-appointed moderator, else the earliest-joined member; an empty room keeps no admin.
 * Returns whether a membership was removed.
 */
export async function removeMember(deps: Pick<AppDeps, 'clock'>, trx: Trx, roomId: number, userId: number): Promise<boolean> {
  const gone = await trx.deleteFrom('room_members').where('room_id', '=', roomId).where('user_id', '=', userId).returning('role').executeTakeFirst()
  if (!gone) return false
  await trx.updateTable('rooms').set((eb) => ({ member_count: eb('member_count', '-', 1) })).where('id', '=', roomId).execute()
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
      await trx.updateTable('room_members').set({ role: 'admin' }).where('room_id', '=', roomId).where('user_id', '=', heir.user_id).execute()
    }
  }
  return true
}

/** Account deletion: the user leaves every room (with hand-over where they were admin). */
export async function leaveAllRooms(deps: Pick<AppDeps, 'clock'>, trx: Trx, userId: number): Promise<number[]> {
  const rooms = await trx.selectFrom('room_members').select('room_id').where('user_id', '=', userId).execute()
  for (const r of rooms) await removeMember(deps, trx, r.room_id, userId)
  return rooms.map((r) => r.room_id)
}
