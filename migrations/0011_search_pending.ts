// SQLite only: a send's search entry is written once per commit instead of once per send.
//
// FTS5 writes what it holds in memory to disk as a new segment at every savepoint (xSavepoint),
// and the group commit (store/sqlite.ts) runs each function of a group inside a savepoint, which
// each statement with a statement journal (the event insert after the message) opens again. So
// with migration 0006's insert trigger every send flushed its own tiny segment (its words three
// times over: the terms and the 2- and 3-letter prefixes), under a statement journal, and the
// automerge that follows: 2.5× the CPU and 2.5× the bytes written of a send without the index.
//
// Now the insert trigger only notes the message's id in messages_fts_pending, a plain table, and
// SqliteStore writes every pending message to the index with one statement at the end of each
// group, in the same transaction before it commits (flushSearchPending): the index is in step at
// every commit, as before, and FTS5 writes one segment per group. An edit or a delete still takes
// the old text out of the index at once, and an edit notes the message again to be indexed with
// its new text at the end of the group. Postgres's tsvector trigger is unchanged.
import { type Kysely, sql } from 'kysely'
import { isPostgres } from '../src/db/dialect.js'
import { FLUSH_SEARCH_PENDING } from '../src/store/sqlite-search.js'

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return
  await sql`create table messages_fts_pending (id integer primary key)`.execute(db)
  for (const t of ['messages_fts_insert', 'messages_fts_update', 'messages_fts_delete']) await sql`drop trigger ${sql.ref(t)}`.execute(db)
  await sql`create trigger messages_fts_insert after insert on messages
    when new.kind = 'user' and new.text is not null and new.deleted_at is null
    begin insert into messages_fts_pending (id) values (new.id); end`.execute(db)
  await sql`create trigger messages_fts_update after update of text, deleted_at on messages
    when old.kind = 'user'
    begin
      delete from messages_fts where rowid = old.id;
      insert or ignore into messages_fts_pending (id) values (new.id);
    end`.execute(db)
  await sql`create trigger messages_fts_delete after delete on messages
    begin
      delete from messages_fts where rowid = old.id;
      delete from messages_fts_pending where id = old.id;
    end`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return
  for (const q of FLUSH_SEARCH_PENDING) await db.executeQuery(q)
  for (const t of ['messages_fts_insert', 'messages_fts_update', 'messages_fts_delete']) await sql`drop trigger ${sql.ref(t)}`.execute(db)
  await sql`drop table messages_fts_pending`.execute(db)
  await sql`create trigger messages_fts_insert after insert on messages
    when new.kind = 'user' and new.text is not null and new.deleted_at is null
    begin insert into messages_fts (rowid, text) values (new.id, new.text); end`.execute(db)
  await sql`create trigger messages_fts_update after update of text, deleted_at on messages
    when old.kind = 'user'
    begin
      delete from messages_fts where rowid = old.id;
      insert into messages_fts (rowid, text) select new.id, new.text where new.text is not null and new.deleted_at is null;
    end`.execute(db)
  await sql`create trigger messages_fts_delete after delete on messages
    begin delete from messages_fts where rowid = old.id; end`.execute(db)
}
