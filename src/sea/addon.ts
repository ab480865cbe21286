// better-sqlite3's addon travels inside dist/parley; the dynamic loader needs it as a file.
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dataDirError } from '../data-dir.js'

/**
 * Writes the addon into DATA_DIR (not the system temp folder, often mounted noexec) unless it is
 * there already, loads it and returns the module for better-sqlite3's `nativeBinding`. The file is
 * named by its hash, so another version of Parley writes its own beside it. It is written under a
 * temporary name, flushed, and renamed into place: two starts at once each either find the whole
 * file or put a whole copy in place, never half of one.
 */
export function loadAddon(dataDir: string, bytes: () => Uint8Array, sha256: string): object {
  const file = join(dataDir, `better_sqlite3-${sha256.slice(0, 16)}.node`)
  if (!holds(file, sha256)) writeAtomically(file, bytes(), dataDir)
  const module = { exports: {} }
  try {
    process.dlopen(module, file)
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0]
    throw new Error(`cannot load SQLite's native code from ${file} (${why}); DATA_DIR must allow running code (not mounted noexec)`)
  }
  return module.exports
}

/** The whole file, byte for byte (a hash of 2 MB: a few ms at start). */
function holds(file: string, sha256: string): boolean {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex') === sha256
  } catch {
    return false
  }
}

function writeAtomically(file: string, bytes: Uint8Array, dataDir: string) {
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    // Owner only, as the rest of DATA_DIR; the dynamic loader needs no more.
    const fd = openSync(temp, 'wx', 0o700)
    try {
      writeFileSync(fd, bytes)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, file)
  } catch (err) {
    try {
      rmSync(temp, { force: true })
    } catch {
      // The folder itself is the problem (ENOTDIR, EACCES): there is no temporary file to remove.
    }
    throw dataDirError(dataDir, err)
  }
}
