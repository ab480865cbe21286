// The durable event log: events are appended inside the same transaction as the state change
// they report, with one audience row per user meant to receive them (user 0 = everyone).
import type { Clock } from '../deps.js'
import type { Db, Trx } from '../db/schema.js'
import { EventTail, Sequencer, tailEntry, type TailEntry } from './tail.js'
import type { Audience, DurableType, WakeBus } from './types.js'

/** Audience row for events every signed-in user receives (room.created, room.deleted). */
export const EVERYONE = 0
// 500: API.md §10's cap on events per answer.
export const MAX_BATCH = 500
const PRUNED_KEY = 'events_pruned_through'

export interface LoggedEvent {
  id: number
  type: DurableType
  created_at: number
  data: unknown
}

type Pending = { users: Set<number>; everyone: boolean; maxId: number; ticket: number; entries: TailEntry[] }

export class EventLog {
  private readonly pending = new WeakMap<Trx, Pending>()
  private prunedThrough = 0
  /** The newest committed event id, kept in memory so a poll never asks the database for it. */
  private maxId = 0
  /** The newest id when this process started: every later event is announced through the bus. */
  private startId = 0

  /** Recent committed events in memory; created by init() once the newest id is known. */
  private tail: EventTail | undefined
  private readonly sequencer = new Sequencer<Pending>((p) => this.released(p))

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly bus: WakeBus,
  ) {}

  /** Loads what the log must remember across restarts. Call once after migrations. */
  async init(): Promise<void> {
    const row = await this.db.selectFrom('kv').select('value').where('key', '=', PRUNED_KEY).executeTakeFirst()
    this.prunedThrough = row ? Number(row.value) : 0
    const max = await this.db.selectFrom('events').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst()
    this.maxId = this.startId = Math.max(Number(max?.max ?? 0), this.prunedThrough)
    this.tail = new EventTail(this.startId)
  }

  /** The user's events after `after` from memory, or null when memory does not reach back that far. */
  recentAfter(userId: number, after: number, limit = MAX_BATCH) {
    return this.tail?.after(userId, after, limit) ?? null
  }

  /**
   * True when every event after `after` has been announced by this process, so the hub's
   * per-user high-water marks alone tell whether a user has anything new (no read needed).
   */
  announcedSince(after: number): boolean {
    return after >= this.startId
  }

  /**
   * Runs fn in a transaction; events it publishes wake their audience only after the commit,
   * and not at all if it rolls back.
   */
  async transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    const pending: Pending = { users: new Set(), everyone: false, maxId: 0, ticket: 0, entries: [] }
    let result: T
    try {
      result = await this.db.transaction().execute(async (trx) => {
        this.pending.set(trx, pending)
        return fn(trx)
      })
    } catch (err) {
      if (pending.ticket > 0) this.sequencer.complete(pending.ticket, null)
      throw err
    }
    if (pending.ticket > 0) this.sequencer.complete(pending.ticket, pending)
    return result
  }

  /** Called in commit order: memory first, then the wake-up, so woken polls find the events. */
  private released(p: Pending) {
    this.maxId = Math.max(this.maxId, p.maxId)
    this.tail?.append(p.entries)
    this.bus.publish({ users: [...p.users], everyone: p.everyone, maxId: p.maxId })
  }

  /** Appends one event for its audience, inside a transaction opened by transaction(). */
  async publish(trx: Trx, type: DurableType, data: unknown, audience: Audience): Promise<number> {
    const pending = this.pending.get(trx)
    if (!pending) throw new Error('events.publish needs a transaction from events.transaction()')
    // Taken inside the transaction: SQLite commits one at a time, so tickets follow commit order.
    if (pending.ticket === 0) pending.ticket = this.sequencer.ticket()
    const createdAt = this.clock.now()
    const row = await trx
      .insertInto('events')
      .values({ type, data: JSON.stringify(data), created_at: createdAt })
      .returning('id')
      .executeTakeFirstOrThrow()
    const users = audience === 'everyone' ? [EVERYONE] : [...new Set(audience)].filter((u) => u > 0)
    if (users.length > 0) {
      await trx
        .insertInto('event_audience')
        .values(users.map((user_id) => ({ user_id, event_id: row.id })))
        .execute()
    }
    if (audience === 'everyone') pending.everyone = true
    else for (const u of users) pending.users.add(u)
    pending.entries.push(tailEntry(row.id, type, createdAt, data, audience === 'everyone' ? null : new Set(users)))
    pending.maxId = Math.max(pending.maxId, row.id)
    return row.id
  }

  /** Events for userId after event id `after`, oldest first, at most `limit`. */
  async readAfter(userId: number, after: number, limit = MAX_BATCH): Promise<LoggedEvent[]> {
    const rows = await this.db
      .selectFrom('event_audience as a')
      .innerJoin('events as e', 'e.id', 'a.event_id')
      .select(['e.id', 'e.type', 'e.data', 'e.created_at'])
      .where('a.user_id', 'in', [userId, EVERYONE])
      .where('a.event_id', '>', after)
      .orderBy('a.event_id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ id: r.id, type: r.type as DurableType, created_at: r.created_at, data: JSON.parse(r.data) }))
  }

  /** The newest event id: where a fresh cursor starts. */
  latestId(): number {
    return this.maxId
  }

  /** True when events after `after` may have been pruned: the cursor is past the retention window. */
  isExpired(after: number): boolean {
    return after < this.prunedThrough
  }

  /** Deletes events older than the retention window; returns how many went. */
  async prune(retentionDays: number): Promise<number> {
    const cutoff = this.clock.now() - retentionDays * 24 * 3600 * 1000
    return this.db.transaction().execute(async (trx) => {
      const last = await trx
        .selectFrom('events')
        .select((eb) => eb.fn.max('id').as('max'))
        .where('created_at', '<', cutoff)
        .executeTakeFirst()
      const through = Number(last?.max ?? 0)
      if (through <= this.prunedThrough) return 0
      await trx.deleteFrom('event_audience').where('event_id', '<=', through).execute()
      const res = await trx.deleteFrom('events').where('id', '<=', through).executeTakeFirst()
      await trx
        .insertInto('kv')
        .values({ key: PRUNED_KEY, value: String(through) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(through) }))
        .execute()
      this.prunedThrough = through
      return Number(res.numDeletedRows)
    })
  }
}
