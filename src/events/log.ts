// The durable event log as the domain and the poll see it: events are appended through the store
// inside the same transaction as the state change they report, each with its audience, and are
// handed to the event bus once committed. Every process's tail is fed from the bus.
import type { Clock } from '../clock.js'
import { ApiError } from '../errors.js'
import type { Trx } from '../db/schema.js'
import type { Position, Store } from '../store/store.js'
import type { BusMessage, CommittedEvent, EventBus } from './bus.js'
import { committedEvent, EventTail, SortedAudience } from './tail.js'
import type { Audience, DurableType, EphemeralType } from './types.js'

// 500: API.md §10's cap on events per answer.
export const MAX_BATCH = 500
// 10,000 events: minutes of a busy server in memory (a few MB); older cursors read the store.
export const TAIL_CAPACITY = 10_000

export const cursorExpired = () => new ApiError('cursor_expired', 'The cursor is too old; reload state and start again without one.')

export type LogRead = { events: CommittedEvent[]; scannedTo: Position }

export class EventLog {
  private prunedThrough: Position
  /** The newest committed position this process knows of, kept so a poll never asks the store. */
  private latest: Position
  /** The newest position when this process subscribed: every later event came through the bus. */
  private start: Position
  /** Recent committed events in memory, created by init() from the newest events of the log. */
  private tail: EventTail | undefined

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly tailCapacity = TAIL_CAPACITY,
  ) {
    this.prunedThrough = this.latest = this.start = store.origin
  }

  /** Loads what the log must remember across restarts. Call once after migrations, before serving. */
  async init(): Promise<void> {
    this.prunedThrough = await this.store.prunedThrough()
    // The newest events go back into memory, so clients reconnecting after a restart are
    // answered from it as before.
    const recent = await this.store.newestEvents(this.tailCapacity)
    const newest = recent.at(-1)?.position ?? this.store.origin
    this.latest = this.start = newest > this.prunedThrough ? newest : this.prunedThrough
    // Every event from the first one loaded on is in memory: the tail starts there.
    this.tail = new EventTail(recent[0]?.position ?? this.start, this.tailCapacity)
    this.tail.append(recent.map((r) => committedEvent(r.position, r.type, r.createdAt, r.data, r.users)))
  }

  /**
   * Appends one event for its audience inside a store transaction; it reaches the bus (and so
   * every tail and waiting poll) only once that transaction has committed.
   */
  async publish(trx: Trx, type: DurableType, data: unknown, audience: Audience): Promise<Position> {
    return this.publishJson(trx, type, JSON.stringify(data), audience)
  }

  /** publish with the event's data already serialized (a caller that answers the same JSON). */
  async publishJson(trx: Trx, type: DurableType, dataJson: string, audience: Audience): Promise<Position> {
    const sorted = audience === 'everyone' ? null : audience instanceof SortedAudience ? audience : new SortedAudience(audience)
    const createdAt = this.clock.now()
    const position = await this.store.appendEvent(trx, type, dataJson, sorted, createdAt)
    const event = committedEvent(position, type, createdAt, dataJson, sorted?.users ?? null)
    this.store.onCommit(trx, () => this.send({ kind: 'committed', events: [event] }))
    return position
  }

  /** typing / presence: to the users' polls in every process, never stored. */
  ephemeral(type: EphemeralType, data: unknown, users: Iterable<number>): void {
    this.send({ kind: 'ephemeral', type, data, at: this.clock.now(), users: [...new Set(users)] })
  }

  private send(message: BusMessage) {
    void this.bus.publish(message)
  }

  /** Committed events from the bus, in commit order: into memory before any poll is woken. */
  received(events: readonly CommittedEvent[]): void {
    for (const e of events) if (e.position > this.latest) this.latest = e.position
    this.tail?.append(events)
  }

  /**
   * True when every event after `after` reached this process through the bus, so the hub's
   * per-user high-water marks alone tell whether a user has anything new (no read needed).
   */
  knownSince(after: Position): boolean {
    return after >= this.start
  }

  /**
   * The user's events after `after`, oldest first, at most `limit`: from memory when it reaches
   * back that far, else from the store (scannedTo says how far a read went, so a cursor far
   * behind moves on even where nothing was for this user).
   */
  async readAfter(userId: number, after: Position, limit = MAX_BATCH): Promise<LogRead> {
    const recent = this.readRecent(userId, after, limit)
    if (recent) return recent
    // Another process may have pruned since this one looked (Postgres: one process prunes).
    this.prunedThrough = await this.store.prunedThrough()
    if (this.isExpired(after)) throw cursorExpired()
    const read = await this.store.eventsAfter(userId, after, limit)
    // The store may hold events this process's bus has not released yet (Postgres: final, but
    // still on their way here): the read stops at the newest released, so a cursor never runs
    // ahead of this process's log and the tail takes over from there.
    const latest = this.latest
    const events = read.events.filter((e) => e.position <= latest)
    const bound = latest > after ? latest : after
    const scannedTo = read.scannedTo < bound ? read.scannedTo : bound
    return { events: events.map((e) => committedEvent(e.position, e.type, e.createdAt, e.data, null)), scannedTo }
  }

  /** readAfter from memory, at once: null when memory does not reach back to `after` (readAfter then reads the store). */
  readRecent(userId: number, after: Position, limit = MAX_BATCH): LogRead | null {
    return this.tail?.after(userId, after, limit) ?? null
  }

  /** The newest position: where a fresh cursor starts. */
  latestPosition(): Position {
    return this.latest
  }

  /** Whether s is a position of this log's store (a cursor's durable part). */
  isPosition(s: string): boolean {
    return this.store.isPosition(s)
  }

  /**
   * True for a position past every event this log has seen, when no other process can have
   * issued it (SQLite): a cursor from another database, say one since restored from a backup.
   * With Postgres, another process may simply be ahead; a poll then waits for this one to catch up.
   */
  isUnknown(after: Position): boolean {
    return after > this.latest && !this.store.shared
  }

  /** True when events after `after` may have been pruned: the cursor is past the retention window. */
  isExpired(after: Position): boolean {
    return after < this.prunedThrough
  }

  /** Deletes events older than the retention window; returns how many went. */
  async prune(retentionDays: number): Promise<number> {
    const pruned = await this.store.pruneEvents(this.clock.now() - retentionDays * 24 * 3600 * 1000)
    if (!pruned) return 0
    this.prunedThrough = pruned.through
    return pruned.deleted
  }
}
