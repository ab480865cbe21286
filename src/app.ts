import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { authRoutes, inviteRoutes, meRoutes, userRoutes } from './accounts/routes.js'
import { checkSession, knownSession } from './accounts/sessions.js'
import { callRoutes } from './calls/routes.js'
import { chatRoutes } from './chats/routes.js'
import { coinRoutes } from './coins/routes.js'
import type { AppDeps, AppEnv } from './deps.js'
import { dialogRoutes, directMessageRoutes, messageReadRoutes } from './dialogs/routes.js'
import { messageRoutes } from './messages/routes.js'
import { searchRoutes } from './search/routes.js'
import { complaintRoutes, messageModerationRoutes, moderationRoutes } from './moderation/routes.js'
import { ApiError, errorAnswer, errorBody } from './errors.js'
import { POLL_ROUTE, pollFastPath, pollRoutes, pollShared } from './events/poll.js'
import { fileRoutes, uploadRoutes } from './uploads/routes.js'
import { clientIp } from './http/client-ip.js'
import { csrfCheck, nodeHeader } from './http/csrf.js'
import { DataBodies } from './http/json.js'
import { requestErrorHandler } from './http/limits.js'
import { type Exchange, type FastPath, Pipeline } from './http/pipeline.js'
import { refuseDeclaredOverLimit } from './http/validate.js'
import { sessionAuth, sessionReader } from './http/session.js'
import { clientPages, staticFiles } from './http/static.js'
import { isLoopback } from './metrics.js'
import { buildOpenApi } from './openapi.js'
import { roomFastPaths, roomRoutes } from './rooms/routes.js'
import { safeEqual } from './accounts/crypto.js'

export const UPLOAD_PATH = '/api/uploads'

export type AppOptions = {
  /** false: every request goes through the router (benchmarks and tests compare the two). */
  fastPaths?: boolean
}

/**
 * The Hono app (the router), and the pipeline every request goes through (http/pipeline.ts):
 * request id, guards, fast paths (the poll, a room's history, a room send) or the router, error answer,
 * metrics and log line. `handle` is the node:http request listener; `fast` the fast paths it
 * tries before the router, in order.
 */
