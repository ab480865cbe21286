// rooms.members_version: bumped by every join and leave (rooms/membership.ts). Each process keeps
// a room's member list in memory; a send compares the version the list was read at with the room's
// row in its own transaction, so a join committed through another process counts from its commit
// on, before that process's invalidation (sent through Redis, API.md §14) arrives, or if it never does.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('rooms').addColumn('members_version', 'integer', (c) => c.notNull().defaultTo(0)).execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('rooms').dropColumn('members_version').execute()
}
