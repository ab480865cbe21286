// The few hottest requests are answered straight from node:http, ahead of Hono: no web Request,
// framework context or middleware chain per request. A fast path takes only the plainest form of
// its request (anything else returns false and goes through Hono's route, which validates it and
// answers in full) and does what the app's middleware does around every route: a request id,
// the session, the error shape of API.md §1, the request metrics and log line.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AppDeps } from '../deps.js'
import { errorAnswer } from '../errors.js'
import type { z } from 'zod'
import { nodeHeader, type CsrfRequest } from './csrf.js'
import { sessionCookieOf, type SessionReader, type SignedInSession } from './session.js'
import { API_HEADERS } from './security-headers.js'
import { parseJsonBody, readNodeBody, refuseDeclaredOverLimit } from './validate.js'

/** Tried by the node:http server before Hono: true when it took the request. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean

export const JSON_TYPE = 'application/json; charset=UTF-8'
// What Hono's c.json() says, which the app's error answers (and most routes) use.
export const JSON_TYPE_PLAIN = 'application/json'

/** A fast path's answer: a status and a JSON body (type: JSON_TYPE unless given). */
export type FastAnswer = { status: number; body: string; type?: string }

/**
 * A GET route answered from node:http. `match` reads the URL and returns the route's values, or
 * undefined to leave the request to Hono; `answer` returns the 200 body (or throws ApiError).
 */
export function fastGet<P>(
  deps: Pick<AppDeps, 'log' | 'metrics'>,
  readSession: SessionReader,
  route: string,
  match: (url: string) => P | undefined,
  answer: (session: SignedInSession, values: P) => Promise<string>,
): FastPath {
  return (req, res) => {
    if (req.method !== 'GET' || req.url === undefined) return false
    const values = match(req.url)
    if (values === undefined) return false
    void respond(deps, req, res, route, async () => ({ status: 200, body: await answer(await readSession(sessionCookieOf(req.headers.cookie)), values) }))
    return true
  }
}

/**
 * A POST route with a JSON body answered from node:http, with the checks the app makes before
 * its routes, in the same order: CSRF and content type (API.md §2), the declared length, the
 * session, then the body read (64 KiB at most), parsed and validated with `schema`.
 */
export function fastPost<P, S extends z.ZodType>(
  deps: Pick<AppDeps, 'log' | 'metrics'>,
  readSession: SessionReader,
  csrf: (req: CsrfRequest) => void,
  route: string,
  match: (url: string) => P | undefined,
  schema: S,
  answer: (session: SignedInSession, values: P, body: z.output<S>) => Promise<FastAnswer>,
): FastPath {
  return (req, res) => {
    if (req.method !== 'POST' || req.url === undefined) return false
    const values = match(req.url)
    if (values === undefined) return false
    void respond(deps, req, res, route, async () => {
      const path = req.url!
      csrf({ method: 'POST', path, header: (name) => nodeHeader(req, name), protocol: () => ((req.socket as { encrypted?: boolean }).encrypted ? 'https:' : 'http:') })
      refuseDeclaredOverLimit(req)
      const session = await readSession(sessionCookieOf(req.headers.cookie))
      return answer(session, values, await parseJsonBody(schema, await readNodeBody(req)))
    })
    return true
  }
}

async function respond(deps: Pick<AppDeps, 'log' | 'metrics'>, req: IncomingMessage, res: ServerResponse, route: string, answer: () => Promise<FastAnswer>) {
  const started = performance.now()
  const requestId = randomUUID()
  try {
    const a = await answer()
    send(res, a.status, a.body, requestId, a.type === undefined ? undefined : { 'Content-Type': a.type })
  } catch (err) {
    const a = errorAnswer(deps.log, err, { id: requestId, method: req.method ?? 'GET', path: route })
    send(res, a.status, JSON.stringify(a.body), requestId, { 'Content-Type': JSON_TYPE_PLAIN, ...a.headers })
  }
  const ms = performance.now() - started
  const method = req.method ?? 'GET'
  deps.metrics.requests.inc({ method, route, status: String(res.statusCode) })
  deps.metrics.duration.observe({ method, route }, ms / 1000)
  if (deps.log.isLevelEnabled('info')) deps.log.info({ reqId: requestId, method, path: req.url?.split('?')[0], status: res.statusCode, ms: Math.round(ms) }, 'request')
}

function send(res: ServerResponse, status: number, body: string, requestId: string, headers?: Record<string, string>) {
  writeAnswer(res, status, body, { ...API_HEADERS, 'Content-Type': JSON_TYPE, 'X-Request-Id': requestId, ...headers })
}

/** Writes a whole answer from node:http, unless the client is gone or something answered already. */
export function writeAnswer(res: ServerResponse, status: number, body: string, headers: Record<string, string>) {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}
