// GET /api/poll — API.md §10.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { AppDeps, AppEnv } from '../deps.js'
import { ApiError, errorAnswer } from '../errors.js'
import { writeAnswer } from '../http/fast.js'
import { API_HEADERS } from '../http/security-headers.js'
import { sessionCookieOf, type SessionReader, type SignedInSession } from '../http/session.js'
import { validate } from '../http/validate.js'
import { type Cursor, decodeCursor, encodeCursor } from './cursor.js'
import { clientGoneOf, type ClientGone, type WakeReason } from './hub.js'
import { MAX_BATCH } from './log.js'
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

export function pollRoutes(deps: AppDeps, requireUser: MiddlewareHandler<AppEnv>, checkSession: (sid: string) => Promise<unknown>) {
  return new Hono<AppEnv>().get('/', requireUser, validate('query', PollQuery), async (c) => {
    const q = c.req.valid('query')
    const res = c.env?.outgoing
    const { status, body } = await answerPoll(deps, { userId: c.var.userId, sid: c.var.sessionId }, q, res ? clientGoneOf(res) : undefined, checkSession)
    return c.body(body, status, POLL_HEADERS)
  })
}

// With the security headers of every /api answer (the fast path sets no header before writeHead).
const POLL_HEADERS = { ...API_HEADERS, 'Content-Type': 'application/json; charset=UTF-8', 'Cache-Control': 'no-store' }

type PollAnswer = { status: 200; body: string }
/** Called once with the answer, or with the error to answer instead (ApiError: its 4xx). */
type PollDone = (error: unknown, answer?: PollAnswer) => void

/** One poll, from a signed-in session and a validated query to the answer's body. */
function answerPoll(deps: AppDeps, session: SignedInSession, q: PollQuery, gone: ClientGone | undefined, checkSession: (sid: string) => Promise<unknown>) {
  return new Promise<PollAnswer>((resolve, reject) => startPoll(deps, session, q, gone, checkSession, (err, answer) => (answer ? resolve(answer) : reject(err))))
}

/** answerPoll for callers that take a callback: the poll's fast path, which holds most polls. */
function startPoll(deps: AppDeps, session: SignedInSession, q: PollQuery, gone: ClientGone | undefined, checkSession: (sid: string) => Promise<unknown>, done: PollDone): void {
  if (q.cursor === undefined) {
    // A poll without a cursor is a poll too: the user is active from it (API.md §10).
    deps.presence.pollStarted(session.userId)
    deps.presence.pollEnded(session.userId)
    return done(null, { status: 200, body: answerBody({ events: [], cursor: encodeCursor({ d: deps.events.latestId(), e: deps.hub.currentSeq() }) }) })
  }
  const start = decodeCursor(q.cursor)
  if (!start) return done(new ApiError('invalid_cursor', 'The cursor is malformed; start again without one.'))
  if (deps.events.isExpired(start.d) || start.d > deps.events.latestId()) {
    return done(new ApiError('cursor_expired', 'The cursor is too old; reload state and start again without one.'))
  }
  try {
    deps.polls.take(session.userId, session.sid)
  } catch (err) {
    return done(err)
  }
  deps.presence.pollStarted(session.userId)
  const poll = new HeldPoll(deps, session.userId, session.sid, start, q, gone, checkSession, (err, answer) => {
    deps.polls.release(session.userId, session.sid)
    deps.presence.pollEnded(session.userId)
    if (!answer) return done(err)
    deps.metrics.eventsDelivered.inc(answer.events.length)
    done(null, { status: 200, body: answerBody(answer) })
  })
  void poll.step()
}

/**
 * The common poll — GET /api/poll?cursor=…&timeout=N with a session cookie — answered straight
 * from node:http, ahead of Hono: the same session reader, checks and hold(), without a framework
 * context, middleware chain and web Request per poll (a poll is most of what a chat server
 * answers). Anything else (no cursor, types, other parameters, out-of-range values) returns false
 * and goes through Hono's route, which validates it and answers errors in full.
 */
