// GET /api/poll — API.md §10.
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { AppDeps, AppEnv } from '../deps.js'
import { ApiError } from '../errors.js'
import { queryOf, sessionOf } from '../http/fast.js'
import { type Exchange, type FastPath, JSON_TYPE } from '../http/pipeline.js'
import type { SessionReader, SignedInSession } from '../http/session.js'
import { validate } from '../http/validate.js'
import type { Position } from '../store/store.js'
import { type Cursor, decodeCursor, encodeCursor } from './cursor.js'
import type { ClientGone, WakeReason } from './hub.js'
import { cursorExpired, MAX_BATCH } from './log.js'
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
const NO_STORE = { 'Cache-Control': 'no-store' }
const POLL_HEADERS = { 'Content-Type': JSON_TYPE, ...NO_STORE }
type Recheck = (sid: string) => Promise<unknown>

/** Every answer of the poll, errors included, is never to be cached. */
const noStore: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.header('Cache-Control', 'no-store')
  await next()
}

export function pollRoutes(deps: AppDeps, requireUser: MiddlewareHandler<AppEnv>, recheck: Recheck, exchangeOf: (c: { env: AppEnv['Bindings'] }) => Exchange) {
  return new Hono<AppEnv>().get('/', noStore, requireUser, validate('query', PollQuery), async (c) => {
    const session = { userId: c.var.userId, sid: c.var.sessionId }
    const body = await new Promise<string>((resolve, reject) =>
      startPoll(deps, session, c.req.valid('query'), exchangeOf(c), recheck, (err, answer) => (answer !== undefined ? resolve(answer) : reject(err))),
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
export function pollFastPath(deps: AppDeps, readSession: SessionReader, recheck: Recheck): FastPath {
  return (ex) => {
    if (ex.path !== POLL_ROUTE || ex.method !== 'GET') return false
    const q = queryOf(ex, PollQuery)
    if (q === undefined) return false
    ex.route = POLL_ROUTE
    ex.always = NO_STORE
    const done: PollDone = (err, body) => (body !== undefined ? ex.send(200, body) : ex.fail(err))
    sessionOf(ex, readSession)
      .then((session) => startPoll(deps, session, q, ex, recheck, done))
      .catch(done)
    return true
  }
}

/** Called once with the answer's body, or with the error to answer instead (ApiError: its 4xx). */
export type PollDone = (error: unknown, body?: string) => void

/**
 * One poll, from a signed-in session and a validated query to the answer's body. `synced`: this
 * process has caught up with the log since the poll came in.
 */
export function startPoll(deps: AppDeps, session: SignedInSession, q: PollQuery, gone: ClientGone | undefined, recheck: Recheck, done: PollDone, synced = false): void {
  if (q.cursor === undefined) {
    // A poll without a cursor is a poll too: the user is active from it (API.md §10).
    deps.presence.pollStarted(session.userId)
    deps.presence.pollEnded(session.userId)
    return done(null, answerBody({ events: [], cursor: encodeCursor({ d: deps.events.latestPosition(), e: deps.hub.currentSeq() }) }))
  }
  const start = decodeCursor(q.cursor, (p) => deps.events.isPosition(p))
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
  const poll = new HeldPoll(deps, session.userId, session.sid, start, q, gone, recheck, (err, answer) => {
    deps.polls.release(session.userId, session.sid)
    deps.presence.pollEnded(session.userId)
    if (!answer) return done(err)
    deps.metrics.eventsDelivered.inc(answer.events.length)
    done(null, answerBody(answer))
  })
  void poll.step()
}

/**
 * A poll held until it has something to answer. Its state lives in this object, not in
 * suspended async functions, which each keep their whole frame, and a server holds 10,000 polls.
 */
class HeldPoll {
  private cursor: Cursor
  private readonly deadline: number
  /** Only this of the query is kept: its strings are slices of the whole URL, which they would keep alive. */
  private readonly types: Set<EventType> | undefined
  private settled = false
  private waited = false

  constructor(
    private readonly deps: AppDeps,
    private readonly userId: number,
    private readonly sessionId: string,
    start: Cursor,
    q: PollQuery,
    private readonly gone: ClientGone | undefined,
    private readonly recheck: Recheck,
    private readonly done: (err: unknown, answer?: Answer) => void,
  ) {
    this.cursor = start
    this.types = q.types
    this.deadline = deps.clock.now() + q.timeout * 1000
  }

  /** Answers with the events after the cursor, or waits for the hub to call woken. */
  async step(): Promise<void> {
    try {
      for (;;) {
        const { events, next } = await collect(this.deps, this.userId, this.cursor, this.types)
        this.cursor = next
        if (events.length > 0) {
          // Revoked or expired while this poll waited: the events are not this session's to get.
          if (this.waited) await this.recheck(this.sessionId)
          return this.settle(null, { events, cursor: encodeCursor(next) })
        }
        // An event committed after our read but before we wait would otherwise sleep until timeout.
        if (this.deps.hub.latestFor(this.userId) > next.d) continue
        const left = this.deadline - this.deps.clock.now()
        if (left <= 0 || this.deps.hub.isClosing) return this.settle(null, this.nothing())
        return this.deps.hub.wait(this.userId, this.sessionId, left, this.gone, this.woken)
      }
    } catch (err) {
      this.settle(err)
    }
  }

  private readonly woken = (reason: WakeReason) => {
    this.waited = true
    if (reason === 'event') void this.step()
    // The session was signed out: checkSession throws the 401 that fits (revoked, expired).
    else if (reason === 'revoked') this.recheck(this.sessionId).then(() => this.step(), (err: unknown) => this.settle(err))
    else this.settle(null, this.nothing())
  }

  private nothing(): Answer {
    return { events: [], cursor: encodeCursor(this.cursor) }
  }

  private settle(err: unknown, answer?: Answer) {
    if (this.settled) return
    this.settled = true
    this.done(err, answer)
  }
}

/** Events as serialized JSON, so one event fanned out to many polls is stringified once. */
type Answer = { events: string[]; cursor: string }

export function answerBody(a: Answer): string {
  return `{"data":{"events":[${a.events.join(',')}],"cursor":${JSON.stringify(a.cursor)}}}`
}

/** Durable events after the cursor (skipping filtered types, advancing past them), then ephemeral ones. */
async function collect(deps: AppDeps, userId: number, from: Cursor, types: Set<EventType> | undefined) {
  const events: string[] = []
  let d: Position = from.d
  // Nothing announced for this user past the cursor (and nothing older than this process's
  // subscription unread): skip the read. This keeps a poll with nothing new free of database queries.
  const nothingNew = deps.events.knownSince(from.d) && deps.hub.latestFor(userId) <= from.d
  for (let more = !nothingNew; more; ) {
    const batch = await deps.events.readAfter(userId, d, MAX_BATCH - events.length)
    for (const e of batch.events) if (!types || types.has(e.type)) events.push(e.json)
    const progressed = batch.scannedTo > d
    d = batch.scannedTo
    // Nothing for this poll yet (filtered types, or a window of the log with nothing for this
    // user): read on to the end of the log rather than hold with events still unread.
    more = progressed && events.length === 0 && d < deps.events.latestPosition()
  }
  let e = from.e
  if (events.length < MAX_BATCH) {
    for (const ev of deps.hub.ephemeralAfter(userId, from.e).slice(0, MAX_BATCH - events.length)) {
      e = ev.seq
      if (types && !types.has(ev.type)) continue
      events.push(JSON.stringify({ id: encodeCursor({ d, e: ev.seq }), type: ev.type, at: new Date(ev.at).toISOString(), data: ev.data }))
    }
  }
  return { events, next: { d, e } }
}
