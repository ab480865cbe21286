// Who shares a room or a dialog with a user: the audience of their presence and of their public
// profile changes (API.md §10); and what presence (events/presence.ts) needs to know of a user.
import type { Db, Q } from '../db/schema.js'
import type { PresenceSource } from '../events/presence.js'

export async function contactsOf(db: Q, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('room_members as other')
    .innerJoin('room_members as me', 'me.room_id', 'other.room_id')
    .select('other.user_id as id')
    .where('me.user_id', '=', userId)
    .where('other.user_id', '!=', userId)
    .union(db.selectFrom('dialog_state').select('peer_id as id').where('user_id', '=', userId))
    .union(db.selectFrom('dialog_state').select('user_id as id').where('peer_id', '=', userId))
    .execute()
  return rows.map((r) => r.id)
}

export function presenceSource(db: Db): PresenceSource {
  return {
    contactsOf: (userId) => contactsOf(db, userId),
    async saveLastSeen(userId, at) {
      await db.updateTable('users').set({ last_seen_at: at }).where('id', '=', userId).execute()
    },
  }
}
