// GET /api/poll — API.md §10.
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { AppDeps, AppEnv } from '../deps.js'
import { ApiError } from '../errors.js'
import { BoundedCache } from '../bounded-cache.js'
import { queryOf, sessionNow, sessionOf } from '../http/fast.js'
import { type Exchange, type FastPath, JSON_TYPE } from '../http/pipeline.js'
import type { SessionReader, SignedInSession } from '../http/session.js'
import { validate } from '../http/validate.js'
import type { Position } from '../store/store.js'
import { type Cursor, decodeCursor, encodeCursor } from './cursor.js'
import type { ClientGone, WakeReason, Waiting } from './hub.js'
import { cursorExpired, type LogRead, MAX_BATCH } from './log.js'
import { EVENT_TYPES, type EventType } from './types.js'

export const PollQuery = z.object({
  cursor: z.string().max(64).optional(),
  // 25 s default: under the 30 s idle cut of common proxies. 55 s max: under the 60 s of most others.
  timeout: z.coerce.number().int().min(0).max(55).default(25),
  types: z
    .string()
    .max(1000)
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return undefined
      const list = s.split(',').map((t) => t.trim()).filter(Boolean)
      const bad = list.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t))
      if (bad.length > 0) {
        ctx.addIssue({ code: 'custom', message: `Unknown event type: ${bad.join(', ')}.` })
        return z.NEVER
      }
      return new Set(list as EventType[])
    }),
})
export type PollQuery = z.infer<typeof PollQuery>

export const POLL_ROUTE = '/api/poll'
// 1,000 poll URLs validated: every client caught up polls with the same cursor, so the same URL.
const QUERY_CACHE_SIZE = 1000
const NO_STORE = { 'Cache-Control': 'no-store' }
const POLL_HEADERS = { 'Content-Type': JSON_TYPE, ...NO_STORE }
/** Whether the session is still good: undefined when known at once, else the check (rejects with the 401). */
type Recheck = (sid: string) => Promise<unknown> | undefined

/** What every poll of one app shares: the session's recheck, the cursors read (Cursors) and the answers' bodies (AnswerBodies). */
export type PollShared = { readonly recheck: Recheck; readonly cursors: Cursors; readonly bodies: AnswerBodies }

export function pollShared(recheck: Recheck): PollShared {
  return { recheck, cursors: new Cursors(), bodies: new AnswerBodies() }
}

/** Every answer of the poll, errors included, is never to be cached. */
const noStore: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.header('Cache-Control', 'no-store')
  await next()
}

export function pollRoutes(deps: AppDeps, requireUser: MiddlewareHandler<AppEnv>, shared: PollShared, exchangeOf: (c: { env: AppEnv['Bindings'] }) => Exchange) {
  return new Hono<AppEnv>().get('/', noStore, requireUser, validate('query', PollQuery), async (c) => {
    const session = { userId: c.var.userId, sid: c.var.sessionId }
    const body = await new Promise<Body>((resolve, reject) =>
      startPoll(deps, session, c.req.valid('query'), exchangeOf(c), shared, (err, answer) => (answer !== undefined ? resolve(answer) : reject(err))),
    )
    return c.body(body, 200, POLL_HEADERS)
  })
}

/**
 * The poll answered straight from node:http: the same session reader, query schema and
 * startPoll as the route, without a framework context, middleware chain and web Request per poll
 * (a poll is most of what a chat server answers), and without a suspended async function per
 * held poll. A query the schema refuses goes to the route, which answers the 400.
 */
export function pollFastPath(deps: AppDeps, readSession: SessionReader, shared: PollShared): FastPath {
  const queries = new BoundedCache<string, PollQuery>(QUERY_CACHE_SIZE)
  return (ex) => {
    if (ex.path !== POLL_ROUTE || ex.method !== 'GET') return false
    const q = queryOf(ex, PollQuery, queries)
    if (q === undefined) return false
    ex.route = POLL_ROUTE
    ex.path = POLL_ROUTE
    ex.always = NO_STORE
    const done: PollDone = (err, body) => (body !== undefined ? ex.send(200, body) : ex.fail(err))
    // A session known and good (a client polling on) starts at once; else once it is read.
    const session = sessionNow(ex, readSession)
    if (session) startPoll(deps, session, q, ex, shared, done)
    else
      sessionOf(ex, readSession)
        .then((s) => startPoll(deps, s, q, ex, shared, done))
        .catch(done)
    return true
  }
}

/** An answer's body: its JSON, as bytes when shared by many answers (AnswerBodies). */
type Body = string | Buffer<ArrayBuffer>
/** Called once with the answer's body, or with the error to answer instead (ApiError: its 4xx). */
export type PollDone = (error: unknown, body?: Body) => void

