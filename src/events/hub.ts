// The in-process hub: waiting polls per user, woken after commit; and the ephemeral events
// (typing, presence) that are never stored.
import type { Clock } from '../deps.js'
import { EphemeralSequence } from './cursor.js'
import type { EphemeralType, Wake, WakeBus } from './types.js'

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

/** ClientGone from the node response: 'close' before the response finished means the client left. */
class ResponseGone implements ClientGone {
  constructor(private readonly res: import('node:http').ServerResponse) {}
  get gone() {
    return this.res.destroyed && !this.res.writableFinished
  }
  listen(fn: () => void) {
    this.res.on('close', fn)
  }
  unlisten(fn: () => void) {
    this.res.off('close', fn)
  }
}

export const clientGoneOf = (res: import('node:http').ServerResponse): ClientGone => new ResponseGone(res)

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
  private readonly latestByUser = new Map<number, number>()
  private latestEveryone = 0
  private readonly ephemeral = new Map<number, EphemeralEvent[]>()
  private readonly seq: EphemeralSequence
  private closing = false
  private ticker: ReturnType<typeof setInterval> | undefined
  private readonly unsubscribe: () => void

  constructor(
    bus: WakeBus,
    private readonly clock: Clock,
  ) {
    this.seq = new EphemeralSequence(() => clock.now())
    this.unsubscribe = bus.subscribe((w) => this.onWake(w))
  }

  get isClosing() {
    return this.closing
  }

  /** The newest durable event id announced for this user (0 if none since start). */
  latestFor(userId: number): number {
    return Math.max(this.latestByUser.get(userId) ?? 0, this.latestEveryone)
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
    this.unsubscribe()
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

  emitEphemeral(type: EphemeralType, data: unknown, users: Iterable<number>): void {
    const now = this.clock.now()
    const event: EphemeralEvent = { seq: this.seq.next(), type, at: now, data, expires: now + EPHEMERAL_TTL_MS }
    for (const userId of new Set(users)) {
      const list = this.ephemeral.get(userId)
      if (list) {
        dropExpired(list, now)
        list.push(event)
      } else this.ephemeral.set(userId, [event])
      this.wakeUser(userId)
    }
  }

  /** The user's ephemeral events after seq that have not expired. */
  ephemeralAfter(userId: number, seq: number): EphemeralEvent[] {
    const list = this.ephemeral.get(userId)
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
    for (const [userId, list] of this.ephemeral) if (list.every((e) => e.expires <= now)) this.ephemeral.delete(userId)
  }

  private onWake(w: Wake) {
    if (w.everyone) {
      this.latestEveryone = Math.max(this.latestEveryone, w.maxId)
      for (const userId of [...this.waiters.keys()]) this.wakeUser(userId)
      return
    }
    for (const userId of w.users) {
      this.latestByUser.set(userId, Math.max(this.latestByUser.get(userId) ?? 0, w.maxId))
      this.wakeUser(userId)
    }
  }

  private wakeUser(userId: number) {
    const set = this.waiters.get(userId)
    if (set) for (const w of [...set]) w.finish('event')
  }
}
