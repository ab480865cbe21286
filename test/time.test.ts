// iso() writes what Date's toISOString writes (API.md §1), by its own arithmetic.
import { describe, expect, it } from 'vitest'
import { iso, isoOrNull } from '../src/time.js'

const DAY = 86_400_000

describe('iso', () => {
  it('writes every kept time exactly as toISOString: epoch, leap days, century years, the last four-digit year', () => {
    const edges = [
      0, 1, 999, 1000, DAY - 1, DAY,
      Date.UTC(2000, 1, 28, 23, 59, 59, 999), Date.UTC(2000, 1, 29), Date.UTC(2000, 2, 1),
      Date.UTC(2100, 1, 28, 12), Date.UTC(2100, 2, 1), Date.UTC(2024, 1, 29, 7, 8, 9, 10),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999), Date.UTC(2027, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ]
    for (const ms of edges) expect(iso(ms)).toBe(new Date(ms).toISOString())
  })
  it('agrees with toISOString on each day from 1970 to 2200 and on random times up to 9999', () => {
    const mismatches: number[] = []
    for (let ms = 0; ms < Date.UTC(2200, 0, 1); ms += DAY + 3_723_004) if (iso(ms) !== new Date(ms).toISOString()) mismatches.push(ms)
    let seed = 12345
    for (let i = 0; i < 100_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      const ms = Math.floor((seed / 2 ** 31) * 253_402_300_799_999)
      if (iso(ms) !== new Date(ms).toISOString()) mismatches.push(ms)
    }
    expect(mismatches).toEqual([])
  })
  it('hands times outside 1970–9999 and fractions to Date', () => {
    for (const ms of [-1, -DAY, 253_402_300_800_000, 1.5]) expect(iso(ms)).toBe(new Date(ms).toISOString())
    expect(isoOrNull(null)).toBeNull()
  })
})
