// The durable event log: events are appended inside the same transaction as the state change
// they report, each with its audience recorded beside it.
import { CompiledQuery, sql } from 'kysely'
import type { Clock } from '../deps.js'
import { prepared } from '../db/prepared.js'
import type { Db, Trx } from '../db/schema.js'
import { decodeAudience, EventTail, Sequencer, SortedAudience, tailEntry, type TailEntry } from './tail.js'
import type { Audience, DurableType, WakeBus } from './types.js'

// 500: API.md §10's cap on events per answer.
export const MAX_BATCH = 500
// 10,000 events: minutes of a busy server in memory (a few MB); older cursors read the log.
export const TAIL_CAPACITY = 10_000
// 50,000 event ids per read of the log: bounds one scan for a cursor far behind (an old tab).
const SCAN_WINDOW = 50_000
const PRUNED_KEY = 'events_pruned_through'

// Prepared: one per event published.
const insertEvent = prepared((db, v: { type: string; data: string; audience: string | null; createdAt: number }) =>
  db.insertInto('events').values({ type: v.type, data: v.data, audience: v.audience, created_at: v.createdAt }).returning('id'),
)

// 100 functions per commit: a group of sends runs in a few ms, and other readers wait no longer.
const MAX_GROUP = 100
const SAVEPOINT = CompiledQuery.raw('savepoint parley_job')
const RELEASE = CompiledQuery.raw('release parley_job')
const ROLLBACK_TO = CompiledQuery.raw('rollback to parley_job')

/** Everyone named by a transaction's events, each once (one event, the common case: its list). */
function audienceOf(entries: readonly TailEntry[]): Iterable<number> {
  const lists = entries.map((e) => e.users).filter((u): u is Int32Array => u !== null)
  return lists.length === 1 ? lists[0]! : new Set(lists.flatMap((l) => Array.from(l)))
}

type Job = { fn: (trx: Trx) => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void }

type Pending = { everyone: boolean; maxId: number; ticket: number; entries: TailEntry[] }

export type LogRead = { events: TailEntry[]; scannedTo: number }

