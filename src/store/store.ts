// The storage seam. Domain code writes only inside Store.transaction, and whatever must follow a
// commit (releasing events, ending revoked polls, dropping caches elsewhere) it hands to
// Store.onCommit. The store also keeps the durable event log, because where an event sits in
// it must follow commit order, and only the store knows how its database orders commits.
// SqliteStore (store/sqlite.ts) is the implementation today; a PostgresStore implements the same
// interface its own way (positions from the committing transaction, not from a sequence).
import type { Db, MessageRow, Trx } from '../db/schema.js'
import type { DurableType } from '../events/types.js'
import type { MessageFields } from '../messages/messages.js'

/**
 * A place in the durable event stream, after which a reader continues. Opaque outside the store:
 * a string of [0-9a-z] of one fixed width per store, so that a later position compares greater as
 * a string. Nothing but the store does arithmetic on it.
 */
export type Position = string

/** An event as the store keeps it: its data as JSON, its recipients as given (null: everyone). */
export interface StoredEvent {
  position: Position
  type: DurableType
  /** The event's data, serialized (JSON). */
  data: string
  createdAt: number
}

/** Recipients of an event as the store records them: user ids sorted ascending, each once. */
export interface EventAudience {
  readonly users: Int32Array
  /** The SQLite column form, ",3,17,42,", kept with the list so a room's is encoded once. */
  readonly column: string
}

export interface Store {
  /** Reads (and single-statement writes that need nothing after their commit). */
  readonly db: Db

  /**
   * Runs fn in a transaction and resolves with its value once that transaction has committed and
   * its onCommit functions have run; rejects (with nothing of fn kept) if fn throws.
   */
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T>

  /**
   * Runs fn after trx commits, never if it rolls back. Functions run in commit order across
   * transactions, and before the transaction's caller gets its value.
   */
  onCommit(trx: Trx, fn: () => void): void

  /**
   * Whether other processes write the same log (Postgres): a cursor may then name a position
   * another process has released and this one not yet, which is no sign of a foreign cursor.
   */
  readonly shared: boolean

  /** The position before every event: where an empty log's readers start. */
  readonly origin: Position
  /** Whether s is a position this store could have issued (a cursor's durable part). */
  isPosition(s: string): boolean

  /**
   * Appends an event inside trx. Positions order the log for readers: once eventsAfter has read
   * past a position, no event with a smaller one may appear later (SQLite: one writer, so the row
   * id; Postgres: the committing transaction's id, read only below the oldest one still running).
   */
  appendEvent(trx: Trx, type: DurableType, data: string, audience: EventAudience | null, createdAt: number): Promise<Position>

  /**
   * The user's committed events after `after` (theirs and everyone's), oldest first, at most
   * `limit`, with how far the read went: a reader far behind moves on even through stretches of
   * the log with nothing for it.
   */
  eventsAfter(userId: number, after: Position, limit: number): Promise<{ events: StoredEvent[]; scannedTo: Position }>

  /** The newest `limit` events, oldest first, with their audiences (to fill memory at start). */
  newestEvents(limit: number): Promise<Array<StoredEvent & { users: Int32Array | null }>>

  /** The position through which events were pruned (origin if never): older cursors are expired. */
  prunedThrough(): Promise<Position>

  /** Deletes the events created before `before` (epoch ms); answers the new prunedThrough, or null if nothing went. */
  pruneEvents(before: number): Promise<{ through: Position; deleted: number } | null>

  /**
   * Runs fn unless another process is running work of this name now (API.md §14: periodic work
   * on one process at a time); resolves with whether it ran. SQLite: one process, so it always runs.
   */
  exclusive(name: string, fn: () => Promise<unknown>): Promise<boolean>

  /**
   * Full-text search of user messages (API.md §16), newest first: those whose text has, for each
   * term, a word starting with it (a one-character term: that word exactly), that `userId` sees
   * now: in rooms they are a member of (after their clear), and in their own dialogs (after their
   * clear). The only search query: each store keeps its own index (SQLite: FTS5, kept by triggers
   * in every writer's transaction).
   */
  searchMessages(q: SearchSpec): Promise<MessageFields[]>

  close(): Promise<void>
}

export interface SearchSpec {
  userId: number
  /** Lower-cased words without diacritics, letters and digits only (search/terms.ts), at least one. */
  terms: readonly string[]
  roomId?: number
  /** Only the dialog with this user. */
  withUserId?: number
  /** Only messages with a smaller id. */
  before?: number
  limit: number
}
