import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely'
import { migrations } from '../../migrations/index.js'
import { isPostgres } from './dialect.js'
import { forMigrations } from './postgres.js'
import type { Db } from './schema.js'

class StaticProvider implements MigrationProvider {
  constructor(private readonly all: Record<string, Migration>) {}
  async getMigrations() {
    return this.all
  }
}

export class SchemaTooNewError extends Error {}

/** Applies every pending migration; refuses a database that has migrations this code does not know. */
export async function migrateToLatest(db: Db, all: Record<string, Migration> = migrations): Promise<string[]> {
  const applied = await appliedMigrations(db)
  const unknown = applied.filter((name) => !(name in all))
  if (unknown.length > 0) {
    throw new SchemaTooNewError(
      `the database schema is newer than this code (unknown migrations: ${unknown.join(', ')}); upgrade Parley`,
    )
  }
  // On Postgres, on one connection without the app's statement timeout (an index on a big table
  // may take longer); kysely's migrator locks out other processes migrating at the same time.
  const run = async (on: Db, schema?: string) => {
    // Postgres: kysely's own tables in the connection's schema, named so (it looks for them in
    // every schema of the database otherwise, and may find another site's).
    const migrator = new Migrator({ db: await forMigrations(on), provider: new StaticProvider(all), ...(schema ? { migrationTableSchema: schema } : {}) })
    const { error, results } = await migrator.migrateToLatest()
    if (error) throw error instanceof Error ? error : new Error(String(error))
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
  }
  if (!isPostgres(db)) return run(db)
  return db.connection().execute(async (conn) => {
    await sql`set statement_timeout = 0`.execute(conn)
    try {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(conn)
      return await run(conn, rows[0]!.schema)
    } finally {
      await sql`reset statement_timeout`.execute(conn)
    }
  })
}

async function appliedMigrations(db: Db): Promise<string[]> {
  const exists = isPostgres(db)
    ? await sql<{ n: number }>`select count(*) as n from pg_tables where schemaname = current_schema() and tablename = 'kysely_migration'`.execute(db)
    : await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db)
  if ((exists.rows[0]?.n ?? 0) === 0) return []
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)
  return rows.rows.map((r) => r.name)
}
