// PostgresStore's search: the tsvector column kept by a trigger (migrations/0006) and its GIN
// index, joined to messages, with who may see what checked in the same query (as SQLite's).
import { sql } from 'kysely'
import type { Db } from '../db/schema.js'
import type { MessageFields } from '../messages/messages.js'
import { SEARCH_COLUMNS, searchScope } from './search-scope.js'
import type { SearchSpec } from './store.js'

/**
 * The tsquery for the terms: each a prefix lexeme (`'deplo':*`) unless it is one character (then
 * that word exactly), all required. Terms are letters and digits only (search/terms.ts); quoted
 * as lexemes anyway, so nothing in them can be an operator.
 */
export function tsQuery(terms: readonly string[]): string {
  return terms.map((t) => `'${t.replaceAll("'", "''").replaceAll('\\', '\\\\')}'${t.length > 1 ? ':*' : ''}`).join(' & ')
}

export async function postgresSearch(db: Db, q: SearchSpec): Promise<MessageFields[]> {
  const { me, before, inRoom, withUser } = searchScope(q)
  const rows = await sql<MessageFields>`
    select ${SEARCH_COLUMNS} from messages m
    left join room_members rm on m.room_id is not null and rm.room_id = m.room_id and rm.user_id = ${me}
    left join dialog_state ds on m.room_id is null and ds.user_id = ${me}
      and ds.peer_id = (case when m.author_id = ${me} then m.recipient_id else m.author_id end)
    where m.search @@ to_tsquery('simple', ${tsQuery(q.terms)})
      and m.id < ${before}
      and m.deleted_at is null and m.kind = 'user'
      and ((m.room_id is not null and rm.user_id is not null and m.id > rm.cleared_up_to)
        or (m.room_id is null and (m.author_id = ${me} or m.recipient_id = ${me}) and m.id > coalesce(ds.cleared_up_to, 0)))
      ${inRoom} ${withUser}
    order by m.id desc
    limit ${q.limit}`.execute(db)
  return rows.rows
}
