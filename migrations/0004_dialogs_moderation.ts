import { type Kysely, sql } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dialog_state')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('peer_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('cleared_up_to', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('dialog_state_pk', ['user_id', 'peer_id'])
    .execute()

  await db.schema
    .createTable('complaints')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('message_id', 'integer', (c) => c.notNull().references('messages.id'))
    .addColumn('room_id', 'integer')
    .addColumn('reporter_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('text', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'resolved', 'dismissed')`))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('resolved_by', 'integer')
    .addColumn('resolved_at', 'integer')
    .execute()
  await db.schema.createIndex('complaints_room').on('complaints').column('room_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('complaints').execute()
  await db.schema.dropTable('dialog_state').execute()
}
