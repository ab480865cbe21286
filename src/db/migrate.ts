import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely'
import { migrations } from '../../migrations/index.js'
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
  const migrator = new Migrator({ db, provider: new StaticProvider(all) })
  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

async function appliedMigrations(db: Db): Promise<string[]> {
  const exists = await sql<{ n: number }>`select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db)
  if ((exists.rows[0]?.n ?? 0) === 0) return []
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)
  return rows.rows.map((r) => r.name)
}
