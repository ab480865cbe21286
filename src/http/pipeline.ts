// The one request pipeline. Every request, whoever answers it (a fast path straight from
// node:http, or the Hono app), goes through the same steps, written once here:
//
//   1. an Exchange: the request id (X-Request-Id on every answer), the start time, and the
//      security headers of API.md §13 on every answer;
//   2. the guards every /api request passes before any route: CSRF and content type (API.md §2),
//      a declared body length over 64 KiB;
//   3. dispatch: the first fast path that takes the request, else the router (Hono);
//   4. an error from any of these answered by the one error answer (errors.ts), as Hono's onError
//      answers errors thrown inside the router;
//   5. once the answer is decided (written, or refused for a client already gone): the request
//      metrics and the log line.
//
// A fast path is a branch of this dispatcher, as Hono's single-handler routes are a branch of its
// own: it skips the router, never the steps around it.
import { randomUUID } from 'node:crypto'
import { type IncomingMessage, OutgoingMessage, type ServerResponse, validateHeaderName, validateHeaderValue } from 'node:http'
import type { Logger } from 'pino'
import { errorAnswer } from '../errors.js'
import type { Metrics } from '../metrics.js'
import type { ClientGone } from '../events/hub.js'
import { API_HEADERS, PAGE_HEADERS, secureResponse } from './security-headers.js'

export const JSON_TYPE = 'application/json; charset=UTF-8'
// What Hono's c.json() says, which the error answers (and most routes) use.
export const JSON_TYPE_PLAIN = 'application/json'

/** The routes whose answers are polls held open: not timed, and logged at debug when they succeed. */
const POLL_ROUTE = '/api/poll'
/** Where a request carries its exchange (a property, not a WeakMap: V8 collects those slowly). */
const EXCHANGE = Symbol('parley.exchange')
type Carrier = IncomingMessage & { [EXCHANGE]?: Exchange }

/** One request on its way through the pipeline. Also what a held poll watches for its client leaving. */
export class Exchange implements ClientGone {
  private requestId: string | undefined
  readonly started = performance.now()
  /**
   * The path without the query. A fast path that matched it exactly may put its route's constant
   * in its place: a held request then keeps no string of its own for it.
   */
  path: string
  /** The route pattern that answered (the metrics label): set by a fast path, or read from the router. */
  route: string | undefined
  /** The router's request, once the router took the exchange: its routePath is the label. */
  routed: { readonly routePath: string } | undefined
  /** Headers every answer of this exchange carries, whatever it is (set by the route that took it). */
  always: Record<string, string> | undefined
  /** The status answered (the router's, as its app decided it, even for a client already gone). */
  status: number | undefined
  /** Whether the metrics and the log line are written. */
  logged = false
  /** Told if the client leaves before the answer (a held poll). */
  private watcher: { clientLeft(): void } | undefined

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly pipeline: Pipeline,
  ) {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    this.path = q === -1 ? url : url.slice(0, q)
  }

  /** The request id, made when first needed (a held poll needs none until it answers). */
  get id(): string {
    return (this.requestId ??= randomUUID())
  }

  get method(): string {
    return this.req.method ?? 'GET'
  }

  /**
   * Answers with a whole body, unless the client is gone or something answered already. Every
   * header goes into the one writeHead (node:http merges headers set beforehand more slowly).
   */
  send(status: number, body: string | Buffer, type = JSON_TYPE, headers?: Record<string, string>): void {
    const res = this.res
    if (!res.headersSent && !res.destroyed) {
      // The headers of this kind of answer (checked once, when first made), copied, then the
      // request id and length filled in (in place: their slots are in the copy already).
      const kind = this.pipeline.headersOf(this.path, type, this.always)
      const stored = headers ? withHeaders(kind, headers) : { ...kind }
      stored['x-request-id'] = ['X-Request-Id', this.id]
      stored['content-length'] = ['Content-Length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length)]
      writeStoredHead(res, status, stored)
      res.end(body)
    }
    this.status ??= status
    this.pipeline.finished(this)
  }

  /** Answers an error: an ApiError's own answer, anything else a logged 500 naming this request. */
  fail(err: unknown): void {
    const a = errorAnswer(this.pipeline.log, err, this)
    this.send(a.status, JSON.stringify(a.body), JSON_TYPE_PLAIN, a.headers)
  }

  // ClientGone: 'close' before the response finished means the client left.
  get gone(): boolean {
    return this.res.destroyed && !this.res.writableFinished
  }
  watch(w: { clientLeft(): void } | undefined): void {
    this.watcher = w
  }

  /** The response's 'close': the request is no longer in flight, and a watcher hears if it was cut. */
  closed(): void {
    this.pipeline.settled()
    const w = this.watcher
    this.watcher = undefined
    if (w && !this.res.writableFinished) w.clientLeft()
  }
}

