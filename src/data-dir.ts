// DATA_DIR must be a directory Parley can write (the database, the generated secret, the outbox,
// uploads, the executable's SQLite addon). Checked before anything is written there, so a bad
// setting ends with one line that names the folder, not with an error from deep inside a write.
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export class DataDirError extends Error {}

const REASONS: Record<string, string> = {
  ENOTDIR: 'a part of its path is a file, not a directory',
  EEXIST: 'it is a file, not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
}

/** Creates `dir` if needed and writes (then removes) a probe file in it; a DataDirError naming the folder otherwise. */
export function ensureWritableDir(dir: string): void {
  try {
    // Owner only (API.md §13): the database, the secret and the sessions live here.
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const probe = join(dir, `.write-probe-${process.pid}-${randomBytes(4).toString('hex')}`)
    writeFileSync(probe, '', { flag: 'wx' })
    rmSync(probe)
  } catch (err) {
    throw dataDirError(dir, err)
  }
}

export function dataDirError(dir: string, err: unknown): DataDirError {
  const code = (err as NodeJS.ErrnoException).code ?? ''
  const reason = REASONS[code] ?? (err instanceof Error ? err.message : String(err))
  return new DataDirError(`DATA_DIR ${dir} is not writable: ${reason}`)
}
