// SqliteStore's search: FTS5 (migrations/0006) joined to messages, with who may see what checked
// in the same query, so a page of results is never cut short by what a reader may not see.
import { CompiledQuery, sql } from 'kysely'
import type { Db, MessageRow } from '../db/schema.js'
import { searchScope } from './search-scope.js'
import type { SearchSpec } from './store.js'

/**
 * Writes the messages noted in messages_fts_pending (migration 0011: by the triggers on messages)
 * into the index, one statement for all, and forgets them. SqliteStore runs it at the end of each
 * group transaction, before the commit: FTS5 then writes one segment per commit, not one per send.
 * A cross join: the pending ids first, each message by its key (a plain join let the planner scan
 * every message and probe the pending ids, a cost growing with the history).
 */
export const FLUSH_SEARCH_PENDING: readonly CompiledQuery[] = [
  CompiledQuery.raw(`insert into messages_fts (rowid, text)
    select m.id, m.text from messages_fts_pending p cross join messages m on m.id = p.id
    where m.kind = 'user' and m.text is not null and m.deleted_at is null`),
  CompiledQuery.raw('delete from messages_fts_pending'),
]

/**
 * The FTS5 query for the terms: each a quoted string (never an operator: NEAR, AND, OR, NOT, a
 * column filter or a parenthesis stays text), a prefix query unless it is one character (a
 * one-letter prefix matches nearly every message), all required.
 */
export function ftsMatch(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replaceAll('"', '""')}"${t.length > 1 ? '*' : ''}`).join(' AND ')
}

export async function sqliteSearch(db: Db, q: SearchSpec): Promise<MessageRow[]> {
  const { me, before, inRoom, withUser } = searchScope(q)
  // The index is walked newest first and stops at the page's end; each hit is checked by primary
  // keys (the message, the reader's membership or dialog state).
  const rows = await sql<MessageRow>`
    select m.* from messages_fts f
    join messages m on m.id = f.rowid
    left join room_members rm on m.room_id is not null and rm.room_id = m.room_id and rm.user_id = ${me}
    left join dialog_state ds on m.room_id is null and ds.user_id = ${me}
      and ds.peer_id = (case when m.author_id = ${me} then m.recipient_id else m.author_id end)
    where messages_fts match ${ftsMatch(q.terms)}
      and f.rowid < ${before}
      and m.deleted_at is null and m.kind = 'user'
      and ((m.room_id is not null and rm.user_id is not null and m.id > rm.cleared_up_to)
        or (m.room_id is null and (m.author_id = ${me} or m.recipient_id = ${me}) and m.id > coalesce(ds.cleared_up_to, 0)))
      ${inRoom} ${withUser}
    order by f.rowid desc
    limit ${q.limit}`.execute(db)
  return rows.rows
}
