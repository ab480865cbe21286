// The Store on PostgreSQL (API.md §14): any number of processes write at once, each transaction
// on its own pooled connection, and nothing here orders them. So an event's position is not its
// id (a sequence hands out ids in the order transactions ask, not the order they commit) but
// (tx, id): the id of the transaction that wrote it (pg_current_xact_id(), the column's default)
// and then its own id. Readers take only events whose transaction is older than every transaction
// still running (tx < pg_snapshot_xmin(pg_current_snapshot())): those transactions have ended, so
// no event can still appear among them, and a reader that has read up to a position never finds a
// smaller one later. An event waits at most as long as the oldest transaction open beside it
// (bounded by the connections' timeouts, db/postgres.ts).
import { sql } from 'kysely'
import type { Logger } from 'pino'
import type { Db, Trx } from '../db/schema.js'
import type { EventBus } from '../events/bus.js'
import { HorizonBus } from '../events/horizon.js'
import type { DurableType } from '../events/types.js'
import { postgresSearch } from './postgres-search.js'
import type { EventAudience, Position, SearchSpec, Store, StoredEvent } from './store.js'

// Two numbers of 11 base-36 digits each (36^11 ≈ 1.3e17, past 2^53): the transaction, then the
// event's id. Fixed width, so a later position compares greater as a string.
const WIDTH = 11
const PATTERN = /^[0-9a-z]{22}$/
const digits = (n: number | string) => BigInt(n).toString(36).padStart(WIDTH, '0')
/** The position of event `id` written by transaction `tx` (a decimal string, as xid8 reads). */
export const pgPosition = (tx: number | string, id: number): Position => digits(tx) + digits(id)
/** A position's transaction (decimal, for ::xid8) and id. */
const parts = (p: Position) => ({ tx: String(parseInt(p.slice(0, WIDTH), 36)), id: parseInt(p.slice(WIDTH), 36) })
const isPgPosition = (s: string) =>
  PATTERN.test(s) && Number.isSafeInteger(parseInt(s.slice(0, WIDTH), 36)) && Number.isSafeInteger(parseInt(s.slice(WIDTH), 36))

const PRUNED_KEY = 'events_pruned_through'

// 3 tries: a transaction that loses a race to a concurrent one (the same unique key, a deadlock)
// runs again once the other has committed and sees its rows; SQLite's one writer never races.
const MAX_ATTEMPTS = 3
// unique_violation, serialization_failure, deadlock_detected.
const RETRYABLE = new Set(['23505', '40001', '40P01'])
const retryable = (err: unknown) => RETRYABLE.has((err as { code?: string }).code ?? '')
// 6 s: past the 5 s after which Postgres ends a transaction left open, the longest an event can
// wait behind one; a writer answers by then even if its events are still on their way.
const RELEASE_WAIT_MS = 6_000

type EventRow = { tx: string; id: number; type: string; data: string; created_at: number }
type FullRow = EventRow & { users: number[] | null; final: boolean }

const toStored = (r: EventRow): StoredEvent => ({ position: pgPosition(r.tx, r.id), type: r.type as DurableType, data: r.data, createdAt: r.created_at })
const usersOf = (users: number[] | null) => (users === null ? null : Int32Array.from(users))
// The oldest transaction still running, as the statement's snapshot sees it.
const HORIZON = sql`pg_snapshot_xmin(pg_current_snapshot())`

export class PostgresStore implements Store {
  readonly origin = pgPosition(0, 0)
  readonly shared = true
  /** The functions to run after each open transaction commits, and its newest event. */
  private readonly running = new WeakMap<Trx, { hooks: Array<() => void>; newest: Position | undefined }>()
  private horizon: HorizonBus | undefined

  constructor(
    readonly db: Db,
    private readonly closeDb: () => Promise<void>,
    private readonly log: Pick<Logger, 'error'>,
  ) {}

  async init(): Promise<void> {}

  /**
   * The bus this store's events must travel on: committed events leave only in position order
   * (events/horizon.ts), and a transaction that wrote events resolves once they have.
   */
  orderedBus(inner: EventBus, log: Pick<Logger, 'warn'>): HorizonBus {
    this.horizon = new HorizonBus(inner, this, log)
    return this.horizon
  }

  isPosition(s: string): boolean {
    return isPgPosition(s)
  }

