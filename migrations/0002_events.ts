import type { Kysely } from 'kysely'

// The durable event log: one row per event, its audience recorded beside it as ",id,id,…,"
// (sorted user ids; NULL = every signed-in user). One row per event keeps a commit to a few
// sequential pages however large the room — a row per recipient would scatter a page write per
// recipient — and lets a reader filter in SQL with instr(audience, ',<user>,').
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('audience', 'text')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('events_created').on('events').column('created_at').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('events').execute()
}
