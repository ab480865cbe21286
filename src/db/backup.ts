// `parley backup <file>` and `parley restore <file>` (API.md §11), for the SQLite database.
//
// Backup runs beside a serving process: the DATA_DIR lock is a file of its own (data-dir-lock.ts),
// not the database's, and SQLite itself keeps a reader in another process safe. The copy is made
// by SQLite's online backup API (better-sqlite3's db.backup) in one step: one read transaction,
// so it is the database as of one commit (WAL readers never block the server's writes), and no
// write of the server can make it start over, as a copy in many small steps would under load.
//
// Restore needs the server stopped (it takes the DATA_DIR lock), checks the file first (a SQLite
// database, intact, with no migration this code does not know), keeps the database it replaces
// beside it, and puts the copy in place by a rename, so a crash leaves one or the other.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import type SQLite from 'better-sqlite3'
import { migrations } from '../../migrations/index.js'
import { DataDirLocked, lockDataDir } from '../data-dir-lock.js'
import { openSqlite } from './open.js'

export class BackupError extends Error {}

// 0x7fffffff pages: everything in the step after the first, i.e. one read transaction.
const ALL_PAGES = 0x7fffffff

/** Copies the live database to `target` (written aside, then renamed; owner-only). */
export async function backupDatabase(databaseFile: string, target: string, nativeBinding?: object): Promise<{ file: string; bytes: number }> {
  const file = resolve(target)
  if (!existsSync(databaseFile)) throw new BackupError(`no database at ${databaseFile}: nothing to back up`)
  if (!existsSync(dirname(file))) throw new BackupError(`cannot write ${file}: the folder ${dirname(file)} does not exist`)
  const partial = join(dirname(file), `.${basename(file)}.partial-${process.pid}`)
  // The copy holds sessions and password hashes: the owner's only, as the database is.
  closeSync(openSync(partial, 'w', 0o600))
  const source = openSqlite(databaseFile, nativeBinding, { fileMustExist: true })
  try {
    // As long as the server's own wait: a migration writing beside it, say.
    source.pragma('busy_timeout = 5000')
    await source.backup(partial, { progress: () => ALL_PAGES })
  } catch (err) {
    rmSync(partial, { force: true })
    throw new BackupError(`the backup failed: ${(err as Error).message}`)
  } finally {
    source.close()
  }
  const problem = checkCopy(partial, nativeBinding)
  if (problem) {
    rmSync(partial, { force: true })
    throw new BackupError(`the copy is not sound (${problem}); nothing was written to ${file}`)
  }
  syncFile(partial)
  renameSync(partial, file)
  return { file, bytes: statSync(file).size }
}

/**
 * Puts the database copy `source` in place of `databaseFile`, the server stopped. The replaced
 * database (with its WAL, if a crash left one) is kept as `<name>.before-restore-<time>`.
 */
export async function restoreDatabase(dataDir: string, databaseFile: string, source: string, nativeBinding?: object, now = Date.now()): Promise<{ kept: string | undefined }> {
  const from = resolve(source)
  if (!existsSync(from)) throw new BackupError(`cannot restore ${from}: no such file`)
  let lock
  try {
    lock = lockDataDir(dataDir, nativeBinding)
  } catch (err) {
    if (err instanceof DataDirLocked) throw new BackupError(`a Parley server is running on DATA_DIR ${dataDir}; stop it before restoring`)
    throw err
  }
  try {
    const problem = checkCopy(from, nativeBinding)
    if (problem) throw new BackupError(`${from} cannot be restored: ${problem}; nothing was changed`)
    const incoming = `${databaseFile}.restoring-${process.pid}`
    closeSync(openSync(incoming, 'w', 0o600))
    const copy = openSqlite(from, nativeBinding, { readonly: true, fileMustExist: true })
    try {
      await copy.backup(incoming, { progress: () => ALL_PAGES })
    } catch (err) {
      rmSync(incoming, { force: true })
      throw new BackupError(`reading ${from} failed: ${(err as Error).message}; nothing was changed`)
    } finally {
      copy.close()
    }
    syncFile(incoming)
    let kept: string | undefined
    if (existsSync(databaseFile)) {
      kept = `${databaseFile}.before-restore-${new Date(now).toISOString().replace(/[:.]/g, '-')}`
      // The WAL and SHM go with their database: a WAL left beside the restored file would be replayed into it.
      for (const suffix of ['-wal', '-shm', '']) if (existsSync(databaseFile + suffix)) renameSync(databaseFile + suffix, kept + suffix)
    }
    renameSync(incoming, databaseFile)
    return { kept }
  } finally {
    lock.release()
  }
}

/** What is wrong with a database copy (not SQLite, damaged, or from a newer Parley), or undefined. */
function checkCopy(file: string, nativeBinding?: object): string | undefined {
  let db: SQLite.Database
  try {
    db = openSqlite(file, nativeBinding, { readonly: true, fileMustExist: true })
  } catch (err) {
    return `not a database (${(err as Error).message})`
  }
  try {
    const check = db.pragma('integrity_check') as { integrity_check: string }[]
    if (check[0]?.integrity_check !== 'ok') return `damaged: ${check.map((r) => r.integrity_check).slice(0, 3).join('; ')}`
    const table = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'").get()
    if (!table) return 'not a Parley database (no migrations table)'
    const applied = (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name)
    const unknown = applied.filter((name) => !(name in migrations))
    if (unknown.length > 0) return `made by a newer Parley (unknown migrations: ${unknown.join(', ')})`
    return undefined
  } catch (err) {
    // SQLITE_NOTADB and the like surface on the first read.
    return `not a database (${(err as Error).message})`
  } finally {
    db.close()
  }
}

function syncFile(file: string): void {
  const fd = openSync(file, 'r+')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