  /**
   * One transaction on one connection, beside any others. A transaction that fails on a conflict
   * with a concurrent one runs again from the start (fn must only write through trx, as every
   * store transaction does); its onCommit functions run after its commit, in the order given.
   */
  async transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const job = { hooks: [] as Array<() => void>, newest: undefined as Position | undefined }
      let value: T
      try {
        value = await this.db.transaction().execute(async (trx) => {
          // One writer at a time per site, as on SQLite: the transaction id (assigned at the first
          // write, after this lock) and every id a sequence hands out then follow commit order, so
          // message ids ascend in the order their events are delivered (without it, of two
          // concurrent sends the one that began first could draw the higher message id).
          await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.parley.writes'))`.execute(trx)
          this.running.set(trx, job)
          try {
            return await fn(trx)
          } finally {
            this.running.delete(trx)
          }
        })
      } catch (err) {
        if (attempt < MAX_ATTEMPTS && retryable(err)) continue
        throw err
      }
      for (const hook of job.hooks) {
        try {
          hook()
        } catch (err) {
          this.log.error({ err }, 'after-commit function failed')
        }
      }
      // The writer's answer follows its events into this process's log (as on SQLite), so a poll
      // sent after it finds them.
      if (job.newest && this.horizon) await this.horizon.reached(job.newest, RELEASE_WAIT_MS)
      return value
    }
  }

  onCommit(trx: Trx, fn: () => void): void {
    const job = this.running.get(trx)
    if (!job) throw new Error('onCommit needs a transaction from store.transaction()')
    job.hooks.push(fn)
  }

  async appendEvent(trx: Trx, type: DurableType, data: string, audience: EventAudience | null, createdAt: number): Promise<Position> {
    const job = this.running.get(trx)
    if (!job) throw new Error('appendEvent needs a transaction from store.transaction()')
    const users = audience ? Array.from(audience.users) : null
    const { rows } = await sql<{ tx: string; id: number }>`insert into events (type, data, users, created_at)
      values (${type}, ${data}, ${users}::integer[], ${createdAt}) returning tx::text as tx, id`.execute(trx)
    const row = rows[0]
    if (!row) throw new Error('insert into events returned no row')
    const position = pgPosition(row.tx, row.id)
    job.newest = position
    return position
  }

  async eventsAfter(userId: number, after: Position, limit: number): Promise<{ events: StoredEvent[]; scannedTo: Position }> {
    const { tx, id } = parts(after)
    // One statement, so the events and the newest final position come from one snapshot.
    const { rows } = await sql<EventRow & { last: boolean }>`
      (select tx::text as tx, id, type, data, created_at, false as last from events
        where (tx, id) > (${tx}::xid8, ${id}) and tx < ${HORIZON}
          and (users @> array[${userId}::integer] or users is null)
        order by tx, id limit ${limit})
      union all
      (select tx::text, id, null, null, null, true from events where tx < ${HORIZON} order by tx desc, id desc limit 1)`.execute(this.db)
    const events = rows.filter((r) => !r.last).map(toStored)
    const newest = rows.find((r) => r.last)
    const scannedTo = events.length === limit ? events.at(-1)!.position : newest ? pgPosition(newest.tx, newest.id) : after
    return { events, scannedTo: scannedTo > after ? scannedTo : after }
  }

  /**
   * Every event after `after` that can no longer be preceded by another, oldest first, at most
   * `limit`; `pending` when committed events beyond them wait for an older transaction to end.
   */
  async finalEventsAfter(after: Position, limit: number): Promise<{ events: Array<StoredEvent & { users: Int32Array | null }>; pending: boolean }> {
    const { tx, id } = parts(after)
    const { rows } = await sql<FullRow>`select tx::text as tx, id, type, data, users, created_at, tx < ${HORIZON} as final
      from events where (tx, id) > (${tx}::xid8, ${id}) order by tx, id limit ${limit}`.execute(this.db)
    const firstWaiting = rows.findIndex((r) => !r.final)
    const final = firstWaiting < 0 ? rows : rows.slice(0, firstWaiting)
    return { events: final.map((r) => ({ ...toStored(r), users: usersOf(r.users) })), pending: firstWaiting >= 0 }
  }

  async newestEvents(limit: number) {
    const { rows } = await sql<FullRow>`select tx::text as tx, id, type, data, users, created_at from events
      where tx < ${HORIZON} order by tx desc, id desc limit ${limit}`.execute(this.db)
    return rows.reverse().map((r) => ({ ...toStored(r), users: usersOf(r.users) }))
  }

  async prunedThrough(): Promise<Position> {
    const row = await this.db.selectFrom('kv').select('value').where('key', '=', PRUNED_KEY).executeTakeFirst()
    return row && isPgPosition(row.value) ? row.value : this.origin
  }

  async pruneEvents(before: number): Promise<{ through: Position; deleted: number } | null> {
    return this.transaction(async (trx) => {
      const { rows } = await sql<{ tx: string; id: number }>`select tx::text as tx, id from events
        where created_at < ${before} and tx < ${HORIZON} order by tx desc, id desc limit 1`.execute(trx)
      const last = rows[0]
      if (!last) return null
      const through = pgPosition(last.tx, last.id)
      const kept = await trx.selectFrom('kv').select('value').where('key', '=', PRUNED_KEY).executeTakeFirst()
      if (kept && through <= kept.value) return null
      const res = await sql`delete from events where (tx, id) <= (${last.tx}::xid8, ${last.id})`.execute(trx)
      await trx
        .insertInto('kv')
        .values({ key: PRUNED_KEY, value: through })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: through }))
        .execute()
      return { through, deleted: Number(res.numAffectedRows ?? 0n) }
    })
  }

  /**
   * A session-level advisory lock, held on a connection of its own while fn runs (fn's queries
   * use other connections): another process trying the same name meanwhile skips its turn. A
   * process that dies loses its connection, and with it the lock.
   */
  async exclusive(name: string, fn: () => Promise<unknown>): Promise<boolean> {
    return this.db.connection().execute(async (conn) => {
      // Named within the schema: two sites in one database do not share turns.
      const key = sql`hashtext(current_schema() || ${`.parley.${name}`})`
      const { rows } = await sql<{ got: boolean }>`select pg_try_advisory_lock(${key}) as got`.execute(conn)
      if (!rows[0]?.got) return false
      try {
        await fn()
        return true
      } finally {
        await sql`select pg_advisory_unlock(${key})`.execute(conn)
      }
    })
  }

  searchMessages(q: SearchSpec) {
    return postgresSearch(this.db, q)
  }

  close(): Promise<void> {
    return this.closeDb()
  }
}
