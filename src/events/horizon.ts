// The bus as events must travel when transactions commit out of position order (Postgres,
// store/postgres.ts). A committed message is only a doorbell here: it goes out through the bus
// underneath (to every process, this one included), and each process, on hearing it, reads the
// log itself from the last position it released, taking only events that no older transaction
// can still precede, and hands those to its subscribers in position order. The log is the
// truth: a lost doorbell only delays, since the log is read again every second anyway, and
// sooner while committed events wait behind an older transaction that may end without a word
// (one rolled back, or one that wrote no event).
import type { Logger } from 'pino'
import type { Position, StoredEvent } from '../store/store.js'
import type { BusMessage, EventBus } from './bus.js'
import { committedEvent } from './tail.js'

/** What the bus reads: the store's events that can no longer be preceded (PostgresStore). */
export interface FinalEvents {
  finalEventsAfter(after: Position, limit: number): Promise<{ events: Array<StoredEvent & { users: Int32Array | null }>; pending: boolean }>
}

// 1 s: the longest a committed event waits when its doorbell was lost (API.md §14: "at most a
// few seconds late" with the bus down).
const FALLBACK_MS = 1_000
// 10 ms, doubling to 500 ms: how soon to look again while events wait behind an open
// transaction (app transactions last milliseconds; a stuck one is ended by the server in 5 s).
const WAITING_FIRST_MS = 10
const WAITING_MAX_MS = 500
// 1,000 events per read: a process catching up after a burst releases them in a few reads.
const BATCH = 1_000

export class HorizonBus implements EventBus {
  private readonly subscribers = new Set<(message: BusMessage) => void>()
  private readonly unsubscribe: () => void
  /** The newest position handed to subscribers; undefined until start(). */
  private released: Position | undefined
  private reading = false
  private again = false
  private closed = false
  private waitingMs = 0
  private fallback: ReturnType<typeof setInterval> | undefined
  private waitTimer: ReturnType<typeof setTimeout> | undefined
  /** Callers waiting until a position is released here, in no particular order. */
  private waiters: Array<{ position: Position; resolve: () => void }> = []

  constructor(
    private readonly inner: EventBus,
    private readonly source: FinalEvents,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    this.unsubscribe = inner.subscribe((m) => (m.kind === 'committed' ? this.ring() : this.fanout(m)))
  }

  /** Starts releasing the events after `from` (the newest the event log loaded at start). */
  start(from: Position): void {
    this.released = from
    this.fallback = setInterval(() => this.ring(), FALLBACK_MS)
    this.fallback.unref()
    this.ring()
  }

  /**
   * Resolves once this process's subscribers have had every event up to `position` (a writer's
   * own events, so its answer is never ahead of its own polls), or after `limitMs` regardless:
   * the events still come, only later.
   */
  reached(position: Position, limitMs: number): Promise<void> {
    if (this.released !== undefined && this.released >= position) return Promise.resolve()
    return new Promise((resolve) => {
      const waiter = { position, resolve }
      this.waiters.push(waiter)
      setTimeout(() => this.settle(waiter), limitMs).unref()
      this.ring()
    })
  }

  private settle(waiter: { resolve: () => void }) {
    this.waiters = this.waiters.filter((w) => w !== waiter)
    waiter.resolve()
  }

  publish(message: BusMessage): Promise<void> {
    return this.inner.publish(message)
  }

  subscribe(fn: (message: BusMessage) => void): () => void {
    this.subscribers.add(fn)
    return () => void this.subscribers.delete(fn)
  }

  async close(): Promise<void> {
    this.closed = true
    for (const w of this.waiters) w.resolve()
    this.waiters = []
    clearInterval(this.fallback)
    clearTimeout(this.waitTimer)
    this.unsubscribe()
    this.subscribers.clear()
    await this.inner.close()
  }

  private fanout(message: BusMessage) {
    for (const fn of this.subscribers) fn(message)
  }

  /** Something may have committed: read the log (once more after the read in progress, if any). */
  private ring() {
    if (this.released === undefined || this.closed) return
    if (this.reading) {
      this.again = true
      return
    }
    void this.read()
  }

  private async read() {
    this.reading = true
    try {
      do {
        this.again = false
        const { events, pending } = await this.source.finalEventsAfter(this.released!, BATCH)
        if (this.closed) return
        if (events.length > 0) {
          this.released = events.at(-1)!.position
          this.waitingMs = 0
          this.fanout({ kind: 'committed', events: events.map((e) => committedEvent(e.position, e.type, e.createdAt, e.data, e.users)) })
          const released = this.released
          if (this.waiters.some((w) => w.position <= released)) {
            for (const w of this.waiters) if (w.position <= released) w.resolve()
            this.waiters = this.waiters.filter((w) => w.position > released)
          }
        }
        if (events.length === BATCH) this.again = true
        else if (pending) this.lookAgainSoon()
      } while (this.again && !this.closed)
    } catch (err) {
      // The database is away (restarting, say): the fallback timer tries again.
      if (!this.closed) this.log.warn({ err }, 'reading the event log failed')
    } finally {
      this.reading = false
    }
  }

  private lookAgainSoon() {
    if (this.waitTimer) return
    this.waitingMs = Math.min(WAITING_MAX_MS, this.waitingMs === 0 ? WAITING_FIRST_MS : this.waitingMs * 2)
    this.waitTimer = setTimeout(() => {
      this.waitTimer = undefined
      this.ring()
    }, this.waitingMs)
  }
}
