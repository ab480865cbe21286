// The newest committed events, in memory and in log order, so a woken poll is answered without
// reading the database. Zulip keeps its event queues in memory for the same reason.
import { encodeCursor } from './cursor.js'
import type { ApiEvent, DurableType } from './types.js'

export interface TailEntry {
  id: number
  type: DurableType
  created_at: number
  /** Recipients, sorted ascending, or null for every signed-in user. */
  users: Int32Array | null
  /** The event as a poll answers it, serialized once for every recipient. */
  json: string
}

/**
 * `dataJson` is the event's data as stored in the log (JSON); the entry keeps the whole event as
 * a poll answers it, an ApiEvent serialized: {"id","type","at","data"}.
 */
export function tailEntry(id: number, type: DurableType, createdAt: number, dataJson: string, users: Int32Array | null): TailEntry {
  const head: Omit<ApiEvent, 'data'> = { id: encodeCursor({ d: id, e: 0 }), type, at: new Date(createdAt).toISOString() }
  const json = `${JSON.stringify(head).slice(0, -1)},"data":${dataJson}}`
  return { id, type, created_at: createdAt, users, json }
}

/** Binary search in a sorted audience. */
export function hasUser(users: Int32Array, userId: number): boolean {
  let lo = 0
  let hi = users.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = users[mid]!
    if (v === userId) return true
    if (v < userId) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

/** The audience column: ",3,17,42," (sorted, so it doubles as the tail's array) or null. */
export function encodeAudience(users: Int32Array | null): string | null {
  return users === null ? null : `,${users.join(',')},`
}

/**
 * Recipients as an event row and the tail keep them: user ids (those > 0) sorted ascending, each
 * once, and that list encoded for the audience column. Built once for a list published many
 * times (a room's members, one event per message).
 */
export class SortedAudience {
  readonly users: Int32Array
  readonly column: string
  constructor(ids: Iterable<number>) {
    const users = Int32Array.from(ids).sort()
    let n = 0
    for (const id of users) if (id > 0 && (n === 0 || id !== users[n - 1])) users[n++] = id
    this.users = n === users.length ? users : users.slice(0, n)
    this.column = encodeAudience(this.users)!
  }
}

export function decodeAudience(column: string | null): Int32Array | null {
  if (column === null) return null
  return Int32Array.from(column.split(',').filter(Boolean), Number)
}

/**
 * Holds every committed event with id > start, oldest first. Callers append only in commit order
 * (the Sequencer sees to it), so the tail has no holes: what is not in it was never committed.
 */
export class EventTail {
  private entries: TailEntry[] = []

  constructor(
    private start: number,
    // 10,000 events: minutes of a busy server, a few MB; older cursors read the database.
    private readonly capacity = 10_000,
  ) {}

  append(batch: readonly TailEntry[]) {
    for (const e of batch) this.entries.push(e)
    // Trimmed a quarter at a time, so appending stays O(1) amortized: the tail holds between
    // capacity and 1.25 × capacity events.
    const excess = this.entries.length - this.capacity
    if (excess > this.capacity / 4) {
      this.start = this.entries[excess - 1]!.id
      this.entries = this.entries.slice(excess)
    }
  }

  /**
   * The user's events after `after` (at most `limit`), with how far the scan went; null when the
   * tail does not reach back to `after` and the database must answer instead.
   */
  after(userId: number, after: number, limit: number): { events: TailEntry[]; scannedTo: number } | null {
    if (after < this.start) return null
    const events: TailEntry[] = []
    let scannedTo = after
    for (let i = this.firstAfter(after); i < this.entries.length && events.length < limit; i++) {
      const e = this.entries[i]!
      scannedTo = e.id
      if (e.users === null || hasUser(e.users, userId)) events.push(e)
    }
    return { events, scannedTo }
  }

  /** Binary search: index of the first entry with id > after. */
  private firstAfter(after: number): number {
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.entries[mid]!.id <= after) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/**
 * Releases completed transactions in the order they took their tickets. Tickets are taken inside
 * the transaction when it first publishes; SQLite runs one write transaction at a time, so ticket
 * order is commit order. A rolled-back transaction completes with nothing, so nothing waits on it.
 */
export class Sequencer<T> {
  private next = 1
  private issued = 0
  private readonly done = new Map<number, T | null>()

  constructor(private readonly release: (item: T) => void) {}

  ticket(): number {
    return ++this.issued
  }

  complete(ticket: number, item: T | null) {
    this.done.set(ticket, item)
    while (this.done.has(this.next)) {
      const ready = this.done.get(this.next)!
      this.done.delete(this.next++)
      if (ready !== null) this.release(ready)
    }
  }
}
