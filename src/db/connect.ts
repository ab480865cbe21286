// The database the configuration names: PostgreSQL for DATABASE_URL=postgres://…, else the
// SQLite file (on the executable's addon when it has one).
import type { Runtime } from '../assets.js'
import type { Config } from '../config.js'
import { openDatabase, type OpenDb } from './open.js'
import { openPostgres } from './postgres.js'

export function openConfigured(config: Config, runtime: Pick<Runtime, 'sqliteAddon'>): OpenDb {
  return config.postgresUrl ? openPostgres(config.postgresUrl) : openDatabase(config.databaseFile, runtime.sqliteAddon?.(config.dataDir))
}
