// The in-process hub: waiting polls per user, woken by what the event bus delivers (committed
// events, ephemeral events, revocations); and the ephemeral events (typing, presence) themselves,
// which are never stored.
import type { Clock } from '../clock.js'
import type { Position } from '../store/store.js'
import type { CommittedEvent } from './bus.js'
import { EphemeralSequence } from './cursor.js'
import type { EphemeralType } from './types.js'

export type WakeReason = 'event' | 'revoked' | 'timeout' | 'shutdown' | 'aborted'

// 10 s: API.md §10 — ephemeral events reach sessions polling now or polling again within 10 s.
export const EPHEMERAL_TTL_MS = 10_000

export interface EphemeralEvent {
  seq: number
  type: EphemeralType
  at: number
  data: unknown
  expires: number
}

/** Tells a held poll that its client went away (the connection closed before the answer). */
export interface ClientGone {
  readonly gone: boolean
  listen(fn: () => void): void
  unlisten(fn: () => void): void
}

// 250 ms: held polls time out on a shared tick of this period (a poll with timeout=N answers
// within N to N+0.25 s) instead of one timer each: 10,000 held polls keep one timer, not 10,000.
export const TICK_MS = 250

/** One held poll. Its fields are all it keeps: no closures beyond `abort`. */
class Waiter {
  readonly abort = () => this.finish('aborted')
  constructor(
    readonly hub: Hub,
    readonly userId: number,
    readonly sessionId: string,
    readonly deadline: number,
    readonly gone: ClientGone | undefined,
    readonly resolve: (reason: WakeReason) => void,
  ) {}
  finish(reason: WakeReason) {
    this.gone?.unlisten(this.abort)
    this.hub.forget(this)
    this.resolve(reason)
  }
}

/** Events share one TTL, so a list in seq order expires from its front. */
function dropExpired(list: EphemeralEvent[], now: number) {
  let n = 0
  while (n < list.length && list[n]!.expires <= now) n++
  if (n > 0) list.splice(0, n)
}

export class Hub {
  private readonly waiters = new Map<number, Set<Waiter>>()
  private readonly latestByUser = new Map<number, Position>()
  /** The newest position for every signed-in user ('' = none since start, before every position). */
  private latestEveryone: Position = ''
  private readonly ephemeralByUser = new Map<number, EphemeralEvent[]>()
  private readonly seq: EphemeralSequence
  private closing = false
  private ticker: ReturnType<typeof setInterval> | undefined

  constructor(private readonly clock: Clock) {
    this.seq = new EphemeralSequence(() => clock.now())
  }

  get isClosing() {
    return this.closing
  }

  /** The newest durable position announced for this user ('' if none since start). */
  latestFor(userId: number): Position {
    const own = this.latestByUser.get(userId) ?? ''
    return own > this.latestEveryone ? own : this.latestEveryone
  }

  /**
   * Calls `woken` once, when an event for userId commits, the session is revoked, the time is
   * up, the client goes away, or the server shuts down — whichever is first. A callback, not a
   * promise: a held poll then keeps no suspended async function (10,000 of them are held at once).
   */
  wait(userId: number, sessionId: string, timeoutMs: number, gone: ClientGone | undefined, woken: (reason: WakeReason) => void): void {
    if (this.closing) return woken('shutdown')
    if (gone?.gone) return woken('aborted')
    const waiter = new Waiter(this, userId, sessionId, performance.now() + timeoutMs, gone, woken)
    let set = this.waiters.get(userId)
    if (!set) this.waiters.set(userId, (set = new Set()))
    set.add(waiter)
    gone?.listen(waiter.abort)
    this.ticker ??= setInterval(() => this.tick(), TICK_MS)
  }

  /** Drops a finished waiter (called by the waiter itself). */
  forget(waiter: Waiter) {
    const set = this.waiters.get(waiter.userId)
    if (set?.delete(waiter) && set.size === 0) this.waiters.delete(waiter.userId)
    if (this.waiters.size === 0 && this.ticker) {
      clearInterval(this.ticker)
      this.ticker = undefined
    }
  }

  /** Times out the held polls whose deadline passed. */
  private tick() {
    const now = performance.now()
    for (const set of [...this.waiters.values()]) for (const w of [...set]) if (w.deadline <= now) w.finish('timeout')
  }

  /** Ends the held polls of these sessions (or all of the user's) so they answer 401 at once. */
  revoke(userId: number, sessionIds?: readonly string[]): void {
    for (const w of [...(this.waiters.get(userId) ?? [])]) {
      if (!sessionIds || sessionIds.includes(w.sessionId)) w.finish('revoked')
    }
  }

  /** SIGTERM: every held poll answers with what it has. */
  shutdown(): void {
    this.closing = true
    for (const set of [...this.waiters.values()]) for (const w of [...set]) w.finish('shutdown')
  }

  /** Number of polls held now (metrics). */
  heldPolls(): number {
    let n = 0
    for (const set of this.waiters.values()) n += set.size
    return n
  }

  // --- ephemeral events ---

  /** The ephemeral position a fresh cursor starts from. */
  currentSeq(): number {
    return this.seq.current()
  }

  /**
   * An ephemeral event from the bus: kept for each user for 10 s, their polls woken. `seq`: the
   * number a network bus gave it for every process (else numbered here).
   */
  ephemeral(type: EphemeralType, data: unknown, at: number, users: readonly number[], seq?: number): void {
    const now = this.clock.now()
    const event: EphemeralEvent = { seq: seq === undefined ? this.seq.next() : this.seq.observe(seq), type, at, data, expires: now + EPHEMERAL_TTL_MS }
    for (const userId of users) {
      const list = this.ephemeralByUser.get(userId)
      if (list) {
        dropExpired(list, now)
        list.push(event)
      } else this.ephemeralByUser.set(userId, [event])
      this.wakeUser(userId)
    }
  }

  /** The user's ephemeral events after seq that have not expired. */
  ephemeralAfter(userId: number, seq: number): EphemeralEvent[] {
    const list = this.ephemeralByUser.get(userId)
    // Lists hold events in seq order: the common case (nothing newer than the cursor) is one compare.
    if (!list || list.length === 0 || list[list.length - 1]!.seq <= seq) return []
    dropExpired(list, this.clock.now())
    let i = list.length
    while (i > 0 && list[i - 1]!.seq > seq) i--
    return list.slice(i)
  }

  /** Drops expired ephemeral events of users who stopped polling. */
  sweep(): void {
    const now = this.clock.now()
    for (const [userId, list] of this.ephemeralByUser) if (list.every((e) => e.expires <= now)) this.ephemeralByUser.delete(userId)
  }

  /** Committed events from the bus, in commit order: the users' marks move on, their polls wake. */
  committed(events: readonly CommittedEvent[]): void {
    for (const e of events) {
      if (e.users === null) {
        if (e.position > this.latestEveryone) this.latestEveryone = e.position
        for (const userId of [...this.waiters.keys()]) this.wakeUser(userId)
        continue
      }
      for (const userId of e.users) {
        const mark = this.latestByUser.get(userId)
        if (mark === undefined || e.position > mark) this.latestByUser.set(userId, e.position)
        this.wakeUser(userId)
      }
    }
  }

  private wakeUser(userId: number) {
    const set = this.waiters.get(userId)
    if (set) for (const w of [...set]) w.finish('event')
  }
}
