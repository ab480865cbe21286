import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('gifts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('image_url', 'text', (c) => c.notNull())
    .addColumn('price', 'integer', (c) => c.notNull().check(sql`price >= 0`))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('sent_gifts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('gift_id', 'integer', (c) => c.notNull().references('gifts.id'))
    .addColumn('from_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('to_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('room_id', 'integer')
    .addColumn('text', 'text')
    .addColumn('price', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('sent_gifts_to').on('sent_gifts').columns(['to_id', 'id']).execute()

  await db.schema
    .createTable('top_ups')
    .addColumn('nonce', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('amount', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('free_coin_claims')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('network', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('free_coin_claims_pk', ['user_id', 'network'])
    .execute()

  await db.schema
    .createTable('uploads')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('stored_name', 'text', (c) => c.notNull().unique())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('calls')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('caller_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('callee_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('ringing', 'active', 'ended')`))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('answered_at', 'integer')
    .addColumn('ended_at', 'integer')
    .addColumn('end_reason', 'text')
    .execute()
  await db.schema.createIndex('calls_state').on('calls').columns(['state', 'created_at']).execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['calls', 'uploads', 'free_coin_claims', 'top_ups', 'sent_gifts', 'gifts']) await db.schema.dropTable(t).execute()
}