/** The one 'close' listener of every response: a function shared by all, not a closure per request. */
function responseClosed(this: ServerResponse): void {
  ;(this.req as Carrier)[EXCHANGE]?.closed()
}

/** A fast path: takes the request (true) and answers it through ex.send / ex.fail, or leaves it (false). */
export type FastPath = (ex: Exchange) => boolean

export type PipelineParts = {
  /** Checks run on every request before dispatch; they throw the ApiError to answer. */
  guards: ReadonlyArray<(ex: Exchange) => void>
  fast: readonly FastPath[]
  /** The router: answers whatever no fast path took. */
  router: (req: IncomingMessage, res: ServerResponse) => unknown
  /**
   * Paths that are another name of a route (`/poll` of `/api/poll`, API.md §10): the request is
   * renamed before anything else, so every step (guards, fast path or router, headers, metrics,
   * log line) answers it exactly as it answers the route.
   */
  aliases?: Readonly<Record<string, string>>
}

export class Pipeline {
  /** Requests whose response has not closed yet. */
  private open = 0
  /** Called each time the last request in flight closes (a drain cuts the idle connections then). */
  onIdle: (() => void) | undefined
  /** headersOf's headers, by the route's always-headers (a few constant objects), then by type. */
  private readonly apiHeaders = new Map<object, Map<string, Readonly<StoredHeaders>>>()
  private readonly pageHeaders = new Map<object, Map<string, Readonly<StoredHeaders>>>()

  constructor(
    readonly log: Logger,
    private readonly metrics: Pick<Metrics, 'countRequest' | 'duration'>,
    private readonly parts: PipelineParts,
  ) {}

  /** The node:http request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.parts.aliases) renameAlias(req, this.parts.aliases)
    const ex = new Exchange(req, res, this)
    ;(req as Carrier)[EXCHANGE] = ex
    this.open++
    res.on('close', responseClosed)
    try {
      for (const guard of this.parts.guards) guard(ex)
      for (const fast of this.parts.fast) if (fast(ex)) return
      // The router writes its own answers: the id and the security headers go on beforehand.
      res.setHeader('X-Request-Id', ex.id)
      secureResponse(req, res)
      void Promise.resolve(this.parts.router(req, res)).then(() => this.finished(ex))
    } catch (err) {
      ex.fail(err)
    }
  }

  /**
   * The headers every answer of this kind carries (security headers, Content-Type, the route's
   * own), in node:http's stored form, each checked: made once per kind, not per answer.
   */
  headersOf(path: string, type: string, always: Record<string, string> | undefined): Readonly<StoredHeaders> {
    const api = path.startsWith('/api/')
    const kinds = api ? this.apiHeaders : this.pageHeaders
    let byType = kinds.get(always ?? NONE)
    if (!byType) kinds.set(always ?? NONE, (byType = new Map()))
    let made = byType.get(type)
    if (!made) {
      const stored: StoredHeaders = {}
      putHeaders(stored, api ? API_HEADERS : PAGE_HEADERS)
      putHeaders(stored, { 'Content-Type': type })
      if (always) putHeaders(stored, always)
      byType.set(type, (made = withIdAndLength(stored)))
    }
    return made
  }

  /** Requests in flight: their responses have not closed yet. */
  get inFlight(): number {
    return this.open
  }

  /** A response closed (from Exchange.closed). */
  settled(): void {
    if (--this.open === 0) this.onIdle?.()
  }

