import type { Kysely } from 'kysely'

// Every process of a site reads the sessions revoked in the last seconds, once a second, in case a
// revocation's message on the event bus was lost (API.md §14): an index keeps that read small.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('sessions_revoked').on('sessions').column('revoked_at').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sessions_revoked').execute()
}
