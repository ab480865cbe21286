// dist/parley writes better-sqlite3's addon into DATA_DIR and loads it from there (API.md §15).
// Tried here with node_modules' own build of the addon, which this Node can load.
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { openDatabase } from '../src/db/open.js'
import { loadAddon } from '../src/sea/addon.js'
import { projectRoot } from '../src/paths.js'

const bytes = readFileSync(join(projectRoot(), 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))
const sha256 = createHash('sha256').update(bytes).digest('hex')
const name = `better_sqlite3-${sha256.slice(0, 16)}.node`

const temps: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-addon-'))
  temps.push(dir)
  return dir
}
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('loadAddon', () => {
  it('writes the addon into DATA_DIR once, named by its hash, and better-sqlite3 runs on it', async () => {
    const dir = tempDir()
    const addon = loadAddon(dir, () => bytes, sha256)
    expect(readdirSync(dir)).toEqual([name])
    const written = statSync(join(dir, name))
    const { db, close } = openDatabase(join(dir, 'a.db'), addon)
    expect(await db.selectNoFrom((eb) => eb.val(41).as('n')).execute()).toEqual([{ n: 41 }])
    await close()

    const source = vi.fn(() => bytes)
    loadAddon(dir, source, sha256)
    expect(source).not.toHaveBeenCalled()
    expect(statSync(join(dir, name)).ino).toBe(written.ino)
  })

  it('puts a whole copy in place of a damaged file (a new file renamed over it), leaving no temporary file', () => {
    const dir = tempDir()
    writeFileSync(join(dir, name), bytes)
    truncateSync(join(dir, name), 1000)
    const damaged = statSync(join(dir, name)).ino
    loadAddon(dir, () => bytes, sha256)
    expect(readFileSync(join(dir, name)).equals(bytes)).toBe(true)
    expect(statSync(join(dir, name)).ino).not.toBe(damaged)
    expect(readdirSync(dir)).toEqual([name])
  })

  it('an unwritable DATA_DIR is one line naming the folder', () => {
    const file = join(tempDir(), 'a-file')
    writeFileSync(file, '')
    const dataDir = join(file, 'data')
    expect(() => loadAddon(dataDir, () => bytes, sha256)).toThrow(
      new Error(`DATA_DIR ${dataDir} is not writable: a part of its path is a file, not a directory`),
    )
  })
})
