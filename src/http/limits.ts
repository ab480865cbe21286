// Protections of the node:http server itself, so they cover every request however it is
// dispatched (Hono routes and the fast paths alike), API.md §13: time limits on a request's
// headers and body, a ceiling on connections below the file-descriptor limit, and answers in the
// §1 error shape for requests node:http refuses before any route sees them.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Server, ServerOptions, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { ERROR_STATUS, errorAnswer, errorBody, type ErrorCode } from '../errors.js'
import { API_HEADERS } from './security-headers.js'

// 64 descriptors kept for what is not a client connection: stdio, the database with its WAL and
// SHM, the lock file, libuv's own, uploads being written, files being served, calls to SendGrid
// and Twilio.
export const FD_RESERVE = 64
// A tenth of the connections (at least 16) kept for requests other than held polls, so /healthz
// and ordinary requests still answer while polls fill the rest.
const MIN_OTHER_CONNECTIONS = 16

export type ConnectionBudget = { maxConnections: number; maxHeldPolls: number }

/** The soft "Max open files" of this process (Linux), or undefined where it is not known or unlimited. */
export function readFdLimit(limits = readProcLimits()): number | undefined {
  const line = limits?.split('\n').find((l) => l.startsWith('Max open files'))
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0]
  return soft && /^\d+$/.test(soft) ? Number(soft) : undefined
}

function readProcLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8')
  } catch {
    return undefined
  }
}

/** How many connections, and how many of them held polls, fit under the descriptor limit. */
export function connectionBudget(fdLimit: number | undefined): ConnectionBudget {
  if (fdLimit === undefined) return { maxConnections: Infinity, maxHeldPolls: Infinity }
  const maxConnections = Math.max(1, fdLimit - FD_RESERVE)
  const others = Math.max(MIN_OTHER_CONNECTIONS, Math.ceil(maxConnections / 10))
  return { maxConnections, maxHeldPolls: Math.max(0, maxConnections - others) }
}

/**
 * createServer options for REQUEST_TIMEOUT. Node counts requestTimeout until a request has been
 * received (a held poll, received whole, is never cut by it) and checks it every
 * connectionsCheckingInterval, so the check period is taken off the limit: a slow request is
 * cut within REQUEST_TIMEOUT, not up to a period later.
 */
export function serverOptions(config: Pick<Config, 'requestTimeout'>): ServerOptions {
  // An HTTP/1.1 request without Host is still answered by the app (a §1 400 from
  // requestErrorHandler) rather than by node:http's own empty 400.
  const always = { requireHostHeader: false }
  const limitMs = config.requestTimeout * 1000
  if (limitMs === 0) return { ...always, requestTimeout: 0, headersTimeout: 0 }
  // 1 s, or a tenth of a short limit (tests use a second or two).
  const checkMs = Math.min(1000, Math.max(50, Math.floor(limitMs / 10)))
  return { ...always, requestTimeout: limitMs - checkMs, headersTimeout: limitMs - checkMs, connectionsCheckingInterval: checkMs }
}

// What node:http's parser errors mean for the client, in API.md §1's terms.
const CLIENT_ERRORS: Record<string, ErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
  HPE_HEADER_OVERFLOW: 'headers_too_large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'payload_too_large',
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  request_timeout: 'The request did not arrive in time.',
  headers_too_large: 'The request headers are too large.',
  payload_too_large: 'The request body is malformed or too large.',
  invalid_request: 'The request is not valid HTTP.',
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 431: 'Request Header Fields Too Large' }

/** The raw HTTP answer to a request node:http could not parse or that arrived too slowly. */
export function clientErrorAnswer(errCode: string | undefined): string {
  const code = CLIENT_ERRORS[errCode ?? ''] ?? 'invalid_request'
  const status = ERROR_STATUS[code]
  const body = JSON.stringify(errorBody(code, MESSAGES[code] ?? 'The request is not valid HTTP.'))
  const headers = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...API_HEADERS }
  return `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`
}

/**
 * Guards a listening node:http server: §1-shaped answers for malformed or slow requests, a
 * connection ceiling below the descriptor limit (idle keep-alive connections are let go first
 * as it nears), and accept errors logged instead of left to an 'error' event.
 */
export function guardServer(server: Server, log: Logger, budget: ConnectionBudget): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Answer only when nothing of a response went out yet (as node:http itself does).
    const inFlight = (socket as { _httpMessage?: ServerResponse })._httpMessage
    if (err.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
      log.debug({ code: err.code }, 'malformed or slow request refused')
      socket.end(clientErrorAnswer(err.code), () => socket.destroy())
      return
    }
    socket.destroy()
  })
  server.on('error', (err: NodeJS.ErrnoException) => log.warn({ code: err.code, err }, 'server error (connection not accepted)'))
  if (budget.maxConnections === Infinity) return
  server.maxConnections = budget.maxConnections
  server.on('drop', () => log.debug('connection refused: at the connection ceiling'))
  // Counted here (node:http's own count is private): near the ceiling, idle keep-alive
  // connections make room before anyone is refused.
  let open = 0
  const closed = () => void open--
  server.on('connection', (socket: Duplex) => {
    if (++open >= budget.maxConnections - 1) server.closeIdleConnections()
    // 'on', not 'once': a socket closes once, and a once-listener costs a wrapper per connection.
    socket.on('close', closed)
  })
}

/**
 * @hono/node-server's errorHandler: a node request it cannot turn into a web Request (a Host
 * header that is no host, a backslash in the path) gets the §1 400 instead of an empty
 * text/plain one; anything else thrown before the app answers is a logged 500 in the §1 shape.
 */
export function requestErrorHandler(log: Logger) {
  return (err: unknown): Response => {
    log.debug({ err }, 'request refused before the app')
    if (err instanceof Error && err.name === 'RequestError') {
      return Response.json(errorBody('invalid_request', 'The request could not be read (its target or Host header is malformed).'), { status: 400 })
    }
    const answer = errorAnswer(log, err, { id: randomUUID(), method: '-', path: '-' })
    return Response.json(answer.body, { status: answer.status })
  }
}
