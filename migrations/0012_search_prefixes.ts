// SQLite only: the search index rebuilt with prefix indexes for 2 to 5 letters (0006 had 2 and 3).
//
// A prefix query longer than every prefix index makes FTS5 read the posting lists of every word
// that starts with it, in full, and merge them before the first hit comes out (store/sqlite-search.ts):
// "deplo" read deploy, deployed and deployment through the whole history for the newest 20. With
// an index of the prefix itself the hits come out newest first and the walk stops at the page's
// end. Terms longer than 5 letters are found through their first 5 (store/sqlite-search.ts).
//
// automerge 16 (FTS5's default 4): each group commit writes a small segment, and FTS5 merges
// segments of one level once there are this many; merging 16 at a time rewrites each posting fewer
// times (merging is most of what indexing a send costs), for a few more segments for a search to
// visit. With it, indexing costs a send less than with 0006's two prefix indexes and automerge 4.
// (detail=none, a smaller index, cost more per write in FTS5's merges and is slower for a prefix
// without an index of its own.)
//
// The triggers of migration 0011 name the table only, so they go on working with the new one.
// Postgres's tsvector index has every prefix already.
import { type Kysely, sql } from 'kysely'
import { isPostgres } from '../src/db/dialect.js'
import { FLUSH_SEARCH_PENDING } from '../src/store/sqlite-search.js'

const BEFORE = `prefix='2 3'`
const AFTER = `prefix='2 3 4 5'`

async function rebuild(db: Kysely<unknown>, options: string, automerge: number | null): Promise<void> {
  // Messages the store has not indexed yet (migration 0011) first, so the new index has them all.
  for (const q of FLUSH_SEARCH_PENDING) await db.executeQuery(q)
  await sql`drop table messages_fts`.execute(db)
  await sql`create virtual table messages_fts using fts5(text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2', ${sql.raw(options)})`.execute(db)
  if (automerge !== null) await sql`insert into messages_fts (messages_fts, rank) values ('automerge', ${sql.lit(automerge)})`.execute(db)
  await sql`insert into messages_fts (rowid, text) select id, text from messages where kind = 'user' and text is not null and deleted_at is null`.execute(db)
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return
  await rebuild(db, AFTER, 16)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return
  await rebuild(db, BEFORE, null)
}
