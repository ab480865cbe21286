// API.md §16: edits, reactions, mentions and full-text search of messages.
import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('edited_at', 'integer').execute()
  // The message's reactions as its answers show them ([{emoji, user_ids}] JSON, null: none), kept
  // from message_reactions in the same transaction as each change: a history page reads no other table.
  await db.schema.alterTable('messages').addColumn('reactions', 'text').execute()
  // ",3,17," of the users mentioned (null: none): the form of the events' audience column, so an
  // unread count can ask instr(mentions, ',<id>,') in the same scan.
  await db.schema.alterTable('messages').addColumn('mentions', 'text').execute()

  // One row per (message, emoji, user): PUT is idempotent through the key, whatever runs beside it.
  // The id orders emoji by first use and users by when they reacted.
  await db.schema
    .createTable('message_reactions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('message_id', 'integer', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('emoji', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addUniqueConstraint('message_reactions_one', ['message_id', 'emoji', 'user_id'])
    .execute()

  // Full-text index of user messages' text. Contentless (the text lives in messages only) with
  // contentless_delete, so a row goes by its rowid alone. unicode61 folds case and diacritics;
  // the prefix indexes make 2- and 3-letter prefixes (the first letters typed) cheap.
  await sql`create virtual table messages_fts using fts5(text, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2', prefix='2 3')`.execute(db)
  // Kept in step by triggers, so every writer of messages (a send, an edit, a delete, a room's
  // messages going with the room) changes the index in its own transaction; no caller can forget.
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
  await sql`insert into messages_fts (rowid, text) select id, text from messages where kind = 'user' and text is not null and deleted_at is null`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['messages_fts_insert', 'messages_fts_update', 'messages_fts_delete']) await sql`drop trigger ${sql.ref(t)}`.execute(db)
  await sql`drop table messages_fts`.execute(db)
  await db.schema.dropTable('message_reactions').execute()
  for (const c of ['mentions', 'reactions', 'edited_at']) await db.schema.alterTable('messages').dropColumn(c).execute()
}
