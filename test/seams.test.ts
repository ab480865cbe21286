// The seams hold by construction only if nothing goes around them: one way to open a transaction
// (the store), and the writes that change what a room cache copies only in the functions that
// drop it. A lint over src/, so a new caller that forgets fails here, not in production.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '..', 'src')
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
const sources = files(SRC).map((f) => ({ file: relative(SRC, f), text: readFileSync(f, 'utf8') }))
const where = (pattern: RegExp) => sources.filter((s) => pattern.test(s.text)).map((s) => s.file).sort()

describe('the seams are the only way', () => {
  it('only the store opens a transaction', () => {
    expect(where(/\.transaction\(\)/)).toEqual(['store/postgres.ts', 'store/sqlite.ts'])
  })
  it('rows of room_members are added and removed only where the member cache is dropped', () => {
    expect(where(/(insertInto|deleteFrom)\('room_members'\)|deleteFrom\('rooms'\)/)).toEqual(['rooms/membership.ts'])
  })
  it('messages are written (new, deleted) only where the history cache is dropped', () => {
    expect(where(/insertInto\('messages'\)|deleteFrom\('messages'\)|updateTable\('messages'\)\.set\(\{ deleted_at/)).toEqual(['messages/messages.ts'])
  })
})
