// GET /api/poll — API.md §10.
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { AppDeps, AppEnv } from '../deps.js'
import { ApiError } from '../errors.js'
import { validate } from '../http/validate.js'
import { type Cursor, decodeCursor, encodeCursor } from './cursor.js'
import { MAX_BATCH } from './log.js'
import { type ApiEvent, EVENT_TYPES, type EventType } from './types.js'

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

export type PollAnswer = { events: ApiEvent[]; cursor: string }

export function pollRoutes(deps: AppDeps, requireUser: MiddlewareHandler<AppEnv>, checkSession: (sid: string) => Promise<unknown>) {
  return new Hono<AppEnv>().get('/', requireUser, validate('query', PollQuery), async (c) => {
    c.header('Cache-Control', 'no-store')
    const q = c.req.valid('query')
    const userId = c.var.userId
    if (q.cursor === undefined) {
      const cursor = encodeCursor({ d: deps.events.latestId(), e: deps.hub.currentSeq() })
      return c.json({ data: { events: [], cursor } satisfies PollAnswer })
    }
    const start = decodeCursor(q.cursor)
    if (!start) throw new ApiError('invalid_cursor', 'The cursor is malformed; start again without one.')
    if (deps.events.isExpired(start.d) || start.d > deps.events.latestId()) {
      throw new ApiError('cursor_expired', 'The cursor is too old; reload state and start again without one.')
    }
    deps.presence.pollStarted(userId)
    try {
      const answer = await hold(deps, userId, c.var.sessionId, start, q, c.req.raw.signal, checkSession)
      deps.metrics.eventsDelivered.inc(answer.events.length)
      return c.body(answerBody(answer), 200, { 'Content-Type': 'application/json; charset=UTF-8' })
    } finally {
      deps.presence.pollEnded(userId)
    }
  })
}

async function hold(
  deps: AppDeps,
  userId: number,
  sessionId: string,
  start: Cursor,
  q: PollQuery,
  signal: AbortSignal,
  checkSession: (sid: string) => Promise<unknown>,
): Promise<Answer> {
  const deadline = deps.clock.now() + q.timeout * 1000
  let cursor = start
  for (;;) {
    const { events, next } = await collect(deps, userId, cursor, q.types)
    cursor = next
    if (events.length > 0) return { events, cursor: encodeCursor(cursor) }
    // An event committed after our read but before we wait would otherwise sleep until timeout.
    if (deps.hub.latestFor(userId) > cursor.d) continue
    const left = deadline - deps.clock.now()
    if (left <= 0 || deps.hub.isClosing) return { events: [], cursor: encodeCursor(cursor) }
    const reason = await deps.hub.wait(userId, sessionId, left, signal)
    if (reason === 'revoked') {
      await checkSession(sessionId) // throws the 401 that fits (revoked, expired)
      continue
    }
    if (reason !== 'event') return { events: [], cursor: encodeCursor(cursor) }
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
