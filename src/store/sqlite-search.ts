// SqliteStore's search: FTS5 (migrations/0006) joined to messages, with who may see what checked
// in the same query, so a page of results is never cut short by what a reader may not see.
import { CompiledQuery } from 'kysely'
import { runCompiled } from '../db/prepared.js'
import type { Db } from '../db/schema.js'
import { MESSAGE_COLUMNS, type MessageFields } from '../messages/messages.js'
import { hasWord } from '../search/terms.js'
import type { SearchSpec } from './store.js'

/**
 * Migration 0011's way, kept for its `down` and for 0012 moving off it: writes the messages noted
 * in messages_fts_pending into the index and forgets them.
 */
export const FLUSH_SEARCH_PENDING: readonly CompiledQuery[] = [
  CompiledQuery.raw(`insert into messages_fts (rowid, text)
    select m.id, m.text from messages_fts_pending p cross join messages m on m.id = p.id
    where m.kind = 'user' and m.text is not null and m.deleted_at is null`),
  CompiledQuery.raw('delete from messages_fts_pending'),
]

/**
 * A message's rowid in the index is ROWID_BASE - its id (migration 0014, which writes the same
 * number): the newest message has the smallest, so newest first is the order FTS5 walks in. Not
 * the id negated: FTS5 starts each posting list of a segment with a whole rowid, which takes 9
 * bytes negative and 5 below 2^35, and each send writes a small segment. Past 2^32 messages the
 * rowids go on decreasing, through 0 into negatives: still in order.
 */
export const ROWID_BASE = 2 ** 32

// How far the index has read the messages table (migration 0015): every live user message at or
// below this id is in it, none above.
const THROUGH = '(select through from search_index_state)'

/**
 * Messages above THROUGH, by id, at which SqliteStore writes them into the index
 * (FLUSH_SEARCH_INDEX_DUE); fewer are searched without it (sqliteSearch reads them directly). Each
 * write into FTS5 makes a segment, whose cost (its pages, its later merges) is paid per commit
 * whatever the number of messages in it, and each send is its own commit on a quiet server: the
 * index written every few dozen messages costs sends about what their words cost.
 */
export const INDEX_EVERY = 64

/**
 * Writes the live user messages above THROUGH into the index and moves THROUGH to the newest
 * message, so FTS5 writes one segment. Each message is indexed under ROWID_BASE - id (migration
 * 0014: newest first is FTS5's own order), so nothing is noted per send: ids only grow
 * (AUTOINCREMENT); an edit or a delete at or below THROUGH changes the index at once (0014's and
 * 0015's triggers), while one above it is written as it is when its turn comes. Written newest
 * first, so in ascending rowid order: FTS5 writes its pending terms out as a segment whenever a
 * rowid is smaller than the one before. SqliteStore runs it at start (what a script or a seeded
 * database left) and, as FLUSH_SEARCH_INDEX_DUE, at the end of each group transaction, before the
 * commit. Both statements read the same newest message: they run in one transaction.
 */
function flushSearchIndex(minNewer: number): readonly CompiledQuery[] {
  const due = `(select max(id) from messages) >= ${THROUGH} + ${minNewer}`
  return [
    CompiledQuery.raw(`insert into messages_fts (rowid, text)
      select ${ROWID_BASE} - id, text from messages where id > ${THROUGH}
        and kind = 'user' and text is not null and deleted_at is null and ${due} order by id desc`),
    CompiledQuery.raw(`update search_index_state set through = (select max(id) from messages) where ${due}`),
  ]
}
export const FLUSH_SEARCH_INDEX = flushSearchIndex(1)
/** FLUSH_SEARCH_INDEX once there are INDEX_EVERY message ids above THROUGH; else nothing. */
export const FLUSH_SEARCH_INDEX_DUE = flushSearchIndex(INDEX_EVERY)

/**
 * The FTS5 query for the terms: each a quoted string (never an operator: NEAR, AND, OR, NOT, a
 * column filter or a parenthesis stays text), a prefix query unless it is one character (a
 * one-letter prefix matches nearly every message), all required.
 */
export function ftsMatch(terms: readonly string[]): string {
  return terms.map((t) => `"${t.replaceAll('"', '""')}"${t.length > 1 ? '*' : ''}`).join(' AND ')
}

// Migration 0012: FTS5 keeps prefix indexes for 2 to 5 letters; a longer term is asked by its
// first 5 and checked in JS, since FTS5 answers a prefix it has no index for only after merging the
// posting lists of every word that starts with it, through the whole history.
const INDEXED_PREFIX = 5
// Candidates read per query while checking longer terms, and how many before the rest is left to
// FTS5's own merge: a term rare among the words sharing its first 5 letters would otherwise walk
// most of those words' messages. The merge's cost is that of the term's own posting lists.
const CANDIDATES = 100
const MAX_CANDIDATES = 400

export async function sqliteSearch(db: Db, q: SearchSpec): Promise<MessageFields[]> {
  // The messages the index has not read yet (fewer than INDEX_EVERY in normal running), read and
  // checked word by word; then the index, up to the same id, so that a flush between the two reads
  // neither repeats nor skips a message.
  const through = Number((await runCompiled<{ id: number }>(db, THROUGH_QUERY)).rows[0]!.id)
  const found = await unindexed(db, q, through)
  if (found.length >= q.limit) return found.slice(0, q.limit)
  const rest = { ...q, before: Math.min(q.before ?? Number.MAX_SAFE_INTEGER, through + 1), limit: q.limit - found.length }
  return found.concat(await indexed(db, rest))
}

