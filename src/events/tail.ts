// The newest committed events, in memory and in log order, so a woken poll is answered without
// reading the database. Zulip keeps its event queues in memory for the same reason. The tail is
// fed from the event bus, so it holds what every process committed, not only this one.
import type { EventAudience, Position } from '../store/store.js'
import type { CommittedEvent } from './bus.js'
import type { ApiEvent, DurableType } from './types.js'
import { iso } from '../time.js'

/** The id of a durable event in a poll's answer: the cursor just past it. */
export const eventId = (position: Position) => `${position}-000000000000`

/**
 * A committed event as the tail keeps it. `dataJson` is the event's data as stored (JSON); the
 * entry keeps the whole event as a poll answers it, an ApiEvent serialized: {"id","type","at","data"}.
 */
export function committedEvent(position: Position, type: DurableType, createdAt: number, dataJson: string, users: Int32Array | null): CommittedEvent {
  const head: Omit<ApiEvent, 'data'> = { id: eventId(position), type, at: iso(createdAt) }
  const json = `${JSON.stringify(head).slice(0, -1)},"data":${dataJson}}`
  return { position, type, createdAt, users, json }
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

/**
 * Recipients as the store and the tail keep them: user ids (those > 0) sorted ascending, each
 * once, and that list encoded for SQLite's audience column. Built once for a list published many
 * times (a room's members, one event per message).
 */
export class SortedAudience implements EventAudience {
  readonly users: Int32Array
  readonly column: string
  constructor(ids: Iterable<number>) {
    const users = Int32Array.from(ids).sort()
    let n = 0
    for (const id of users) if (id > 0 && (n === 0 || id !== users[n - 1])) users[n++] = id
    this.users = n === users.length ? users : users.slice(0, n)
    this.column = `,${this.users.join(',')},`
  }
}

// 4: entries looked at from the newest end before a binary search over all of them.
const NEAR_END = 4

/**
 * Holds every committed event after `start`, oldest first. The bus hands committed events over
 * in commit order, so the tail has no holes: what is not in it was never committed.
 */
export class EventTail {
  private entries: CommittedEvent[] = []

  constructor(
    private start: Position,
    // 10,000 events: minutes of a busy server, a few MB; older cursors read the database.
    private readonly capacity = 10_000,
  ) {}

  append(batch: readonly CommittedEvent[]) {
    for (const e of batch) this.entries.push(e)
    // Trimmed a quarter at a time, so appending stays O(1) amortized: the tail holds between
    // capacity and 1.25 × capacity events.
    const excess = this.entries.length - this.capacity
    if (excess > this.capacity / 4) {
      this.start = this.entries[excess - 1]!.position
      this.entries = this.entries.slice(excess)
    }
  }

  /**
   * The user's events after `after` (at most `limit`), with how far the scan went; null when the
   * tail does not reach back to `after` and the store must answer instead.
   */
  after(userId: number, after: Position, limit: number): { events: CommittedEvent[]; scannedTo: Position } | null {
    if (after < this.start) return null
    const events: CommittedEvent[] = []
    let scannedTo = after
    for (let i = this.firstAfter(after); i < this.entries.length && events.length < limit; i++) {
      const e = this.entries[i]!
      scannedTo = e.position
      if (e.users === null || hasUser(e.users, userId)) events.push(e)
    }
    return { events, scannedTo }
  }

  /** Binary search: index of the first entry after `after`. */
  private firstAfter(after: Position): number {
    let hi = this.entries.length
    // A woken poll's cursor is mostly just behind the newest entries (the events that woke it):
    // the last few are looked at before the search.
    for (let i = hi - 1; i >= 0 && i >= hi - NEAR_END; i--) if (this.entries[i]!.position <= after) return i + 1
    hi = Math.max(0, hi - NEAR_END)
    let lo = 0
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.entries[mid]!.position <= after) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
