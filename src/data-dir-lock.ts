// One process per DATA_DIR (API.md §13): two servers on one SQLite database would each hold
// polls the other's writes never wake. Node has no flock, so the lock is SQLite's own: a lock
// file beside the database, held in an open exclusive transaction for the process's life. That
// is an fcntl lock, which the kernel drops when the process exits or crashes; and it is not the
// database's, so `parley migrate`, `admin grant` or a backup still work beside the server.
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { openSqlite } from './db/open.js'

export const LOCK_FILE = 'parley.lock'

export class DataDirLocked extends Error {}

export type DataDirLock = { release: () => void }

/** Takes the lock at once, or throws DataDirLocked naming the folder (no waiting). `nativeBinding`: see openSqlite. */
export function lockDataDir(dataDir: string, nativeBinding?: object): DataDirLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const file = join(dataDir, LOCK_FILE)
  closeSync(openSync(file, 'a', 0o600))
  // timeout 0: a held lock answers SQLITE_BUSY at once instead of after a busy wait.
  const db = openSqlite(file, nativeBinding, { timeout: 0 })
  try {
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN EXCLUSIVE')
  } catch (err) {
    db.close()
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new DataDirLocked(`another Parley process is already serving DATA_DIR ${dataDir} (it holds ${file}); stop it first, or give this one another DATA_DIR`)
    }
    throw err
  }
  let held = true
  return {
    release: () => {
      if (!held) return
      held = false
      db.close()
    },
  }
}
