// The event bus: what one process tells every process (itself included) once it has happened.
// Committed events feed each process's tail and wake its polls; ephemeral events, session
// revocations and cache invalidations reach the processes holding the polls, sessions and caches
// they concern. One message shape is the whole seam, as Zulip's {event, users} is between its
// writer and its deliverer. LocalBus is the one-process implementation; a network bus (Redis)
// implements the same interface, with publish settling once the message is sent.
import type { Position } from '../store/store.js'
import type { DurableType, EphemeralType } from './types.js'

/** A committed durable event as every process's tail keeps it. */
export interface CommittedEvent {
  position: Position
  type: DurableType
  createdAt: number
  /** Recipients, sorted ascending, or null for every signed-in user. */
  users: Int32Array | null
  /** The event as a poll answers it, serialized once for every recipient. */
  json: string
}

/** The caches kept per room, each dropped when its table changes. */
export type CacheName = 'members' | 'history'

export type BusMessage =
  /** Events just committed, in position order. */
  | { kind: 'committed'; events: readonly CommittedEvent[] }
  /** typing / presence: never stored, for whoever polls now or within 10 s. */
  | {
      kind: 'ephemeral'
      type: EphemeralType
      data: unknown
      at: number
      users: readonly number[]
      /** Its place among ephemeral events, set by a network bus so that every process numbers it alike. */
      seq?: number
    }
  /** Sessions signed out: refuse them, end their held polls. */
  | { kind: 'revoked'; userId: number; sessionIds: readonly string[] }
  /** A room's cached value is stale. */
  | { kind: 'invalidated'; cache: CacheName; roomId: number }

export interface EventBus {
  /**
   * Delivers the message to every subscriber of every process. Committed events reach each
   * subscriber once each and in position order, every event only after all events of smaller
   * position (the tail appends them as they come and reads them by binary search). With SQLite
   * commit order is position order; a store whose transactions commit out of position order
   * (Postgres) must have its bus hold an event back until no smaller position can still commit.
   * Settles once sent (at once for the local bus), and never rejects: a network bus logs and
   * retries its own failures, so callers need not wait.
   */
  publish(message: BusMessage): Promise<void>
  subscribe(fn: (message: BusMessage) => void): () => void
  close(): Promise<void>
}

/** One process: publishing is a direct, synchronous call of each subscriber. */
export class LocalBus implements EventBus {
  private readonly subscribers = new Set<(message: BusMessage) => void>()

  publish(message: BusMessage): Promise<void> {
    for (const fn of this.subscribers) fn(message)
    return Promise.resolve()
  }

  subscribe(fn: (message: BusMessage) => void): () => void {
    this.subscribers.add(fn)
    return () => void this.subscribers.delete(fn)
  }

  async close(): Promise<void> {
    this.subscribers.clear()
  }
}
