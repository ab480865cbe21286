import { describe, expect, it } from 'vitest'
import { committedEvent, EventTail, hasUser, SortedAudience } from '../src/events/tail.js'
import { positionOf as p } from '../src/store/sqlite.js'

const entry = (id: number, users: number[] | null) => committedEvent(p(id), 'message.created', 0, JSON.stringify({ id }), users && Int32Array.from(users).sort())
const ids = (r: { events: { position: string }[] } | null) => r!.events.map((e) => parseInt(e.position, 36))

describe('EventTail', () => {
  it('answers a user’s events after a position, skipping other users’, and says how far it scanned', () => {
    const tail = new EventTail(p(10))
    tail.append([entry(11, [1]), entry(12, [2]), entry(13, null), entry(15, [1, 2])])
    expect(ids(tail.after(1, p(10), 500))).toEqual([11, 13, 15])
    expect(ids(tail.after(2, p(11), 500))).toEqual([12, 13, 15])
    expect(tail.after(3, p(10), 500)).toEqual({ events: [expect.objectContaining({ position: p(13) })], scannedTo: p(15) })
    expect(tail.after(1, p(15), 500)).toEqual({ events: [], scannedTo: p(15) })
  })
  it('stops at the limit, and the scan position lets the next call continue', () => {
    const tail = new EventTail(p(0))
    tail.append([1, 2, 3, 4, 5].map((id) => entry(id, [7])))
    const first = tail.after(7, p(0), 2)!
    expect(ids(first)).toEqual([1, 2])
    expect(ids(tail.after(7, first.scannedTo, 10))).toEqual([3, 4, 5])
  })
  it('sends positions it no longer covers to the database', () => {
    const tail = new EventTail(p(100), 4)
    expect(tail.after(1, p(99), 10)).toBeNull()
    tail.append([101, 102, 103, 104, 105].map((id) => entry(id, [1])))
    // Five in a tail of four: within the quarter of slack, all still covered.
    expect(ids(tail.after(1, p(100), 10))).toEqual([101, 102, 103, 104, 105])
    tail.append([106].map((id) => entry(id, [1])))
    expect(tail.after(1, p(101), 10)).toBeNull()
    expect(ids(tail.after(1, p(102), 10))).toEqual([103, 104, 105, 106])
  })
  it('finds where to start from any position, between entries or on one, near the newest or far from it', () => {
    // Positions 2, 4, … 40 (gaps between them), read from every position 1 … 41.
    for (const size of [0, 1, 3, 4, 5, 20]) {
      const tail = new EventTail(p(1))
      const all = Array.from({ length: size }, (_, i) => 2 * (i + 1))
      tail.append(all.map((id) => entry(id, [1])))
      for (let from = 1; from <= 2 * size + 1; from++) expect(ids(tail.after(1, p(from), 500))).toEqual(all.filter((id) => id > from))
    }
  })
  it('serializes each event once, with the same id for every recipient', () => {
    const e = entry(36, [1, 2])
    expect(JSON.parse(e.json)).toEqual({ id: '00000000010-000000000000', type: 'message.created', at: '1970-01-01T00:00:00.000Z', data: { id: 36 } })
  })
})

describe('audiences', () => {
  it('are sorted, each user once, without ids below 1, whatever order they come in', () => {
    const a = new SortedAudience([42, 3, 17, 3, 0, -5, 1000, 42])
    expect([...a.users]).toEqual([3, 17, 42, 1000])
    expect(a.column).toBe(',3,17,42,1000,')
    expect(new SortedAudience([]).column).toBe(',,')
  })
  it('membership by binary search finds every member and no one else', () => {
    const users = Int32Array.from([2, 4, 8, 16, 32, 64])
    for (let u = 0; u < 70; u++) expect(hasUser(users, u)).toBe([2, 4, 8, 16, 32, 64].includes(u))
    expect(hasUser(new Int32Array(0), 1)).toBe(false)
  })
})

describe('committedEvent', () => {
  it('serializes the event as a poll answers it, with the stored data as it was', () => {
    const e = committedEvent(p(42), 'message.created', Date.UTC(2026, 0, 2, 3, 4, 5), JSON.stringify({ message: { text: 'a "quoted" é' } }), null)
    expect(Object.keys(JSON.parse(e.json))).toEqual(['id', 'type', 'at', 'data'])
    expect(JSON.parse(e.json)).toEqual({ id: `${p(42)}-000000000000`, type: 'message.created', at: '2026-01-02T03:04:05.000Z', data: { message: { text: 'a "quoted" é' } } })
  })
})
