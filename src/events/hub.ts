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
  /** Who to tell when the client leaves from now on (one at a time); undefined: nobody. */
  watch(w: { clientLeft(): void } | undefined): void
}

// 250 ms: held polls time out on a shared tick of this period (a poll with timeout=N answers
// within N to N+0.25 s) instead of one timer each: 10,000 held polls keep one timer, not 10,000.
export const TICK_MS = 250

/**
 * A held poll as the hub keeps it: the poll's own object, so a wait adds no record and no
 * closure beside it (a server holds 10,000 polls).
 */
export interface Waiting {
  readonly userId: number
  readonly sessionId: string
  readonly gone: ClientGone | undefined
  /** When the wait times out (performance.now() ms): set by wait. */
  until: number
  /** Called once per wait, by the first of: an event, a revocation, the timeout, the client leaving, shutdown. */
  woken(reason: WakeReason): void
  /** From `gone`: the client left. */
  clientLeft(): void
}

/** What ephemeralAfter answers most of the time, without an array made per poll. */
const NO_EPHEMERAL: readonly EphemeralEvent[] = Object.freeze([])

/**
 * A user's held polls, kept between polls: a wait sets a field and its end clears it, instead of
 * adding and deleting a Map entry per poll. A Map deleted from and added to on every poll rebuilds
 * its table over and over, and a table it left behind in the old generation still points at the
 * polls it held: until the next full collection, every young collection kept those polls (and
 * their requests, responses and answers) alive and promoted them.
 */
class Held {
  /** The user's one held poll (most users hold one at most). */
  one: Waiting | undefined = undefined
  /** Any others (several tabs): a Set made only then. */
  more: Set<Waiting> | undefined = undefined
}

// 1,024: records of users holding nothing kept beyond twice the polls held, before they are dropped.
const IDLE_HELD = 1024

/** Events share one TTL, so a list in seq order expires from its front. */
function dropExpired(list: EphemeralEvent[], now: number) {
  let n = 0
  while (n < list.length && list[n]!.expires <= now) n++
  if (n > 0) list.splice(0, n)
}

export class Hub {
  /** Each user's held polls (a record that stays while the user polls on). */
  private readonly waiters = new Map<number, Held>()
  /** Polls held now. */
  private holding = 0
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
   * Calls `w.woken` once, when an event for its user commits, the session is revoked, the time
   * is up, the client goes away (w.clientLeft, from w.gone), or the server shuts down — whichever
   * is first. A callback, not a promise: a held poll then keeps no suspended async function.
   */
  wait(w: Waiting, timeoutMs: number): void {
    if (this.closing) return w.woken('shutdown')
    if (w.gone?.gone) return w.woken('aborted')
    w.until = performance.now() + timeoutMs
    let held = this.waiters.get(w.userId)
    if (held === undefined) this.waiters.set(w.userId, (held = new Held()))
    if (held.one === undefined) held.one = w
    else (held.more ??= new Set()).add(w)
    this.holding++
    w.gone?.watch(w)
    this.ticker ??= setInterval(() => this.tick(), TICK_MS)
  }

  /** Ends a wait with this reason; nothing if it ended already. */
  finish(w: Waiting, reason: WakeReason): void {
    const held = this.waiters.get(w.userId)
    if (held === undefined) return
    if (held.one === w) held.one = undefined
    else if (!held.more?.delete(w)) return
    if (--this.holding === 0 && this.ticker) {
      clearInterval(this.ticker)
      this.ticker = undefined
    }
    // Records of users holding nothing stay (see Held); they go, all at once, when they far
    // outnumber the polls held.
    if (this.waiters.size > 2 * this.holding + IDLE_HELD) {
      for (const [userId, h] of this.waiters) if (h.one === undefined && !h.more?.size) this.waiters.delete(userId)
    }
    w.gone?.watch(undefined)
    w.woken(reason)
  }

  /** Times out the held polls whose deadline passed. */
  private tick() {
    const now = performance.now()
    for (const w of this.all()) if (w.until <= now) this.finish(w, 'timeout')
  }

  /** Ends the held polls of these sessions (or all of the user's) so they answer 401 at once. */
  revoke(userId: number, sessionIds?: readonly string[]): void {
    for (const w of this.heldBy(userId)) {
      if (!sessionIds || sessionIds.includes(w.sessionId)) this.finish(w, 'revoked')
    }
  }

  /** SIGTERM: every held poll answers with what it has. */
  shutdown(): void {
    this.closing = true
    for (const w of this.all()) this.finish(w, 'shutdown')
  }

  /** Number of polls held now (metrics). */
  heldPolls(): number {
    return this.holding
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
  ephemeralAfter(userId: number, seq: number): readonly EphemeralEvent[] {
    const list = this.ephemeralByUser.get(userId)
    // Lists hold events in seq order: the common case (nothing newer than the cursor) is one compare.
    if (!list || list.length === 0 || list[list.length - 1]!.seq <= seq) return NO_EPHEMERAL
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
        for (const w of this.all()) this.finish(w, 'event')
        continue
      }
      // The bus hands committed events over in position order (EventBus.publish), so each is
      // its recipients' newest: set without reading the mark it replaces.
      for (const userId of e.users) {
        this.latestByUser.set(userId, e.position)
        this.wakeUser(userId)
      }
    }
  }

  private wakeUser(userId: number) {
    const held = this.waiters.get(userId)
    // Most recipients of an event hold no poll at that moment: nothing is built for them.
    if (held === undefined) return
    // Most of the others hold one: it is ended without a list made for it.
    if (held.more === undefined || held.more.size === 0) {
      if (held.one !== undefined) this.finish(held.one, 'event')
      return
    }
    for (const w of this.heldBy(userId)) this.finish(w, 'event')
  }

  /** The user's held polls, as a list that stays as it is while they finish. */
  private heldBy(userId: number): Waiting[] {
    const held = this.waiters.get(userId)
    const list: Waiting[] = []
    if (held !== undefined) pushHeld(list, held)
    return list
  }

  /** Every held poll, as such a list. */
  private all(): Waiting[] {
    const list: Waiting[] = []
    for (const held of this.waiters.values()) pushHeld(list, held)
    return list
  }
}

function pushHeld(list: Waiting[], held: Held): void {
  if (held.one !== undefined) list.push(held.one)
  if (held.more) for (const w of held.more) list.push(w)
}
