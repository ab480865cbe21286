import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('user', 'guest', 'phone')`))
    .addColumn('username', 'text', (c) => c.unique().modifyEnd(sql`collate nocase`))
    .addColumn('guest_name', 'text')
    .addColumn('email', 'text', (c) => c.unique())
    .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('phone', 'text', (c) => c.unique())
    .addColumn('password_hash', 'text')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('user').check(sql`role in ('user', 'admin')`))
    .addColumn('nickname', 'text')
    .addColumn('location', 'text')
    .addColumn('birth_date', 'text')
    .addColumn('gender', 'integer')
    .addColumn('photo_upload_id', 'integer')
    .addColumn('photo_path', 'text')
    .addColumn('bio', 'text')
    .addColumn('balance', 'integer', (c) => c.notNull().defaultTo(0).check(sql`balance >= 0`))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('last_seen_at', 'integer')
    .addColumn('deleted_at', 'integer')
    .execute()
  // Guest names are unique among online guests case-insensitively: sign-in looks them up by lower().
  await db.schema.createIndex('users_guest_name').on('users').expression(sql`lower(guest_name)`).execute()

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('revoked_at', 'integer')
    .execute()
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute()

  await db.schema
    .createTable('tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('used_at', 'integer')
    .execute()

  await db.schema
    .createTable('phone_codes')
    .addColumn('phone', 'text', (c) => c.primaryKey())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'integer', (c) => c.notNull())
    .addColumn('tries_left', 'integer', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('invites')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('inviter_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('rewarded_at', 'integer')
    .execute()
  await db.schema.createIndex('invites_email').on('invites').column('email').execute()
  await db.schema.createIndex('invites_phone').on('invites').column('phone').execute()

  await db.schema
    .createTable('kv')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['kv', 'invites', 'phone_codes', 'tokens', 'sessions', 'users']) await db.schema.dropTable(t).execute()
}
