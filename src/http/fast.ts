// The few hottest requests are answered straight from node:http, ahead of Hono: no web Request,
// framework context or middleware chain per request. A fast path takes only the plainest form of
// its request (anything else returns false and goes through Hono's route, which validates it and
// answers in full) and does what the app's middleware does around every route: a request id,
// the session, the error shape of API.md §1, the request metrics and log line.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AppDeps } from '../deps.js'
import { ApiError, errorBody } from '../errors.js'
import { sessionCookieOf, type SessionReader, type SignedInSession } from './session.js'

/** Tried by the node:http server before Hono: true when it took the request. */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean

export const JSON_TYPE = 'application/json; charset=UTF-8'
// What Hono's c.json() says, which the app's error answers use.
const ERROR_TYPE = 'application/json'

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
    void respond(deps, req, res, route, async () => answer(await readSession(sessionCookieOf(req.headers.cookie)), values))
    return true
  }
}

async function respond(deps: Pick<AppDeps, 'log' | 'metrics'>, req: IncomingMessage, res: ServerResponse, route: string, body: () => Promise<string>) {
  const started = performance.now()
  const requestId = randomUUID()
  try {
    send(res, 200, await body(), requestId)
  } catch (err) {
    if (err instanceof ApiError) send(res, err.status, JSON.stringify(errorBody(err.code, err.message, err.details)), requestId, { 'Content-Type': ERROR_TYPE, ...err.headers })
    else {
      deps.log.error({ reqId: requestId, err, method: req.method, path: route }, 'unhandled error')
      send(res, 500, JSON.stringify(errorBody('internal_error', 'Something went wrong on our side.', { request_id: requestId })), requestId, { 'Content-Type': ERROR_TYPE })
    }
  }
  const ms = performance.now() - started
  const method = req.method ?? 'GET'
  deps.metrics.requests.inc({ method, route, status: String(res.statusCode) })
  deps.metrics.duration.observe({ method, route }, ms / 1000)
  if (deps.log.isLevelEnabled('info')) deps.log.info({ reqId: requestId, method, path: req.url?.split('?')[0], status: res.statusCode, ms: Math.round(ms) }, 'request')
}

function send(res: ServerResponse, status: number, body: string, requestId: string, headers?: Record<string, string>) {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(body), 'X-Request-Id': requestId, ...headers })
  res.end(body)
}