/** One poll, from a signed-in session and a validated query to the answer's body. */
export function startPoll(deps: AppDeps, session: SignedInSession, q: PollQuery, gone: ClientGone | undefined, shared: PollShared, done: PollDone): void {
  if (q.cursor === undefined) {
    // A poll without a cursor is a poll too: the user is active from it (API.md §10).
    deps.presence.pollStarted(session.userId)
    deps.presence.pollEnded(session.userId)
    return done(null, answerBody({ events: [], cursor: encodeCursor({ d: deps.events.latestPosition(), e: deps.hub.currentSeq() }) }))
  }
  const start = shared.cursors.decode(q.cursor, deps.events)
  if (!start) return done(new ApiError('invalid_cursor', 'The cursor is malformed; start again without one.'))
  if (deps.events.isExpired(start.d) || deps.events.isUnknown(start.d)) {
    return done(cursorExpired())
  }
  try {
    deps.polls.take(session.userId, session.sid)
  } catch (err) {
    return done(err)
  }
  deps.presence.pollStarted(session.userId)
  new HeldPoll(deps, session.userId, session.sid, start, q, gone, shared, done).step()
}

/**
 * A poll held until it has something to answer. Its state lives in this object, not in
 * suspended async functions, which each keep their whole frame, and a server holds 10,000 polls;
 * the hub keeps this object itself while it waits.
 */
class HeldPoll implements Waiting {
  private cursor: Cursor
  private readonly deadline: number
  /** Only this of the query is kept: its strings are slices of the whole URL, which they would keep alive. */
  private readonly types: Set<EventType> | undefined
  private settled = false
  private waited = false
  until = 0

  constructor(
    private readonly deps: AppDeps,
    readonly userId: number,
    readonly sessionId: string,
    start: Cursor,
    q: PollQuery,
    readonly gone: ClientGone | undefined,
    private readonly shared: PollShared,
    private readonly done: PollDone,
  ) {
    this.cursor = start
    this.types = q.types
    this.deadline = deps.clock.now() + q.timeout * 1000
  }

  /**
   * Answers with the events after the cursor, or waits for the hub to call woken. At once when
   * memory holds what it needs (no promise per poll); a read of the store goes on when it is done.
   */
  step(): void {
    try {
      for (;;) {
        const read = collect(this.deps, this.userId, this.cursor, this.types)
        if (read instanceof Promise) {
          read.then((r) => this.collected(r) && this.step()).catch((err: unknown) => this.settle(err))
          return
        }
        if (!this.collected(read)) return
      }
    } catch (err) {
      this.settle(err)
    }
  }

  /** Answers or waits with what collect read; true to read again (an event came in meanwhile). */
  private collected({ events, next }: Collected): boolean {
    this.cursor = next
    if (events.length > 0) {
      const answer = { events, next }
      // Revoked or expired while this poll waited: the events are not this session's to get.
      const check = this.waited ? this.shared.recheck(this.sessionId) : undefined
      if (check) check.then(() => this.settle(null, answer)).catch((err: unknown) => this.settle(err))
      else this.settle(null, answer)
      return false
    }
    // An event committed after our read but before we wait would otherwise sleep until timeout.
    if (this.deps.hub.latestFor(this.userId) > next.d) return true
    const left = this.deadline - this.deps.clock.now()
    if (left <= 0 || this.deps.hub.isClosing) this.settle(null, this.nothing())
    else this.deps.hub.wait(this, left)
    return false
  }

  woken(reason: WakeReason): void {
    this.waited = true
    if (reason === 'event') this.step()
    // The session was signed out: checkSession throws the 401 that fits (revoked, expired).
    else if (reason === 'revoked') Promise.resolve(this.shared.recheck(this.sessionId)).then(() => this.step(), (err: unknown) => this.settle(err))
    else this.settle(null, this.nothing())
  }

  clientLeft(): void {
    this.deps.hub.finish(this, 'aborted')
  }

  private nothing(): Collected {
    return { events: [], next: this.cursor }
  }

  /** Gives the slot and the presence back, and answers (once). */
  private settle(err: unknown, answer?: Collected) {
    if (this.settled) return
    this.settled = true
    this.deps.polls.release(this.userId, this.sessionId)
    this.deps.presence.pollEnded(this.userId)
    if (!answer) return this.done(err)
    this.deps.metrics.countDelivered(answer.events.length)
    this.done(null, this.shared.bodies.of(answer.events, answer.next))
  }
}

/** Events as serialized JSON, so one event fanned out to many polls is stringified once. */
type Answer = { events: readonly string[]; cursor: string }

export function answerBody(a: Answer): string {
  return `{"data":{"events":[${a.events.join(',')}],"cursor":${JSON.stringify(a.cursor)}}}`
}