const THROUGH_QUERY = CompiledQuery.raw(`select ${THROUGH} as id`)

/** The visible user messages above THROUGH (and below `before`) with every term, newest first. */
async function unindexed(db: Db, q: SearchSpec, through: number): Promise<MessageFields[]> {
  const before = q.before ?? Number.MAX_SAFE_INTEGER
  if (before <= through + 1) return []
  const { text, first, last } = shaped(q, 'unindexed')
  const rows = await runCompiled<MessageFields>(db, CompiledQuery.raw(text, [...first, through, before, ...last]))
  return rows.rows.filter((row) => q.terms.every((t) => hasWord(row.text!, t)))
}

/** Search through the index (every message it holds is at or below `q.before`'s bound). */
async function indexed(db: Db, q: SearchSpec): Promise<MessageFields[]> {
  let before = q.before ?? Number.MAX_SAFE_INTEGER
  const long = q.terms.filter((t) => t.length > INDEXED_PREFIX)
  if (long.length === 0) return page(db, q, ftsMatch(q.terms), before, q.limit)
  const cut = ftsMatch([...new Set(q.terms.map((t) => t.slice(0, INDEXED_PREFIX)))])
  const found: MessageFields[] = []
  for (let walked = 0; walked < MAX_CANDIDATES; walked += CANDIDATES) {
    const rows = await page(db, q, cut, before, CANDIDATES)
    for (const row of rows) {
      if (!long.every((t) => hasWord(row.text ?? '', t))) continue
      found.push(row)
      if (found.length === q.limit) return found
    }
    if (rows.length < CANDIDATES) return found
    before = rows.at(-1)!.id
  }
  return found.concat(await page(db, q, ftsMatch(q.terms), before, q.limit - found.length))
}

/** The newest `limit` messages below `before` that match the FTS5 query and the reader may see. */
async function page(db: Db, q: SearchSpec, match: string, before: number, limit: number): Promise<MessageFields[]> {
  const { text, first, last } = shaped(q, limit)
  return (await runCompiled<MessageFields>(db, CompiledQuery.raw(text, [...first, match, ROWID_BASE - before, ...last]))).rows
}

// The queries' SQL, written once per shape (which of them, the page's limit, a room or dialog
// filter or neither) rather than built and compiled by kysely at each search: what the reader
// may see is the same few joins every time, and their values are bound.
const COLUMNS = MESSAGE_COLUMNS.map((c) => `m.${c}`).join(', ')

// The reader's membership of the message's room, or their state of its dialog: checked by primary keys.
const VISIBLE_TO = `left join room_members rm on m.room_id is not null and rm.room_id = m.room_id and rm.user_id = ?
    left join dialog_state ds on m.room_id is null and ds.user_id = ?
      and ds.peer_id = (case when m.author_id = ? then m.recipient_id else m.author_id end)`
// Whether the reader may see the message: a member of its room since their clear, or a side of its dialog since theirs.
const VISIBLE = `((m.room_id is not null and rm.user_id is not null and m.id > rm.cleared_up_to)
        or (m.room_id is null and (m.author_id = ? or m.recipient_id = ?) and m.id > coalesce(ds.cleared_up_to, 0)))`

const shapes = new Map<string, string>()

/**
 * The SQL of the unindexed read or of an index page of `limit`, for q's filter; and its values
 * before and after the query's own two (VISIBLE_TO's, then VISIBLE's and the filter's).
 */
function shaped(q: SearchSpec, which: 'unindexed' | number): { text: string; first: number[]; last: number[] } {
  const filter = q.roomId !== undefined ? 'room' : q.withUserId !== undefined ? 'dialog' : ''
  const key = `${which} ${filter}`
  let text = shapes.get(key)
  if (text === undefined) {
    const scope = filter === 'room' ? 'and m.room_id = ?' : filter === 'dialog' ? 'and m.peer_lo = ? and m.peer_hi = ?' : ''
    // The index is walked newest first (its rowid is ROWID_BASE - the message's id: migration 0014)
    // and stops at the page's end; each hit is checked by primary keys (the message, the reader's
    // membership or dialog state). The limit is written into the SQL: a bound LIMIT in this join
    // makes SQLite prepare the statement again at every run (a few distinct limits, each its own
    // cached statement).
    text =
      which === 'unindexed'
        ? `select ${COLUMNS} from messages m
    ${VISIBLE_TO}
    where m.id > ? and m.id < ? and m.deleted_at is null and m.kind = 'user' and m.text is not null
      and ${VISIBLE} ${scope}
    order by m.id desc`
        : `select ${COLUMNS} from messages_fts f
    join messages m on m.id = ${ROWID_BASE} - f.rowid
    ${VISIBLE_TO}
    where messages_fts match ? and f.rowid > ?
      and m.deleted_at is null and m.kind = 'user'
      and ${VISIBLE} ${scope}
    order by f.rowid
    limit ${which}`
    shapes.set(key, text)
  }
  const me = q.userId
  const values = q.roomId !== undefined ? [q.roomId] : q.withUserId !== undefined ? [Math.min(me, q.withUserId), Math.max(me, q.withUserId)] : []
  return { text, first: [me, me, me], last: [me, me, ...values] }
}
