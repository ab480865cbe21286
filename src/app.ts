import { randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { authRoutes, inviteRoutes, meRoutes, userRoutes } from './accounts/routes.js'
import { checkSession } from './accounts/sessions.js'
import { callRoutes } from './calls/routes.js'
import { chatRoutes } from './chats/routes.js'
import { coinRoutes } from './coins/routes.js'
import type { AppDeps, AppEnv } from './deps.js'
import { dialogRoutes, directMessageRoutes, messageReadRoutes } from './dialogs/routes.js'
import { complaintRoutes, messageModerationRoutes, moderationRoutes } from './moderation/routes.js'
import { ApiError, errorAnswer, errorBody } from './errors.js'
import { pollFastPath, pollRoutes } from './events/poll.js'
import { fileRoutes, uploadRoutes } from './uploads/routes.js'
import { clientIp } from './http/client-ip.js'
import { csrfCheck, csrfGuard } from './http/csrf.js'
import { refuseDeclaredOverLimit } from './http/validate.js'
import { sessionAuth, sessionReader } from './http/session.js'
import { clientPages, staticFiles } from './http/static.js'
import { isLoopback } from './metrics.js'
import { buildOpenApi } from './openapi.js'
import { roomFastPaths, roomRoutes } from './rooms/routes.js'
import { safeEqual } from './accounts/crypto.js'

export const UPLOAD_PATH = '/api/uploads'

/** The Hono app, and the handlers node:http tries first (fast paths: poll, room history, room send). */
export function createApp(deps: AppDeps) {
  const app = new Hono<AppEnv>()
  const check = (sid: string) => checkSession(deps, sid)
  const readSession = sessionReader({ config: deps.config, check })
  const requireUser = sessionAuth(readSession)
  const recheck = async (sid: string) => {
    const r = await check(sid)
    if (r === 'revoked') throw new ApiError('session_revoked', 'This session was signed out; sign in again.')
    if (r === 'expired') throw new ApiError('session_expired', 'This session expired; sign in again.')
  }

  app.use('*', async (c, next) => {
    const requestId = randomUUID()
    c.set('requestId', requestId)
    c.header('X-Request-Id', requestId)
    const started = performance.now()
    await next()
    const ms = performance.now() - started
    const route = c.req.routePath
    deps.metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) })
    if (route !== '/api/poll/*' && route !== '/api/poll') deps.metrics.duration.observe({ method: c.req.method, route }, ms / 1000)
    const level = c.req.path === '/api/poll' && c.res.status < 400 ? 'debug' : 'info'
    // Checked first: the log line's object is not even built when the level is off.
    if (deps.log.isLevelEnabled(level)) {
      deps.log[level]({ reqId: requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(ms) }, 'request')
    }
  })

  const csrf = { config: deps.config, multipartPaths: [UPLOAD_PATH] }
  app.use('/api/*', csrfGuard(csrf))
  // JSON bodies are read (and capped at 64 KiB as they stream) by validate('json'); a body a
  // route does not read is refused by its declared length alone, without reading it.
  app.use('/api/*', async (c, next) => {
    if (c.req.path !== UPLOAD_PATH) refuseDeclaredOverLimit(c.env?.incoming)
    return next()
  })

  app.route('/api/auth', authRoutes(deps, requireUser))
  app.route('/api/me', meRoutes(deps, requireUser))
  app.route('/api/users', userRoutes(deps, requireUser))
  app.route('/api/invites', inviteRoutes(deps, requireUser))
  app.route('/api/poll', pollRoutes(deps, requireUser, recheck))
  app.route('/api/rooms', roomRoutes(deps, requireUser))
  app.route('/api/chats', chatRoutes(deps, requireUser))
  app.route('/api/dialogs', dialogRoutes(deps, requireUser))
  app.route('/api/direct-messages', directMessageRoutes(deps, requireUser))
  app.route('/api/messages', messageReadRoutes(deps, requireUser))
  app.route('/api/rooms', moderationRoutes(deps, requireUser))
  app.route('/api/messages', messageModerationRoutes(deps, requireUser))
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
    const answer = errorAnswer(deps.log, err, { id: c.var.requestId, method: c.req.method, path: c.req.path })
    for (const [k, v] of Object.entries(answer.headers ?? {})) c.header(k, v)
    return c.json(answer.body, answer.status)
  })

  return { app, fastPaths: [pollFastPath(deps, readSession, recheck), ...roomFastPaths(deps, readSession, csrfCheck(csrf))] }
}

function pathRegex(path: string): RegExp {
  const body = path
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
  return new RegExp(`^${body}/?$`)
}
