import { type Kysely, sql } from 'kysely'

// The indexes of direct messages hold direct messages only. Built over every message (0003), they
// gave each room message an entry too, (NULL, NULL, id) and (NULL, id), which nothing reads: every
// query through them names the pair or the recipient (`peer_lo = …`, `recipient_id = …`), which
// a NULL never matches, and both SQLite and Postgres use a partial index for such a query. Two
// index writes fewer per room message.
const INDEXES = [
  { name: 'messages_dialog', columns: ['peer_lo', 'peer_hi', 'id'], key: 'peer_lo' },
  { name: 'messages_recipient', columns: ['recipient_id', 'id'], key: 'recipient_id' },
] as const

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const i of INDEXES) {
    await db.schema.dropIndex(i.name).execute()
    await db.schema.createIndex(i.name).on('messages').columns([...i.columns]).where(sql.ref(i.key), 'is not', null).execute()
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const i of INDEXES) {
    await db.schema.dropIndex(i.name).execute()
    await db.schema.createIndex(i.name).on('messages').columns([...i.columns]).execute()
  }
}
