import { type Kysely, sql } from 'kysely'
import { isPostgres } from '../src/db/dialect.js'

// Postgres only (API.md §14): where an event sits in the log. Ids come from a sequence, which is
// not in commit order: a transaction may commit after one holding a higher id, and a reader at
// `id > cursor` would skip it. So each event records its transaction (`tx`, pg_current_xact_id()
// by default, also for rows written by hand), readers take only events of transactions older
// than every one still running (tx < pg_snapshot_xmin(pg_current_snapshot())), which can no
// longer change, ordered by (tx, id). Its audience is an int[] (GIN-indexed) rather than the text
// column SQLite scans with instr(). On SQLite the row id is in commit order (one writer), and
// nothing changes.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return
  await sql`alter table events add column tx xid8 not null default pg_current_xact_id(), add column users integer[]`.execute(db)
  await sql`create index events_position on events (tx, id)`.execute(db)
  await sql`create index events_users on events using gin (users)`.execute(db)
  // Events for every signed-in user: the GIN index holds no row without a user.
  await sql`create index events_everyone on events (tx, id) where users is null`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return
  await sql`alter table events drop column users, drop column tx`.execute(db)
}
