import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely'
import { BoundedCache } from '../bounded-cache.js'
import type { Database, Db } from './schema.js'

export type OpenDb = { db: Db; close: () => Promise<void> }

/** `nativeBinding`: see openSqlite. */
export function openDatabase(file: string, nativeBinding?: object): OpenDb {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  ownerOnly(file)
  const sqlite = openSqlite(file, nativeBinding)
  // WAL: readers never block the writer; NORMAL sync is durable across process crashes in WAL mode.
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  // 64 MiB of page cache and up to 1 GiB memory-mapped: history pages are rows scattered over
  // the file; reading them through the map saves a system call per page.
  sqlite.pragma('cache_size = -65536')
  sqlite.pragma('mmap_size = 1073741824')
  // 5 s: long enough to ride out a `parley migrate` or admin command writing beside the server.
  sqlite.pragma('busy_timeout = 5000')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) })
  return { db, close: () => db.destroy() }
}

/**
 * A better-sqlite3 connection, on `nativeBinding` when given: the addon already loaded (the
 * executable's); absent, the package finds its own build in node_modules.
 */
export function openSqlite(file: string, nativeBinding?: object, options: SQLite.Options = {}): SQLite.Database {
  // The package takes the loaded addon object (lib/database.js); its types still say a path only.
  return new SQLite(file, (nativeBinding ? { ...options, nativeBinding } : options) as SQLite.Options)
}

/**
 * API.md §13: the database holds session ids, so it is readable by its owner only. SQLite gives
 * the WAL and SHM files the mode of the database file, so creating that one 0600 is enough;
 * files made by an older version are narrowed too.
 */
function ownerOnly(file: string): void {
  closeSync(openSync(file, 'a', 0o600))
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      chmodSync(f, 0o600)
    } catch {
      // Not there yet, or not ours to change (an admin command run as another user).
    }
  }
}

// 500 statements: the queries the server runs are a few hundred shapes; rarer ones (IN lists of
// many lengths) come and go.
const STATEMENT_CACHE_SIZE = 500

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs about as much as running a
 * small query. Reuse prepared statements by their SQL (kysely compiles parameters out of it).
 */
function cachingStatements(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new BoundedCache<string, SQLite.Statement>(STATEMENT_CACHE_SIZE)
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql)
      // A statement still being iterated cannot run again; such a caller gets its own.
      if (!stmt || stmt.busy) {
        stmt = sqlite.prepare(sql)
        cache.set(sql, stmt)
      }
      return stmt
    },
  }
}
