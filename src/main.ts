// read config → open db → migrate → createApp(deps) → serve; SIGTERM drains.
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createServer } from 'node:http'
import type { Logger } from 'pino'
import { presenceSource } from './accounts/contacts.js'
import { revokedSince, SessionCache } from './accounts/sessions.js'
import type { Runtime } from './assets.js'
import { type AppOptions, createApp } from './app.js'
import { type Clock, systemClock } from './clock.js'
import type { Config } from './config.js'
import { migrateToLatest } from './db/migrate.js'
import { openConfigured } from './db/connect.js'
import { lockDataDir } from './data-dir-lock.js'
import type { AppDeps } from './deps.js'
import { type BusMessage, type EventBus, LocalBus } from './events/bus.js'
import { HorizonBus } from './events/horizon.js'
import { Hub } from './events/hub.js'
import { EventLog } from './events/log.js'
import { type BusTruth, RedisBus } from './events/redis-bus.js'
import { PollSlots } from './events/poll-slots.js'
import { LocalPresence, type Presence, type PresenceData } from './events/presence.js'
import { SharedPresence } from './events/shared-presence.js'
import { connectionBudget, guardServer, readFdLimit, serverOptions } from './http/limits.js'
import { RateLimiter } from './http/rate-limit.js'
import { RedisLimiter } from './http/redis-limiter.js'
import { startJobs } from './jobs.js'
import { createLogger } from './log.js'
import { createMetrics } from './metrics.js'
import { createMailer } from './notify/mailer.js'
import { Outbox } from './notify/outbox.js'
import { createSmsSender } from './notify/sms.js'
import { RoomCaches } from './rooms/caches.js'
import { PostgresStore } from './store/postgres.js'
import { SqliteStore } from './store/sqlite.js'
import { openRedis } from './redis.js'

// 10 s: requests in flight get this long to finish before their connections are cut.
const DRAIN_LIMIT_MS = 10_000
// 1 s: with several processes, a room's cached members and history are read again after this
// long, in case the bus lost the invalidation (API.md §14).
const SHARED_CACHE_MS = 1_000

export type BuildOptions = { runtime: Runtime; clock?: Clock; log?: Logger } & AppOptions

export async function buildDeps(config: Config, opts: BuildOptions): Promise<{ deps: AppDeps; close: () => Promise<void> }> {
  const clock = opts.clock ?? systemClock
  const log = opts.log ?? (await createLogger(config))
  const { db, close } = openConfigured(config, opts.runtime)
  const applied = await migrateToLatest(db).catch(async (err: unknown) => {
    await close()
    throw err
  })
  if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied')
  const store = config.postgresUrl ? new PostgresStore(db, close, log) : new SqliteStore(db, close, log, config.eventBus !== undefined)
  await store.init()
  // EVENT_BUS: several processes share what is not in the database through Redis (API.md §14).
  const redis = config.eventBus ? await openRedis(config.eventBus.url, log) : undefined
  const truth: BusTruth = { revokedSince: (since) => revokedSince(db, since), now: () => clock.now() }
  const transport: EventBus = redis && config.eventBus ? new RedisBus(redis.cmd, redis.sub, config.eventBus.prefix, truth, log) : new LocalBus()
  // Postgres commits out of position order, and with EVENT_BUS other processes commit too: events
  // reach the tails through the horizon, which reads them from the log.
  const bus =
    store instanceof PostgresStore ? store.orderedBus(transport, log) : transport instanceof RedisBus ? new HorizonBus(transport, store, log) : transport
  const events = new EventLog(store, bus, clock)
  await events.init()
  if (bus instanceof HorizonBus) bus.start(events.latestPosition())
  const hub = new Hub(clock)
  const tellPresence = (data: PresenceData, users: number[]) => events.ephemeral('presence', data, users)
  const presence: Presence =
    redis && config.eventBus
      ? new SharedPresence(redis.cmd, config.eventBus.prefix, presenceSource(db), tellPresence, clock, log)
      : new LocalPresence(presenceSource(db), tellPresence, clock, log)
  const outbox = new Outbox(config.outboxDir ?? join(config.dataDir, 'outbox'), clock, log)
  const deps: AppDeps = {
    config,
    store,
    db,
    events,
    bus,
    hub,
    presence,
    polls: new PollSlots({ perSession: config.maxPollsPerSession, perUser: config.maxPollsPerUser, total: connectionBudget(readFdLimit()).maxHeldPolls }),
    caches: new RoomCaches(store, bus, redis ? { ms: SHARED_CACHE_MS, now: () => clock.now() } : undefined),
    sessions: new SessionCache(),
    mailer: createMailer(config, outbox, log),
    sms: createSmsSender(config, outbox, log),
    clock,
    log,
    limiter: redis && config.eventBus ? new RedisLimiter(redis.cmd, config.eventBus.prefix) : new RateLimiter(clock),
    metrics: createMetrics(),
    assets: opts.runtime.assets,
  }
  const unsubscribe = bus.subscribe((m) => deliver(deps, m))
  // Every event after what init() loaded comes through the bus from here on.
  if (transport instanceof RedisBus) await transport.start()
  if (presence instanceof SharedPresence) await presence.start()
  return {
    deps,
    close: async () => {
      unsubscribe()
      await bus.close()
      await redis?.close()
      await store.close()
    },
  }
}

