// SQLite only: the search index keyed by 2^32 minus each message's id (ROWID_BASE in
// store/sqlite-search.ts), so newest first is the order FTS5 walks its posting lists in.
//
// FTS5 reads a posting list in ascending rowid order; asked for `order by rowid desc` (newest
// first, as search answers) it first decodes each page of the list it enters to walk it backwards
// (fts5SegIterReverseInitPage), about a third of a one-word search's instructions over a million
// messages. With rowid = 2^32 - id the newest message has the smallest rowid and the walk is forwards
// (store/sqlite-search.ts). Everything else is as 0012 made it: prefix indexes for 2 to 5 letters,
// automerge 16, no insert trigger (the store's flush at the end of each group indexes the
// messages above the index's newest, now the smallest rowid), an edit or a delete changing the
// index at once. Postgres's tsvector index is unchanged.
import { type Kysely, sql } from 'kysely'
import { isPostgres } from '../src/db/dialect.js'

// A number written into the triggers: ROWID_BASE's value when this migration was made.
const BASE = 4294967296

/** The index and its edit and delete triggers, with each message under rowid id (0012's) or BASE - id. */
async function rebuild(db: Kysely<unknown>, newestFirst: boolean): Promise<void> {
  const key = sql.raw(newestFirst ? `${BASE} - ` : '')
  // The index's newest message: from the greatest rowid, or from the smallest.
  const newest = sql.raw(
    newestFirst ? `${BASE} - (select coalesce(min(id), ${BASE}) from messages_fts_docsize)` : '(select coalesce(max(id), 0) from messages_fts_docsize)',
  )
  for (const t of ['messages_fts_update', 'messages_fts_delete']) await sql`drop trigger if exists ${sql.ref(t)}`.execute(db)
  await sql`drop table messages_fts`.execute(db)
  await sql`create virtual table messages_fts using fts5(text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2', prefix='2 3 4 5')`.execute(db)
  await sql`insert into messages_fts (messages_fts, rank) values ('automerge', 16)`.execute(db)
  // In ascending rowid order: FTS5 writes a segment whenever a rowid is smaller than the one before.
  await sql`insert into messages_fts (rowid, text) select ${key}id, text from messages where kind = 'user' and text is not null and deleted_at is null
    order by id ${sql.raw(newestFirst ? 'desc' : 'asc')}`.execute(db)
  await sql`create trigger messages_fts_update after update of text, deleted_at on messages
    when old.kind = 'user'
    begin
      delete from messages_fts where rowid = ${key}old.id;
      insert into messages_fts (rowid, text) select ${key}new.id, new.text
        where new.text is not null and new.deleted_at is null and new.id <= ${newest};
    end`.execute(db)
  await sql`create trigger messages_fts_delete after delete on messages
    begin delete from messages_fts where rowid = ${key}old.id; end`.execute(db)
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) await rebuild(db, true)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) await rebuild(db, false)
}
