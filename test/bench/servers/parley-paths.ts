// Parley for the fast-path comparison: one process, one set of dependencies (database, caches,
// hub), three listeners that answer the same requests three ways, all through the one pipeline:
//   fast    the server as it runs (fast paths ahead of the router);
//   router  the same app without its fast paths (the routes as written, Hono and its middleware);
//   plain   plain Hono: one single-handler route per request (Hono skips compose for those) on
//           @hono/node-server's lazy request, calling what the fast path (or the route) calls,
//           with the session reader the app builds (http/session.ts, with its known sessions).
import { diskRuntime } from '../../../src/assets.js'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener, type HttpBindings } from '@hono/node-server'
import { Hono } from 'hono'
import { pino } from 'pino'
import { checkSession, knownSession } from '../../../src/accounts/sessions.js'
import { apiGuard, createApp } from '../../../src/app.js'
import { loadConfig } from '../../../src/config.js'
import { ApiError } from '../../../src/errors.js'
import { PollQuery, pollShared, startPoll } from '../../../src/events/poll.js'
import { DataBodies } from '../../../src/http/json.js'
import { JSON_TYPE, JSON_TYPE_PLAIN, Pipeline } from '../../../src/http/pipeline.js'
import { sessionCookieOf, sessionReader, type SignedInSession } from '../../../src/http/session.js'
import { parseJsonBody, readNodeBody } from '../../../src/http/validate.js'
import { buildDeps } from '../../../src/main.js'
import { SendMessage } from '../../../src/messages/messages.js'
import { roomHistory, sendRoomMessage } from '../../../src/rooms/room-messages.js'
import { HistoryQuery, RoomIdParam } from '../../../src/rooms/schemas.js'
import { notifyParent, serveParent } from '../lib/ipc.js'

const config = loadConfig(process.env)
const { deps, close } = await buildDeps(config, { runtime: diskRuntime(), log: pino({ level: 'warn' }) })
const readSession = sessionReader({ config, check: (sid) => checkSession(deps, sid), known: (sid) => knownSession(deps, sid) })
/** The session as the fast paths and requireUser read it: at once when known and good. */
const sessionOf = (c: { env: HttpBindings }): SignedInSession | Promise<SignedInSession> => {
  const sealed = sessionCookieOf(c.env.incoming.headers.cookie)
  return readSession.now(sealed) ?? readSession(sealed)
}
const polls = pollShared(async (sid: string) => {
  if (typeof (await checkSession(deps, sid)) === 'string') throw new ApiError('session_revoked', 'This session was signed out; sign in again.')
})
const bodies = new DataBodies()
const plain = new Hono<{ Bindings: HttpBindings }>()
  .get('/api/poll', async (c) => {
    const session = await sessionOf(c)
    const q = PollQuery.parse(c.req.query())
    const body = await new Promise<string | Buffer<ArrayBuffer>>((resolve, reject) =>
      startPoll(deps, session, q, pipeline.exchangeOf(c.env.incoming), polls, (err, b) => (b !== undefined ? resolve(b) : reject(err))),
    )
    return c.body(body, 200, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' })
  })
  .get('/api/rooms/:id/messages', async (c) => {
    const session = await sessionOf(c)
    const page = await roomHistory(deps, session.userId, RoomIdParam.parse(c.req.param()).id, HistoryQuery.parse(c.req.query()))
    return c.body(bodies.of(page), 200, { 'Content-Type': JSON_TYPE })
  })
  .post('/api/rooms/:id/messages', async (c) => {
    const session = await sessionOf(c)
    const input = await parseJsonBody(SendMessage, await readNodeBody(c.env.incoming))
    const { created, json } = await sendRoomMessage(deps, session.userId, RoomIdParam.parse(c.req.param()).id, input)
    return c.body(`{"data":${json}}`, created ? 201 : 200, { 'Content-Type': JSON_TYPE_PLAIN })
  })
// The app's guards too (CSRF, content type, body length): every request passes them before any route.
const pipeline = new Pipeline(deps.log, deps.metrics, { guards: [apiGuard(deps)], fast: [], router: getRequestListener(plain.fetch) })

const listen = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
  new Promise<Server>((resolve) => {
    const s = createServer(handler)
    s.keepAliveTimeout = 65_000
    s.listen(0, '127.0.0.1', () => resolve(s))
  })
const servers = {
  fast: await listen(createApp(deps).handle),
  router: await listen(createApp(deps, { fastPaths: false }).handle),
  plain: await listen(pipeline.handle),
}
notifyParent('listening', { ports: Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, (s.address() as AddressInfo).port])) })
serveParent(
  {
    close: async () => {
      for (const s of Object.values(servers)) {
        s.closeAllConnections()
        await new Promise<void>((r) => s.close(() => r()))
      }
      deps.hub.shutdown()
      await close()
    },
  },
  30 * 60_000,
)
