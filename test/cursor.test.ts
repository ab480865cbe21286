import { describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor, EphemeralSequence } from '../src/events/cursor.js'
import { isSqlitePosition, positionOf } from '../src/store/sqlite.js'

// Durable positions as the SQLite store issues them.
const position = positionOf
const decode = (s: string) => decodeCursor(s, isSqlitePosition)

describe('cursor arithmetic', () => {
  it('round-trips both positions', () => {
    for (const c of [{ d: position(0), e: 0 }, { d: position(1), e: 2 }, { d: position(123456789), e: 1_763_700_000_000_000 }, { d: position(Number.MAX_SAFE_INTEGER), e: 36 ** 10 }]) {
      expect(decode(encodeCursor(c))).toEqual(c)
    }
  })
  it('orders as strings the way the positions order', () => {
    const cs = [
      { d: position(1), e: 5 },
      { d: position(2), e: 1 },
      { d: position(2), e: 10 },
      { d: position(35), e: 10 },
      { d: position(36), e: 0 },
      { d: position(1000), e: 1_763_700_000_000_000 },
    ]
    const encoded = cs.map(encodeCursor)
    expect([...encoded].sort()).toEqual(encoded)
  })
  it('rejects anything it could not have issued', () => {
    for (const s of ['', 'abc', '0000000000-000000000000', '0000000000_-000000000000', 'zzzzzzzzzzz-zzzzzzzzzzzz', ' 0000000000a-000000000000', '0000000000A-000000000000']) {
      expect(decode(s)).toBeNull()
    }
  })
  it('ephemeral sequence grows even when the clock stands still or goes back', () => {
    let now = 1_000
    const seq = new EphemeralSequence(() => now)
    const a = seq.next()
    const b = seq.next()
    now = 500
    const c = seq.next()
    expect(b).toBeGreaterThan(a)
    expect(c).toBeGreaterThan(b)
    expect(seq.current()).toBeGreaterThanOrEqual(c)
  })
  it('an event emitted right after a cursor was taken, in the same millisecond, is after it', () => {
    const seq = new EphemeralSequence(() => 5_000)
    const cursor = seq.current()
    expect(seq.next()).toBeGreaterThan(cursor)
  })
  it('a new process (sequence) starts past the numbers an earlier one issued', () => {
    const t = 1_763_700_000_000
    const before = new EphemeralSequence(() => t)
    const old = [before.next(), before.next(), before.next()]
    const after = new EphemeralSequence(() => t + 5)
    expect(after.current()).toBeGreaterThan(Math.max(...old))
  })
})
