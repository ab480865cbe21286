// The Store on SQLite (better-sqlite3 through kysely).
//
// What this store assumes, and everything below rests on: one writer. This process is the only
// one writing its database file, and every transaction goes through this store's queue, which
// runs one group at a time on kysely's single SQLite connection. Hence commits happen in queue
// order, an event's autoincrement id is in commit order (so the id is its position), and running
// onCommit functions in queue order runs them in commit order. Nothing here takes a lock for it.
// A store for a database with concurrent writers (PostgresStore) must order positions by commit
// its own way.
import { CompiledQuery, sql } from 'kysely'
import type { Logger } from 'pino'
import { prepared, runCompiled } from '../db/prepared.js'
import type { Db, Trx } from '../db/schema.js'
import type { DurableType } from '../events/types.js'
import { FLUSH_SEARCH_INDEX, FLUSH_SEARCH_INDEX_DUE, sqliteSearch } from './sqlite-search.js'
import type { EventAudience, Position, SearchSpec, Store, StoredEvent } from './store.js'

// 11 base-36 digits: 36^11 ≈ 1.3e17 event ids, and a position that sorts as a string.
const WIDTH = 11
const PATTERN = /^[0-9a-z]{11}$/
/** The position of the event with this id. */
export const positionOf = (id: number): Position => id.toString(36).padStart(WIDTH, '0')
const idOf = (p: Position): number => parseInt(p, 36)
/** Whether s is a position this store issues. */
export const isSqlitePosition = (s: string): boolean => PATTERN.test(s) && Number.isSafeInteger(idOf(s))

// 50,000 event ids per read of the log: bounds one scan for a cursor far behind (an old tab).
const SCAN_WINDOW = 50_000
const PRUNED_KEY = 'events_pruned_through'

// 100 functions per commit: a group of sends runs in a few ms, and other readers wait no longer.
const MAX_GROUP = 100
const SAVEPOINT = CompiledQuery.raw('savepoint parley_job')
const RELEASE = CompiledQuery.raw('release parley_job')
const ROLLBACK_TO = CompiledQuery.raw('rollback to parley_job')

// Prepared: one per event published. The id is the rowid SQLite hands back (RETURNING would cost a
// temporary table per row).
const insertEvent = prepared((db, v: { type: string; data: string; audience: string | null; createdAt: number }) =>
  db.insertInto('events').values({ type: v.type, data: v.data, audience: v.audience, created_at: v.createdAt }),
)

/** A function waiting in the queue, and what it leaves for after its commit. */
type Job = {
  fn: (trx: Trx) => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  hooks: Array<() => void>
  maxId: number
}

const decodeUsers = (column: string | null): Int32Array | null => (column === null ? null : Int32Array.from(column.split(',').filter(Boolean), Number))

const toStoredWithUsers = (r: { id: number; type: string; data: string; created_at: number; audience: string | null }) => ({
  position: positionOf(r.id),
  type: r.type as DurableType,
  data: r.data,
  createdAt: r.created_at,
  users: decodeUsers(r.audience),
})

export class SqliteStore implements Store {
  readonly origin = positionOf(0)
  /** The job whose function runs now, by transaction (a group shares one kysely transaction). */
  private readonly running = new WeakMap<Trx, Job>()
  private readonly queue: Job[] = []
  private draining = false
  /** The newest committed event id, kept so reads never run past it. */
  private maxId = 0
  /** Transactions committed (each holding one or more functions): how well writes are grouped. */
  commits = 0

  constructor(
    readonly db: Db,
    private readonly closeDb: () => Promise<void>,
    private readonly log: Pick<Logger, 'error'>,
    /** Other processes write this file too (EVENT_BUS on SQLite: tests of several processes). */
    readonly shared = false,
  ) {}