export class EventLog {
  private readonly pending = new WeakMap<Trx, Pending>()
  private prunedThrough = 0
  /** The newest committed event id, kept in memory so a poll never asks the database for it. */
  private maxId = 0
  /** The newest id when this process started: every later event is announced through the bus. */
  private startId = 0
  /** Recent committed events in memory, created by init() from the newest events of the log. */
  private tail: EventTail | undefined
  private readonly sequencer = new Sequencer<Pending>((p) => this.released(p))
  /** Functions waiting for the next group commit, and whether one is running. */
  private readonly queue: Job[] = []
  private draining = false
  /** Transactions committed (each holding one or more functions): how well writes are grouped. */
  commits = 0

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly bus: WakeBus,
    private readonly tailCapacity = TAIL_CAPACITY,
  ) {}

  /** Loads what the log must remember across restarts. Call once after migrations. */
  async init(): Promise<void> {
    const row = await this.db.selectFrom('kv').select('value').where('key', '=', PRUNED_KEY).executeTakeFirst()
    this.prunedThrough = row ? Number(row.value) : 0
    // The newest events go back into memory, so clients reconnecting after a restart are
    // answered from it as before.
    const recent = await this.db.selectFrom('events').selectAll().orderBy('id', 'desc').limit(this.tailCapacity).execute()
    recent.reverse()
    const newest = recent.at(-1)?.id ?? 0
    this.maxId = this.startId = Math.max(newest, this.prunedThrough)
    // Every event with id >= the first loaded one is loaded: the tail starts just before it.
    this.tail = new EventTail(recent.length > 0 ? recent[0]!.id - 1 : this.startId, this.tailCapacity)
    this.tail.append(recent.map((r) => tailEntry(r.id, r.type as DurableType, r.created_at, r.data, decodeAudience(r.audience))))
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
   *
   * Group commit: the functions that arrive in the same turn of the event loop (the requests
   * read together), or while a transaction is running, run one after another in one
   * transaction, each inside its own savepoint (one that throws rolls back only its own writes
   * and gets its own error). Committing costs more than a small write (the WAL pages of every
   * index touched), so a busy server commits many writes at once; an idle one commits each
   * alone, one turn of the event loop later. Each function sees the writes of those before it,
   * as if run one by one, and none is answered before the commit that holds it.
   */
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject } as Job)
      // Started on the next turn of the event loop: a transaction's queries are synchronous
      // underneath, so without this each would finish before the next request was even read.
      if (!this.draining) {
        this.draining = true
        setImmediate(() => void this.drain())
      }
    })
  }

  private async drain() {
    try {
      while (this.queue.length > 0) await this.runGroup(this.queue.splice(0, MAX_GROUP))
    } finally {
      this.draining = false
    }
  }

  private async runGroup(jobs: Job[]) {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = []
    const pendings = jobs.map((): Pending => ({ everyone: false, maxId: 0, ticket: 0, entries: [] }))
    const alone = jobs.length === 1
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const [i, job] of jobs.entries()) {
          this.pending.set(trx, pendings[i]!)
          if (alone) {
            // A throw rolls back the whole (one-function) transaction.
            outcomes.push({ ok: true, value: await job.fn(trx) })
            continue
          }
          await trx.executeQuery(SAVEPOINT)
          try {
            outcomes.push({ ok: true, value: await job.fn(trx) })
            await trx.executeQuery(RELEASE)
          } catch (error) {
            outcomes.push({ ok: false, error })
            // Throws if SQLite already rolled back the whole transaction (I/O error, disk full):
            // then the group fails as one, and nothing after this runs outside a transaction.
            await trx.executeQuery(ROLLBACK_TO)
            await trx.executeQuery(RELEASE)
          }
        }
      })
      this.commits++
    } catch (error) {
      for (const [i, job] of jobs.entries()) {
        if (pendings[i]!.ticket > 0) this.sequencer.complete(pendings[i]!.ticket, null)
        const own = outcomes[i]
        job.reject(own && !own.ok ? own.error : error)
      }
      return
    }
    for (const [i, job] of jobs.entries()) {
      const own = outcomes[i]!
      if (pendings[i]!.ticket > 0) this.sequencer.complete(pendings[i]!.ticket, own.ok ? pendings[i]! : null)
      if (own.ok) job.resolve(own.value)
      else job.reject(own.error)
    }
  }

  /** Called in commit order: memory first, then the wake-up, so woken polls find the events. */
  private released(p: Pending) {
    this.maxId = Math.max(this.maxId, p.maxId)
    this.tail?.append(p.entries)
    this.bus.publish({ users: audienceOf(p.entries), everyone: p.everyone, maxId: p.maxId })
  }

  /** Appends one event for its audience, inside a transaction opened by transaction(). */
  async publish(trx: Trx, type: DurableType, data: unknown, audience: Audience): Promise<number> {
    const pending = this.pending.get(trx)
    if (!pending) throw new Error('events.publish needs a transaction from events.transaction()')
    // Taken inside the transaction: SQLite commits one at a time, so tickets follow commit order.
    if (pending.ticket === 0) pending.ticket = this.sequencer.ticket()
    const sorted = audience === 'everyone' ? null : audience instanceof SortedAudience ? audience : new SortedAudience(audience)
    const users = sorted?.users ?? null
    const createdAt = this.clock.now()
    const dataJson = JSON.stringify(data)
    const row = await insertEvent.first(trx, { type, data: dataJson, audience: sorted?.column ?? null, createdAt })
    if (!row) throw new Error('insert into events returned no row')
    if (users === null) pending.everyone = true
    pending.maxId = Math.max(pending.maxId, row.id)
    pending.entries.push(tailEntry(row.id, type, createdAt, dataJson, users))
    return row.id
  }

  /**
   * The user's events after `after`, oldest first, at most `limit`: from memory when it reaches
   * back that far, else from the log, one window of ids at a time (scannedTo says how far a read
   * went, so a cursor far behind moves on even where nothing was for this user).
   */
  async readAfter(userId: number, after: number, limit = MAX_BATCH): Promise<LogRead> {
    const recent = this.tail?.after(userId, after, limit)
    if (recent) return recent
    const upTo = Math.min(after + SCAN_WINDOW, this.maxId)
    const rows = await this.db
      .selectFrom('events')
      .select(['id', 'type', 'data', 'created_at'])
      .where('id', '>', after)
      .where('id', '<=', upTo)
      .where((eb) => eb.or([eb('audience', 'is', null), eb(sql<number>`instr(audience, ${`,${userId},`})`, '>', 0)]))
      .orderBy('id')
      .limit(limit)
      .execute()
    const events = rows.map((r) => tailEntry(r.id, r.type as DurableType, r.created_at, r.data, null))
    return { events, scannedTo: rows.length === limit ? rows.at(-1)!.id : upTo }
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