export function pollFastPath(deps: AppDeps, readSession: SessionReader, checkSession: (sid: string) => Promise<unknown>) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url
    if (req.method !== 'GET' || url === undefined || !url.startsWith('/api/poll?')) return false
    const params = new URLSearchParams(url.slice(10))
    let cursor: string | undefined
    let timeout = 25
    for (const [key, value] of params) {
      if (key === 'cursor' && cursor === undefined && value.length <= 64) cursor = value
      else if (key === 'timeout' && /^\d{1,2}$/.test(value) && Number(value) <= 55) timeout = Number(value)
      else return false
    }
    if (cursor === undefined) return false
    void answerFast(deps, req, res, { cursor, timeout, types: undefined }, readSession, checkSession)
    return true
  }
}

function answerFast(
  deps: AppDeps,
  req: IncomingMessage,
  res: ServerResponse,
  q: PollQuery,
  readSession: SessionReader,
  checkSession: (sid: string) => Promise<unknown>,
): void {
  const started = performance.now()
  const done: PollDone = (err, answer) => {
    if (answer) finish(res, answer.status, answer.body)
    else {
      const requestId = randomUUID()
      const a = errorAnswer(deps.log, err, { id: requestId, method: 'GET', path: '/api/poll' })
      // A 4xx is the client's to read; only a 500 names the request it can be traced by.
      finish(res, a.status, JSON.stringify(a.body), a.status === 500 ? requestId : undefined, a.headers)
    }
    deps.metrics.requests.inc({ method: 'GET', route: '/api/poll', status: String(res.statusCode) })
    if (deps.log.isLevelEnabled('debug')) {
      deps.log.debug({ method: 'GET', path: '/api/poll', status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request')
    }
  }
  readSession(sessionCookieOf(req.headers.cookie))
    .then((session) => startPoll(deps, session, q, clientGoneOf(res), checkSession, done))
    .catch(done)
}

function finish(res: ServerResponse, status: number, body: string, requestId?: string, headers?: Record<string, string>) {
  // An error's own headers too (Retry-After of a 429 or 503).
  const all = headers ? { ...POLL_HEADERS, ...headers } : POLL_HEADERS
  writeAnswer(res, status, body, requestId ? { ...all, 'X-Request-Id': requestId } : all)
}

/**
 * A poll held until it has something to answer. Its state lives in this object, not in
 * suspended async functions: each of those kept ~0.4 KB, and a server holds 10,000 polls.
 */
class HeldPoll {
  private cursor: Cursor
  private readonly deadline: number
  private settled = false
  private waited = false

  constructor(
    private readonly deps: AppDeps,
    private readonly userId: number,
    private readonly sessionId: string,
    start: Cursor,
    private readonly q: PollQuery,
    private readonly gone: ClientGone | undefined,
    private readonly checkSession: (sid: string) => Promise<unknown>,
    private readonly done: (err: unknown, answer?: Answer) => void,
  ) {
    this.cursor = start
    this.deadline = deps.clock.now() + q.timeout * 1000
  }

  /** Answers with the events after the cursor, or waits for the hub to call woken. */
  async step(): Promise<void> {
    try {
      for (;;) {
        const { events, next } = await collect(this.deps, this.userId, this.cursor, this.q.types)
        this.cursor = next
        if (events.length > 0) {
          // Revoked or expired while this poll waited: the events are not this session's to get.
          if (this.waited) await this.checkSession(this.sessionId)
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
    else if (reason === 'revoked') this.checkSession(this.sessionId).then(() => this.step(), (err: unknown) => this.settle(err))
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
  let d = from.d
  // Nothing announced for this user past the cursor (and nothing older than this process
  // unread): skip the read. This keeps a poll with nothing new free of database queries.
  const nothingNew = deps.events.announcedSince(from.d) && deps.hub.latestFor(userId) <= from.d
  for (let more = !nothingNew; more; ) {
    const batch = await deps.events.readAfter(userId, d, MAX_BATCH - events.length)
    for (const e of batch.events) if (!types || types.has(e.type)) events.push(e.json)
    const progressed = batch.scannedTo > d
    d = batch.scannedTo
    // Nothing for this poll yet (filtered types, or a window of the log with nothing for this
    // user): read on to the end of the log rather than hold with events still unread.
    more = progressed && events.length === 0 && d < deps.events.latestId()
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
