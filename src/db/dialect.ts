// Which database a query goes to, for the few queries written once per dialect.
import { PostgresAdapter } from 'kysely'
import type { Q } from './schema.js'

/** Whether this database (or transaction) is PostgreSQL rather than SQLite. */
export function isPostgres(db: Pick<Q, 'getExecutor'>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}