/**
 * The last cursor read, given again for the same text: the polls an event woke come back with
 * the cursor of the answer they all got. Reading one depends on its text alone (the store's
 * format of a position); whether it is still good (expired, unknown) is asked of each poll.
 */
export class Cursors {
  private text: string | undefined
  private cursor: Cursor | null = null

  decode(text: string, log: { isPosition(p: string): boolean }): Cursor | null {
    if (text !== this.text) {
      this.cursor = decodeCursor(text, (p) => log.isPosition(p))
      this.text = text
    }
    return this.cursor
  }
}

/**
 * The body of an answer of these events up to this cursor, as bytes: the last one made is kept
 * and given again while answers ask for the same. An event that wakes many polls holding the same
 * cursor (a room's members caught up) gives them all the same answer: its cursor is encoded, the
 * body built and its bytes encoded once, not once per poll. The body depends on nothing else
 * (not on the user or the session), so any poll may take any other's.
 */
export class AnswerBodies {
  private events: readonly string[] = []
  private next: Cursor | undefined
  private body: Buffer<ArrayBuffer> = Buffer.alloc(0)

  of(events: readonly string[], next: Cursor): Buffer<ArrayBuffer> {
    if (!this.same(events, next)) {
      this.body = Buffer.from(answerBody({ events, cursor: encodeCursor(next) }))
      this.events = events
      this.next = next
    }
    return this.body
  }

  private same(events: readonly string[], next: Cursor): boolean {
    const last = this.next
    if (last === undefined || last.d !== next.d || last.e !== next.e || events.length !== this.events.length) return false
    // Usually the very same strings (the tail's JSON of each event): compared by reference first.
    for (let i = 0; i < events.length; i++) if (events[i] !== this.events[i]) return false
    return true
  }
}

type Collected = { events: string[]; next: Cursor }
/** What collect has read so far: the events' JSON, and how far the durable log was scanned. */
type Read = { events: string[]; d: Position }

/**
 * Durable events after the cursor (skipping filtered types, advancing past them), then ephemeral
 * ones: at once when memory (the log's tail) holds them, else a promise of them.
 */
function collect(deps: AppDeps, userId: number, from: Cursor, types: Set<EventType> | undefined): Collected | Promise<Collected> {
  const read: Read = { events: [], d: from.d }
  // Nothing announced for this user past the cursor (and nothing older than this process's
  // subscription unread): skip the read. This keeps a poll with nothing new free of database queries.
  const nothingNew = deps.events.knownSince(from.d) && deps.hub.latestFor(userId) <= from.d
  for (let more = !nothingNew; more; ) {
    const batch = deps.events.readRecent(userId, read.d, MAX_BATCH - read.events.length)
    if (!batch) return collectStored(deps, userId, from, types, read)
    more = took(deps, read, batch, types)
  }
  return withEphemeral(deps, userId, from, types, read)
}

/** collect, on from where memory does not reach back: the store is read. */
async function collectStored(deps: AppDeps, userId: number, from: Cursor, types: Set<EventType> | undefined, read: Read): Promise<Collected> {
  for (let more = true; more; ) more = took(deps, read, await deps.events.readAfter(userId, read.d, MAX_BATCH - read.events.length), types)
  return withEphemeral(deps, userId, from, types, read)
}

/** Adds a batch of the log to what was read; true to read on. */
function took(deps: AppDeps, read: Read, batch: LogRead, types: Set<EventType> | undefined): boolean {
  for (const e of batch.events) if (!types || types.has(e.type)) read.events.push(e.json)
  const progressed = batch.scannedTo > read.d
  read.d = batch.scannedTo
  // Nothing for this poll yet (filtered types, or a window of the log with nothing for this
  // user): read on to the end of the log rather than hold with events still unread.
  return progressed && read.events.length === 0 && read.d < deps.events.latestPosition()
}

/** The ephemeral events after the cursor, after the durable ones read. */
function withEphemeral(deps: AppDeps, userId: number, from: Cursor, types: Set<EventType> | undefined, { events, d }: Read): Collected {
  let e = from.e
  // The ephemeral events that fit in the batch (a filtered one takes its place too).
  const room = MAX_BATCH - events.length
  const ephemeral = room > 0 ? deps.hub.ephemeralAfter(userId, from.e) : []
  for (let i = 0; i < ephemeral.length && i < room; i++) {
    const ev = ephemeral[i]!
    e = ev.seq
    if (types && !types.has(ev.type)) continue
    events.push(JSON.stringify({ id: encodeCursor({ d, e: ev.seq }), type: ev.type, at: new Date(ev.at).toISOString(), data: ev.data }))
  }
  return { events, next: { d, e } }
}
