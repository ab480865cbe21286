// SQLite only: the search index rebuilt with prefix indexes for 2 to 5 letters (0006 had 2 and 3),
// and new messages found for it by id instead of noted one by one in messages_fts_pending (0011).
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
// No insert trigger: the store indexes every message above the index's newest id at the end of
// each group (FLUSH_SEARCH_INDEX), so a send writes no pending row and deletes none. An edit or a
// delete changes the index at once, as in 0006; an edited message above the index's newest id is
// not indexed yet, and the flush takes its new text. (The flush passes over the service messages
// written since the newest user message again at each commit.) Postgres's tsvector index has every prefix
// already and is unchanged.
import { type Kysely, sql } from 'kysely'
import { isPostgres } from '../src/db/dialect.js'

const TRIGGERS = ['messages_fts_insert', 'messages_fts_update', 'messages_fts_delete']

async function rebuild(db: Kysely<unknown>, options: string, automerge: number | null): Promise<void> {
  for (const t of TRIGGERS) await sql`drop trigger if exists ${sql.ref(t)}`.execute(db)
  await sql`drop table messages_fts`.execute(db)
  await sql`create virtual table messages_fts using fts5(text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2', ${sql.raw(options)})`.execute(db)
  if (automerge !== null) await sql`insert into messages_fts (messages_fts, rank) values ('automerge', ${sql.lit(automerge)})`.execute(db)
  await sql`insert into messages_fts (rowid, text) select id, text from messages where kind = 'user' and text is not null and deleted_at is null`.execute(db)
}

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return
  // What 0011's triggers noted is in the new index by the rebuild.
  await rebuild(db, `prefix='2 3 4 5'`, 16)
  await sql`drop table messages_fts_pending`.execute(db)
  await sql`create trigger messages_fts_update after update of text, deleted_at on messages
    when old.kind = 'user'
    begin
      delete from messages_fts where rowid = old.id;
      insert into messages_fts (rowid, text) select new.id, new.text
        where new.text is not null and new.deleted_at is null and new.id <= (select coalesce(max(id), 0) from messages_fts_docsize);
    end`.execute(db)
  await sql`create trigger messages_fts_delete after delete on messages
    begin delete from messages_fts where rowid = old.id; end`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) return
  await rebuild(db, `prefix='2 3'`, null)
  // 0011's pending table and triggers, as 0011 made them.
  await sql`create table messages_fts_pending (id integer primary key)`.execute(db)
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
