// Fast paths: the few hottest requests answered straight from node:http, ahead of the router (no
// web Request, framework context or middleware chain per request), inside the one pipeline
// (http/pipeline.ts). A fast path takes a request only when its route's own zod schemas accept
// the path parameters and query; anything else goes to the router, which answers it in full
// (errors included). Each is checked against its router route by test/fast-paths.test.ts. One
// is kept only where it is 10 % cheaper than its route written as one Hono handler (README,
// Benchmarks: "Fast paths: which are kept"): the poll, a room's history and a room send.
import { timingSafeEqual } from 'node:crypto'
import type { Socket } from 'node:net'
import { getQueryParams } from 'hono/utils/url'
import type { z } from 'zod'
import { BoundedCache } from '../bounded-cache.js'
import { nodeHeader } from './csrf.js'
import type { Exchange, FastPath } from './pipeline.js'
import { sessionCookieOf, type SessionReader, type SignedInSession } from './session.js'
import { firstValues, parseJsonBody, readNodeBody } from './validate.js'

/** A fast path's answer: a status and a body (Content-Type: JSON_TYPE unless given). */
export type FastAnswer = { status: number; body: string | Buffer; type?: string }

/**
 * The query of the request validated by `schema`, as the router's validate('query', schema)
 * reads it (Hono's own query parser, the first value of each key); undefined if it fails.
 * `seen`: queries already validated, by URL (many clients poll the same URL: the same cursor),
 * for a schema whose output is never changed by its users.
 */
export function queryOf<S extends z.ZodType>(ex: Exchange, schema: S, seen?: BoundedCache<string, z.output<S>>): z.output<S> | undefined {
  const url = ex.req.url ?? ''
  const known = seen?.get(url)
  if (known !== undefined) return known
  const raw = url.includes('?') ? firstValues(getQueryParams(`http://host${url}`) as Record<string, string[]>) : {}
  const parsed = schema.safeParse(raw)
  if (!parsed.success) return undefined
  seen?.set(url, parsed.data)
  return parsed.data
}

/** The path parameters of `pattern`'s named groups validated by `schema`; undefined if either fails. */
export function paramsOf<S extends z.ZodType>(ex: Exchange, pattern: RegExp, schema: S): z.output<S> | undefined {
  const m = pattern.exec(ex.path)
  if (!m?.groups) return undefined
  const parsed = schema.safeParse(m.groups)
  return parsed.success ? parsed.data : undefined
}

/** The signed-in session of the request's cookie, as the router's requireUser reads it. */
export function sessionOf(ex: Exchange, readSession: SessionReader): Promise<SignedInSession> {
  return readSession(sessionCookieOf(nodeHeader(ex.req, 'cookie')))
}

/** The JSON body of the request validated by `schema`, as the router's validate('json', schema) and jsonOf read it. */
export async function bodyOf<S extends z.ZodType>(ex: Exchange, schema: S): Promise<z.output<S>> {
  return parseJsonBody(schema, await readNodeBody(ex.req))
}

/**
 * Where a connection keeps the session its last request gave, with that request's Cookie header
 * under a symbol (one object; a symbol so that no log or JSON of the session ever shows it).
 */
const LAST_SESSION = Symbol('parley.lastSession')
const HEADER = Symbol('parley.cookieHeader')
type Remembered = SignedInSession & { [HEADER]: string }
type Remembering = Socket & { [LAST_SESSION]?: Remembered }

/**
 * The same session at once when it is already known and good; undefined: ask sessionOf. A
 * client sends the same Cookie header on every poll of its connection: that header is compared
 * with the last one whole, rather than the sealed value cut out of it and looked up by its
 * ~300 bytes; the session itself is still checked each time (revoked, expired). The compare
 * runs in constant time (node's timingSafeEqual): behind a proxy that pools its upstream
 * connections, the last header on a connection may be another client's. What the connection
 * keeps is the header of its newest request, which that request holds anyway (a held poll for
 * its whole wait): no copy of it per connection.
 */
export function sessionNow(ex: Exchange, readSession: SessionReader): SignedInSession | undefined {
  const header = nodeHeader(ex.req, 'cookie')
  const socket = ex.req.socket as Remembering | null
  const last = socket?.[LAST_SESSION]
  if (last !== undefined && header !== undefined && sameHeader(header, last[HEADER])) {
    if (!readSession.still(last)) return undefined
    last[HEADER] = header
    return last
  }
  const session = readSession.now(sessionCookieOf(header))
  if (session && header && socket) socket[LAST_SESSION] = { userId: session.userId, sid: session.sid, [HEADER]: header }
  return session
}

// Where sameHeader lays the two headers side by side: 16 KB, node:http's default limit for all of
// a request's headers, holds two Cookie headers; a longer pair gets buffers of its own.
const SIDE_BY_SIDE = Buffer.allocUnsafeSlow(16 * 1024)

/**
 * Whether two header values are equal, compared in constant time for a given length. node:http
 * decodes headers as latin1, so each character is one byte.
 */
function sameHeader(a: string, b: string): boolean {
  const n = a.length
  if (n !== b.length) return false
  if (2 * n > SIDE_BY_SIDE.length) return timingSafeEqual(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'))
  SIDE_BY_SIDE.write(a, 0, n, 'latin1')
  SIDE_BY_SIDE.write(b, n, n, 'latin1')
  return timingSafeEqual(SIDE_BY_SIDE.subarray(0, n), SIDE_BY_SIDE.subarray(n, 2 * n))
}

/**
 * A fast path for one route: `match` returns the route's values (or undefined to leave the
 * request to the router); `answer` runs what the route's handler runs and returns the answer
 * (or throws the error to answer): at once when all it needs is in memory, no promise made.
 */
export function fastPath<V>(spec: {
  method: 'GET' | 'POST'
  /** The router's pattern of the route (the metrics label). */
  route: string
  match: (ex: Exchange) => V | undefined
  /**
   * How many URLs to keep the values of, when `match` depends on the URL alone and `answer`
   * never changes them: many clients ask for the same URLs (the newest page of a room).
   */
  seen?: number
  answer: (ex: Exchange, values: V) => FastAnswer | Promise<FastAnswer>
}): FastPath {
  const seen = spec.seen ? new BoundedCache<string, V>(spec.seen) : undefined
  return (ex) => {
    if (ex.method !== spec.method) return false
    const url = ex.req.url ?? ''
    let values = seen?.get(url)
    if (values === undefined) {
      values = spec.match(ex)
      if (values === undefined) return false
      seen?.set(url, values)
    }
    ex.route = spec.route
    let answer: FastAnswer | Promise<FastAnswer>
    try {
      answer = spec.answer(ex, values)
    } catch (err) {
      ex.fail(err)
      return true
    }
    if (answer instanceof Promise) answer.then((a) => ex.send(a.status, a.body, a.type)).catch((err: unknown) => ex.fail(err))
    else ex.send(answer.status, answer.body, answer.type)
    return true
  }
}
