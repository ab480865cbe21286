// SQLite only: the search index records how far it has read the messages table
// (search_index_state.through, a message id), and the store writes it every few dozen messages
// instead of at every commit (store/sqlite-search.ts INDEX_EVERY; the search reads the messages
// above `through` directly).
//
// Until 0014 the index's newest message stood for how far it had read: a write scanned every
// message above the newest indexed one, service messages and deleted ones again at each commit.
// An edit or a delete changes the index at once at or below `through`; above it the message is
// indexed as it is when its turn comes. Postgres's tsvector index is unchanged.
import { type Kysely, sql } from 'kysely'
import { isPostgres } from '../src/db/dialect.js'

// A number written into the triggers: ROWID_BASE's value when migration 0014 was made.
const BASE = 4294967296

async function updateTrigger(db: Kysely<unknown>, indexedThrough: string): Promise<void> {
  await sql`drop trigger messages_fts_update`.execute(db)
  await sql`create trigger messages_fts_update after update of text, deleted_at on messages
    when old.kind = 'user'
    begin
      delete from messages_fts where rowid = ${sql.raw(String(BASE))} - old.id;
      insert into messages_fts (rowid, text) select ${sql.raw(String(BASE))} - new.id, new.text
        where new.text is not null and new.deleted_at is null and new.id <= ${sql.raw(indexedThrough)};
    end`.execute(db)
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return
  await sql`create table search_index_state (id integer primary key check (id = 1), through integer not null)`.execute(db)
  // What 0014 left: every live user message up to its newest is in the index; the rest is written by the store's next flush.
  await sql`insert into search_index_state (id, through) select 1, ${sql.raw(String(BASE))} - coalesce(min(id), ${sql.raw(String(BASE))}) from messages_fts_docsize`.execute(db)
  await updateTrigger(db, '(select through from search_index_state)')
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return
  // 0014's flush reads from its newest indexed message: what lies above `through` is written by its next one.
  await updateTrigger(db, `${BASE} - (select coalesce(min(id), ${BASE}) from messages_fts_docsize)`)
  await sql`drop table search_index_state`.execute(db)
}