export function createApp(deps: AppDeps, opts: AppOptions = {}) {
  const app = new Hono<AppEnv>()
  const check = (sid: string) => checkSession(deps, sid)
  const live = (sid: string) => knownSession(deps, sid)
  const readSession = sessionReader({ config: deps.config, check, known: live })
  const requireUser = sessionAuth(readSession)
  // undefined: the session is known good now (no promise, no query); else the check to wait for.
  const recheck = (sid: string) =>
    live(sid) !== undefined
      ? undefined
      : check(sid).then((r) => {
          if (r === 'revoked') throw new ApiError('session_revoked', 'This session was signed out; sign in again.')
          if (r === 'expired') throw new ApiError('session_expired', 'This session expired; sign in again.')
        })
  const polls = pollShared(recheck)
  const bodies = new DataBodies()
  const fast: FastPath[] = opts.fastPaths === false ? [] : [pollFastPath(deps, readSession, polls), ...roomFastPaths(deps, readSession, bodies)]
  const pipeline = new Pipeline(deps.log, deps.metrics, { guards: [apiGuard(deps)], fast, router: getRequestListener(app.fetch, { errorHandler: requestErrorHandler(deps.log) }),
    // API.md §10: GET /poll is the poll under a shorter path (same handler, same answers).
    aliases: { '/poll': POLL_ROUTE },
  })
  const exchangeOf = (c: { env: AppEnv['Bindings'] }) => pipeline.exchangeOf(c.env?.incoming)

  // The router's part of the pipeline: which route answered (the metrics label), and with what.
  app.use('*', async (c, next) => {
    const ex = exchangeOf(c)
    ex.routed = c.req
    await next()
    ex.status = c.res.status
  })

  app.route('/api/auth', authRoutes(deps, requireUser))
  app.route('/api/me', meRoutes(deps, requireUser))
  app.route('/api/users', userRoutes(deps, requireUser))
  app.route('/api/invites', inviteRoutes(deps, requireUser))
  app.route('/api/poll', pollRoutes(deps, requireUser, polls, exchangeOf))
  app.route('/api/rooms', roomRoutes(deps, requireUser, readSession, bodies))
  app.route('/api/chats', chatRoutes(deps, requireUser))
  app.route('/api/dialogs', dialogRoutes(deps, requireUser))
  app.route('/api/direct-messages', directMessageRoutes(deps, requireUser))
  app.route('/api/messages', messageReadRoutes(deps, requireUser))
  app.route('/api/rooms', moderationRoutes(deps, requireUser))
  app.route('/api/messages', messageModerationRoutes(deps, requireUser))
  app.route('/api/messages', messageRoutes(deps, requireUser))
  app.route('/api/search', searchRoutes(deps, requireUser))
  app.route('/api/complaints', complaintRoutes(deps, requireUser))
  app.route('/api', coinRoutes(deps, requireUser))
  app.route('/api/uploads', uploadRoutes(deps, requireUser))
  app.route('/files', fileRoutes(deps))
  app.route('/api/calls', callRoutes(deps, requireUser))

  app.get('/healthz', async (c) => {
    try {
      await deps.db.selectFrom('kv').select('key').limit(1).execute()
      return c.json({ data: { status: 'ok' } })
    } catch {
      return c.json(errorBody('unavailable', 'The database does not answer.'), 503)
    }
  })

  app.get('/metrics', async (c) => {
    const ip = clientIp(c, deps.config)
    const loopback = isLoopback(ip)
    const auth = c.req.header('authorization') ?? ''
    const token = deps.config.metricsToken
    const tokenOk = token !== undefined && safeEqual(auth, `Bearer ${token}`)
    if (!loopback && !tokenOk) throw new ApiError('forbidden', 'Metrics are served to loopback or with METRICS_TOKEN.')
    deps.metrics.heldPolls.set(deps.hub.heldPolls())
    c.header('Content-Type', deps.metrics.registry.contentType)
    return c.body(await deps.metrics.registry.metrics())
  })

  let openapi: unknown
  app.get('/api/openapi.json', (c) => c.json((openapi ??= buildOpenApi(app, deps.assets.version))))

  app.use('/*', staticFiles(deps.assets))
  app.get('*', clientPages(deps.assets))

  const methodsByPath = () =>
    app.routes.filter((r) => r.method !== 'ALL' && r.path !== '*' && r.path !== '/*').map((r) => ({ re: pathRegex(r.path), method: r.method }))
  let known: { re: RegExp; method: string }[] | undefined
  app.notFound((c) => {
    known ??= methodsByPath()
    const allowed = [...new Set(known.filter((k) => k.re.test(c.req.path)).map((k) => k.method))]
    if (allowed.length > 0) {
      c.header('Allow', allowed.join(', '))
      return c.json(errorBody('method_not_allowed', `${c.req.method} is not served on ${c.req.path}.`), 405)
    }
    return c.json(errorBody('not_found', `Nothing at ${c.req.path}.`), 404)
  })

  app.onError((err, c) => {
    if (err instanceof HTTPException && err.status < 500) {
      // Hono's own 4xx: chiefly malformed JSON from the body parser.
      const code = err.status === 413 ? 'payload_too_large' : err.status === 415 ? 'unsupported_media_type' : 'invalid_request'
      const message = err.status === 400 ? 'The body is not valid JSON.' : err.message
      const details = err.status === 400 ? [{ path: 'body', message: err.message }] : undefined
      return c.json(errorBody(code, message, details), err.status as 400)
    }
    const answer = errorAnswer(deps.log, err, exchangeOf(c))
    for (const [k, v] of Object.entries(answer.headers ?? {})) c.header(k, v)
    return c.json(answer.body, answer.status)
  })

  return { app, handle: pipeline.handle, pipeline, fast }
}

/**
 * The guards of API.md §2 for every /api request, before any route: a foreign Origin on a
 * state-changing request (403), a body that is not JSON (415; multipart on uploads), a declared
 * length over 64 KiB (413; JSON bodies are also capped as they stream, when a route reads them).
 */
export function apiGuard(deps: AppDeps): (ex: Exchange) => void {
  const csrf = csrfCheck({ config: deps.config, multipartPaths: [UPLOAD_PATH] })
  return (ex) => {
    if (!ex.path.startsWith('/api/')) return
    const req = ex.req
    // Reading changes nothing: no CSRF check, and no body to refuse (most requests are polls).
    if (ex.method === 'GET' || ex.method === 'HEAD') return refuseDeclaredOverLimit(req)
    csrf({ method: ex.method, path: ex.path, header: (name) => nodeHeader(req, name), protocol: () => ((req.socket as { encrypted?: boolean }).encrypted ? 'https:' : 'http:') })
    if (ex.path !== UPLOAD_PATH) refuseDeclaredOverLimit(req)
  }
}

function pathRegex(path: string): RegExp {
  const body = path
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
  return new RegExp(`^${body}/?$`)
}
