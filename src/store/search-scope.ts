// The parts of Postgres's search (store/postgres-search.ts) that do not depend on its index: the
// reader, the page's upper bound and the optional room or dialog filter, as SQL fragments.
// SQLite's (store/sqlite-search.ts) writes the same as SQL text, once per shape.
import { sql } from 'kysely'
import { MESSAGE_COLUMNS } from '../messages/messages.js'
import type { SearchSpec } from './store.js'

/** What a hit is read as: the columns a Message is built from (not `m.*`: each column costs its value built in JS). */
export const SEARCH_COLUMNS = sql.join(MESSAGE_COLUMNS.map((c) => sql.ref(`m.${c}`)))

export function searchScope(q: SearchSpec) {
  const me = q.userId
  return {
    me,
    before: q.before ?? Number.MAX_SAFE_INTEGER,
    inRoom: q.roomId === undefined ? sql`` : sql`and m.room_id = ${q.roomId}`,
    withUser:
      q.withUserId === undefined ? sql`` : sql`and m.peer_lo = ${Math.min(me, q.withUserId)} and m.peer_hi = ${Math.max(me, q.withUserId)}`,
  }
}