  /** The exchange of a request the router is answering. */
  exchangeOf(req: IncomingMessage | undefined): Exchange {
    const ex = req && (req as Carrier)[EXCHANGE]
    if (!ex) throw new Error('a request that did not come through the pipeline')
    return ex
  }

  /** The request metrics and log line, once per exchange. */
  finished(ex: Exchange): void {
    if (ex.logged) return
    ex.logged = true
    const ms = performance.now() - ex.started
    const route = ex.route ?? ex.routed?.routePath ?? '*'
    const status = ex.status ?? ex.res.statusCode
    const method = ex.method
    this.metrics.countRequest(method, route, status)
    if (route !== POLL_ROUTE) this.metrics.duration.observe(method, route, ms / 1000)
    const level = route === POLL_ROUTE && status < 400 ? 'debug' : 'info'
    // Checked first: the log line's object is not even built when the level is off.
    if (this.log.isLevelEnabled(level)) this.log[level]({ reqId: ex.id, method, path: ex.path, status, ms: Math.round(ms) }, 'request')
  }
}

/** Renames a request for an alias path to its route, the query kept (no string made for other requests). */
function renameAlias(req: IncomingMessage, aliases: Readonly<Record<string, string>>): void {
  const url = req.url ?? '/'
  for (const from in aliases) {
    if (url.startsWith(from) && (url.length === from.length || url.charCodeAt(from.length) === 63 /* ? */)) {
      req.url = aliases[from]! + url.slice(from.length)
      return
    }
  }
}

/** headersOf's key for answers without always-headers. */
const NONE = {}

/**
 * Response headers as node:http stores those that setHeader was given: by lower-case name, the
 * name as written and the value, in the order they go out.
 */
type StoredHeaders = Record<string, readonly [string, string]>

/** Adds headers, each checked as setHeader checks it and replacing one of the same name already there. */
function putHeaders(stored: StoredHeaders, headers: Readonly<Record<string, string>>): void {
  for (const name in headers) {
    const value = headers[name]!
    validateHeaderName(name)
    validateHeaderValue(name, value)
    stored[name.toLowerCase()] = [name, value]
  }
}

/** The headers, then the request id's and the length's slots (each answer fills them in), last. */
function withIdAndLength(stored: StoredHeaders): StoredHeaders {
  stored['x-request-id'] = ['X-Request-Id', '']
  stored['content-length'] = ['Content-Length', '']
  return stored
}

/** A kind's headers with an answer's own (each replacing one of the same name), before the id and length. */
function withHeaders(kind: Readonly<StoredHeaders>, headers: Readonly<Record<string, string>>): StoredHeaders {
  const stored: StoredHeaders = {}
  for (const key in kind) if (key !== 'x-request-id' && key !== 'content-length') stored[key] = kind[key]!
  putHeaders(stored, headers)
  return withIdAndLength(stored)
}

/**
 * node:http's slot of a response's stored headers (its kOutHeaders), where setHeader puts them
 * once checked; writeHead then writes them without checking each again, which a list or object
 * handed to writeHead costs on every answer (a name and a value matched by regular expressions,
 * per header). Found by its name on a response, and only if it holds what setHeader stores;
 * otherwise (another Node) undefined, and each header goes through setHeader.
 */
export const OUT_HEADERS: symbol | undefined = (() => {
  const probe = new OutgoingMessage()
  const slot = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'kOutHeaders')
  probe.setHeader('X-Probe', '1')
  const held = slot && (probe as unknown as Record<symbol, StoredHeaders | null>)[slot]
  return held?.['x-probe']?.[0] === 'X-Probe' && held['x-probe'][1] === '1' ? slot : undefined
})()

/**
 * The status line and headers of an answer: the headers, all checked already, put where setHeader
 * would have put them (when nothing was set on the response before), else set one by one.
 */
function writeStoredHead(res: ServerResponse, status: number, stored: StoredHeaders): void {
  const slots = res as unknown as Record<symbol, StoredHeaders | null>
  if (OUT_HEADERS !== undefined && slots[OUT_HEADERS] === null) slots[OUT_HEADERS] = stored
  else for (const key in stored) res.setHeader(stored[key]![0], stored[key]![1])
  res.writeHead(status)
}