  /** Reads what the store keeps across restarts. Call once, after migrations. */
  async init(): Promise<void> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst()
    this.maxId = Math.max(Number(row?.max ?? 0), idOf(await this.prunedThrough()))
    // Messages written by something other than this store (a script, a seeded database) and not
    // indexed yet: into the index before the first search.
    await this.db.transaction().execute(async (trx) => {
      for (const q of FLUSH_SEARCH_INDEX) await runCompiled(trx, q)
    })
  }

  isPosition(s: string): boolean {
    return isSqlitePosition(s)
  }

  /**
   * Group commit: the functions that arrive in the same turn of the event loop (the requests
   * read together), or while a group is running, run one after another in one transaction, each
   * inside its own savepoint (one that throws rolls back only its own writes and gets its own
   * error). Committing costs more than a small write (the WAL pages of every index touched), so a
   * busy server commits many writes at once; an idle one commits each alone, one turn of the
   * event loop later. Each function sees the writes of those before it, as if run one by one.
   */
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject, hooks: [], maxId: 0 } as Job)
      // Started on the next turn of the event loop: a transaction's queries are synchronous
      // underneath, so without this each would finish before the next request was even read.
      if (!this.draining) {
        this.draining = true
        setImmediate(() => void this.drain())
      }
    })
  }

  onCommit(trx: Trx, fn: () => void): void {
    const job = this.running.get(trx)
    if (!job) throw new Error('onCommit needs a transaction from store.transaction()')
    job.hooks.push(fn)
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
    const alone = jobs.length === 1
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const job of jobs) {
          this.running.set(trx, job)
          if (alone) {
            // A throw rolls back the whole (one-function) transaction.
            outcomes.push({ ok: true, value: await job.fn(trx) })
            continue
          }
          await runCompiled(trx, SAVEPOINT)
          try {
            outcomes.push({ ok: true, value: await job.fn(trx) })
            await runCompiled(trx, RELEASE)
          } catch (error) {
            outcomes.push({ ok: false, error })
            // Throws if SQLite already rolled back the whole transaction (I/O error, disk full):
            // then the group fails as one, and nothing after this runs outside a transaction.
            await runCompiled(trx, ROLLBACK_TO)
            await runCompiled(trx, RELEASE)
          }
        }
        this.running.delete(trx)
        // The messages not indexed yet into the search index once there are enough of them for
        // one FTS5 segment (store/sqlite-search.ts INDEX_EVERY): the search reads the others.
        for (const q of FLUSH_SEARCH_INDEX_DUE) await runCompiled(trx, q)
      })
      this.commits++
    } catch (error) {
      for (const [i, job] of jobs.entries()) {
        const own = outcomes[i]
        job.reject(own && !own.ok ? own.error : error)
      }
      return
    }
    // Committed: in queue order (commit order), each job's functions, then its answer.
    for (const [i, job] of jobs.entries()) {
      const own = outcomes[i]!
      if (!own.ok) {
        job.reject(own.error)
        continue
      }
      this.maxId = Math.max(this.maxId, job.maxId)
      for (const hook of job.hooks) {
        try {
          hook()
        } catch (err) {
          this.log.error({ err }, 'after-commit function failed')
        }
      }
      job.resolve(own.value)
    }
  }

  async appendEvent(trx: Trx, type: DurableType, data: string, audience: EventAudience | null, createdAt: number): Promise<Position> {
    const job = this.running.get(trx)
    if (!job) throw new Error('appendEvent needs a transaction from store.transaction()')
    const id = await insertEvent.insertId(trx, { type, data, audience: audience?.column ?? null, createdAt })
    job.maxId = Math.max(job.maxId, id)
    return positionOf(id)
  }

  async eventsAfter(userId: number, after: Position, limit: number): Promise<{ events: StoredEvent[]; scannedTo: Position }> {
    const from = idOf(after)
    const upTo = Math.min(from + SCAN_WINDOW, this.maxId)
    const rows = await this.db
      .selectFrom('events')
      .select(['id', 'type', 'data', 'created_at'])
      .where('id', '>', from)
      .where('id', '<=', upTo)
      // The audience column is ",3,17,42,": one sequential row per event, not one index entry per recipient.
      .where((eb) => eb.or([eb('audience', 'is', null), eb(sql<number>`instr(audience, ${`,${userId},`})`, '>', 0)]))
      .orderBy('id')
      .limit(limit)
      .execute()
    const events = rows.map((r) => ({ position: positionOf(r.id), type: r.type as DurableType, data: r.data, createdAt: r.created_at }))
    return { events, scannedTo: positionOf(rows.length === limit ? rows.at(-1)!.id : Math.max(upTo, from)) }
  }

  /**
   * With EVENT_BUS, several processes on one file (events/horizon.ts reads what they committed):
   * SQLite's write lock commits them in id order, so every committed event is final, and reads
   * past them move maxId on.
   */
  async finalEventsAfter(after: Position, limit: number) {
    const rows = await this.db.selectFrom('events').selectAll().where('id', '>', idOf(after)).orderBy('id').limit(limit).execute()
    if (rows.length > 0) this.maxId = Math.max(this.maxId, rows.at(-1)!.id)
    return { events: rows.map(toStoredWithUsers), pending: false }
  }

  async newestEvents(limit: number) {
    const rows = await this.db.selectFrom('events').selectAll().orderBy('id', 'desc').limit(limit).execute()
    return rows.reverse().map(toStoredWithUsers)
  }

  async prunedThrough(): Promise<Position> {
    const row = await this.db.selectFrom('kv').select('value').where('key', '=', PRUNED_KEY).executeTakeFirst()
    return positionOf(row ? Number(row.value) : 0)
  }

  async pruneEvents(before: number): Promise<{ through: Position; deleted: number } | null> {
    return this.transaction(async (trx) => {
      const last = await trx.selectFrom('events').select((eb) => eb.fn.max('id').as('max')).where('created_at', '<', before).executeTakeFirst()
      const through = Number(last?.max ?? 0)
      const kept = await trx.selectFrom('kv').select('value').where('key', '=', PRUNED_KEY).executeTakeFirst()
      if (through <= Number(kept?.value ?? 0)) return null
      const res = await trx.deleteFrom('events').where('id', '<=', through).executeTakeFirst()
      await trx
        .insertInto('kv')
        .values({ key: PRUNED_KEY, value: String(through) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(through) }))
        .execute()
      return { through: positionOf(through), deleted: Number(res.numDeletedRows) }
    })
  }

  /** One process per database file (the DATA_DIR lock): nothing else can be running it. */
  async exclusive(_name: string, fn: () => Promise<unknown>): Promise<boolean> {
    await fn()
    return true
  }

  searchMessages(q: SearchSpec) {
    return sqliteSearch(this.db, q)
  }

  close(): Promise<void> {
    return this.closeDb()
  }
}
