import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rooms')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    // The name case-folded in JS (Unicode-aware): SQLite's LIKE and lower() fold ASCII only.
    .addColumn('name_folded', 'text', (c) => c.notNull())
    .addColumn('topic', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('max_users', 'integer', (c) => c.notNull())
    .addColumn('admin_id', 'integer', (c) => c.references('users.id'))
    .addColumn('member_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('last_activity_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('rooms_activity').on('rooms').column('last_activity_at').execute()

  await db.schema
    .createTable('room_members')
    .addColumn('room_id', 'integer', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'moderator', 'member')`))
    .addColumn('joined_at', 'integer', (c) => c.notNull())
    .addColumn('moderator_since', 'integer')
    .addColumn('last_read_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cleared_up_to', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('room_members_pk', ['room_id', 'user_id'])
    .execute()
  await db.schema.createIndex('room_members_user').on('room_members').column('user_id').execute()

  await db.schema
    .createTable('room_bans')
    .addColumn('room_id', 'integer', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('actor_id', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('room_bans_pk', ['room_id', 'user_id'])
    .execute()

  await db.schema
    .createTable('room_silences')
    .addColumn('room_id', 'integer', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('actor_id', 'integer', (c) => c.notNull())
    .addColumn('until', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('room_silences_pk', ['room_id', 'user_id'])
    .execute()

  await db.schema
    .createTable('messages')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('room_id', 'integer', (c) => c.references('rooms.id').onDelete('cascade'))
    .addColumn('recipient_id', 'integer', (c) => c.references('users.id'))
    .addColumn('peer_lo', 'integer')
    .addColumn('peer_hi', 'integer')
    .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('text', 'text')
    .addColumn('attachment_id', 'integer')
    .addColumn('reply_to_id', 'integer')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('user', 'service')`))
    .addColumn('service', 'text')
    .addColumn('client_id', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('read_at', 'integer')
    .addColumn('deleted_at', 'integer')
    .addCheckConstraint('messages_one_target', sql`(room_id is null) <> (recipient_id is null)`)
    .execute()
  await db.schema.createIndex('messages_room').on('messages').columns(['room_id', 'id']).execute()
  await db.schema.createIndex('messages_dialog').on('messages').columns(['peer_lo', 'peer_hi', 'id']).execute()
  await db.schema.createIndex('messages_recipient').on('messages').columns(['recipient_id', 'id']).execute()
  await db.schema
    .createIndex('messages_client_id')
    .on('messages')
    .columns(['author_id', 'client_id'])
    .unique()
    .where(sql.ref('client_id'), 'is not', null)
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['messages', 'room_silences', 'room_bans', 'room_members', 'rooms']) await db.schema.dropTable(t).execute()
}
