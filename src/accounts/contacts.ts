// What presence (events/presence.ts) needs to know of a user: who shares a room or a dialog with
// them, and where their last-seen time is kept.
import type { Db } from '../db/schema.js'
import type { PresenceSource } from '../events/presence.js'

export function presenceSource(db: Db): PresenceSource {
  return {
    async contactsOf(userId) {
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
    },
    async saveLastSeen(userId, at) {
      await db.updateTable('users').set({ last_seen_at: at }).where('id', '=', userId).execute()
    },
  }
}
