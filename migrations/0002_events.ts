import { type Kysely, sql } from 'kysely'

// The durable event log: one row per event, one audience row per user it is meant for.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('events_created').on('events').column('created_at').execute()

  await db.schema
    .createTable('event_audience')
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('event_id', 'integer', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('event_audience_pk', ['user_id', 'event_id'])
    .modifyEnd(sql`without rowid`)
    .execute()
  await db.schema.createIndex('event_audience_event').on('event_audience').column('event_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('event_audience').execute()
  await db.schema.dropTable('events').execute()
}
