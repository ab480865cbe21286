// The room half of GET /api/chats: every room the user is in, its latest visible message, unread.
import { sql } from 'kysely'
import type { AppDeps } from '../deps.js'
import { toMessages } from '../messages/messages.js'
import { toRoom } from '../rooms/views.js'
import type { ChatEntry } from './types.js'

export async function roomChats(deps: AppDeps, userId: number): Promise<ChatEntry[]> {
  const rows = await deps.db
    .selectFrom('room_members as rm')
    .innerJoin('rooms as r', 'r.id', 'rm.room_id')
    .selectAll('r')
    .select(['rm.joined_at', 'rm.last_read_id', 'rm.cleared_up_to'])
    // The newest message the user still sees (not deleted, not cleared).
    .select(
      sql<number | null>`(select max(m.id) from messages m
        where m.room_id = rm.room_id and m.deleted_at is null and m.id > rm.cleared_up_to)`.as('last_id'),
    )
    // Activity: the newest live message, even one the user cleared, so clearing keeps the room's place.
    .select(
      sql<number | null>`(select m.created_at from messages m
        where m.room_id = rm.room_id and m.deleted_at is null order by m.id desc limit 1)`.as('activity_at'),
    )
    // Unread: others' user messages after the read mark (and after a clear).
    .select(
      sql<number>`(select count(*) from messages m
        where m.room_id = rm.room_id and m.kind = 'user' and m.author_id != rm.user_id
          and m.deleted_at is null and m.id > max(rm.last_read_id, rm.cleared_up_to))`.as('unread'),
    )
    // Mentions: those unread messages that mention the user (API.md §16).
    .select(
      sql<number>`(select count(*) from messages m
        where m.room_id = rm.room_id and m.kind = 'user' and m.author_id != rm.user_id
          and m.deleted_at is null and m.id > max(rm.last_read_id, rm.cleared_up_to)
          and instr(m.mentions, ',' || rm.user_id || ',') > 0)`.as('mention_count'),
    )
    .where('rm.user_id', '=', userId)
    .execute()
  const lastIds = rows.map((r) => r.last_id).filter((id): id is number => id !== null)
  const lastRows = lastIds.length === 0 ? [] : await deps.db.selectFrom('messages').selectAll().where('id', 'in', lastIds).execute()
  const last = new Map((await toMessages(deps.db, lastRows)).map((m) => [m.id, m]))
  return rows.map((r) => {
    const message = r.last_id === null ? null : (last.get(r.last_id) ?? null)
    return {
      item: { kind: 'room', room: { ...toRoom(r), joined: true }, last_message: message, unread: Number(r.unread), mention_count: Number(r.mention_count) },
      activityAt: Math.max(r.activity_at ?? 0, r.joined_at),
      lastMessageId: message?.id ?? 0,
    }
  })
}