/** What each message of the bus does in this process: the whole of the bus's effect, in one place. */
function deliver(deps: AppDeps, m: BusMessage): void {
  switch (m.kind) {
    case 'committed':
      // Memory first, then the wake-up, so a woken poll finds the events.
      deps.events.received(m.events)
      deps.hub.committed(m.events)
      return
    case 'ephemeral':
      if (m.type === 'presence') deps.presence.observe(m.data as PresenceData)
      return deps.hub.ephemeral(m.type, m.data, m.at, m.users, m.seq)
    case 'revoked':
      deps.sessions.forget(m.sessionIds)
      return deps.hub.revoke(m.userId, m.sessionIds)
    case 'invalidated':
      return deps.caches[m.cache].changed(m.roomId)
  }
}

/** Whether emails or SMS go to the outbox folder, and why: where a self-hoster finds them. */
function outboxUse(config: Config): { dir: string; what: string; why: string } | undefined {
  const dir = config.outboxDir ?? join(config.dataDir, 'outbox')
  if (config.outboxDir) return { dir, what: 'every email and SMS is', why: 'OUTBOX_DIR is set' }
  const mail = !config.sendgridKey
  const sms = !config.twilio
  if (mail && sms) return { dir, what: 'emails and SMS are', why: 'no mail or SMS provider is set: SENDGRID_KEY, TWILIO_*' }
  if (mail) return { dir, what: 'emails are', why: 'no mail provider is set: SENDGRID_KEY' }
  if (sms) return { dir, what: 'SMS are', why: 'no SMS provider is set: TWILIO_*' }
  return undefined
}

export type Running = { url: string; port: number; deps: AppDeps; stop: () => Promise<void> }

/** Starts the whole server; stop() drains as SIGTERM does. */
export async function startServer(config: Config, opts: BuildOptions): Promise<Running> {
  // First: a second process on this DATA_DIR stops here, before it migrates or listens. On
  // Postgres, processes share the database (and may share DATA_DIR): no lock.
  const lock = config.postgresUrl ? { release: () => undefined } : lockDataDir(config.dataDir, opts.runtime.sqliteAddon?.(config.dataDir))
  const { deps, close } = await buildDeps(config, opts).catch((err: unknown) => {
    lock.release()
    throw err
  })
  if (config.generatedSecret) deps.log.warn({ file: join(config.dataDir, 'secret.key') }, 'SECRET_KEY not set: generated one and kept it in DATA_DIR/secret.key (set SECRET_KEY in production)')
  const outbox = outboxUse(config)
  if (outbox) deps.log.info({ outbox: outbox.dir }, `${outbox.what} written to ${outbox.dir} (${outbox.why})`)
  const { handle, pipeline } = createApp(deps, opts)
  const jobs = startJobs(deps)
  const http = createServer(serverOptions(config), handle)
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(config.port, config.host, () => {
      http.off('error', reject)
      resolve()
    })
  }).catch(async (err: unknown) => {
    await jobs.stop()
    await close()
    lock.release()
    throw err
  })
  guardServer(http, deps.log, connectionBudget(readFdLimit()))
  // 65 s: longer than the 60 s idle timeout of common proxies, so the proxy closes first.
  http.keepAliveTimeout = 65_000
  const port = (http.address() as AddressInfo).port
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  deps.log.info({ url, database: config.postgresUrl ? 'postgres' : config.databaseFile }, 'parley listening')
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      const jobsStopped = jobs.stop()
      // Stop accepting, answer held polls with what they have, let requests in flight finish.
      const closed = new Promise<void>((resolve) => http.close(() => resolve()))
      // The remaining connections (idle keep-alive ones, and ones a client opened but never used)
      // are cut the moment the last response in flight has gone out.
      pipeline.onIdle = () => http.closeAllConnections()
      deps.hub.shutdown()
      if (pipeline.inFlight === 0) http.closeAllConnections()
      else http.closeIdleConnections()
      const force = setTimeout(() => http.closeAllConnections(), DRAIN_LIMIT_MS)
      await closed
      clearTimeout(force)
      // A periodic job still running (pruning at start-up, say) finishes before the database closes.
      await jobsStopped
      await close()
      lock.release()
      deps.log.info('parley stopped')
    })())
  return { url, port, deps, stop }
}
