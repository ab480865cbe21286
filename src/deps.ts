import type { HttpBindings } from '@hono/node-server'
import type { Logger } from 'pino'
import type { SessionCache } from './accounts/sessions.js'
import type { Assets } from './assets.js'
import type { Clock } from './clock.js'
import type { Config } from './config.js'
import type { Db } from './db/schema.js'
import type { EventBus } from './events/bus.js'
import type { EventLog } from './events/log.js'
import type { Hub } from './events/hub.js'
import type { PollSlots } from './events/poll-slots.js'
import type { Presence } from './events/presence.js'
import type { Limiter } from './http/rate-limit.js'
import type { Metrics } from './metrics.js'
import type { Mailer, SmsSender } from './notify/types.js'
import type { RoomCaches } from './rooms/caches.js'
import type { Store } from './store/store.js'

export interface AppDeps {
  config: Config
  /** Every write: store.transaction(fn), with store.onCommit(trx, fn) for what follows a commit. */
  store: Store
  /** Reads (store.db). */
  db: Db
  /** Durable events: publish inside a transaction, read after a cursor; ephemeral events. */
  events: EventLog
  /** What one process tells every process: committed events, ephemeral ones, revocations, invalidations. */
  bus: EventBus
  /** Waiting polls, wake-ups, ephemeral events. */
  hub: Hub
  presence: Presence
  /** Held polls per session, per user and in all (API.md §13). */
  polls: PollSlots
  /** Each room's newest history page and member ids (their tables' writers drop them). */
  caches: RoomCaches
  /** Live sessions read already (revocation drops them). */
  sessions: SessionCache
  mailer: Mailer
  sms: SmsSender
  clock: Clock
  log: Logger
  limiter: Limiter
  metrics: Metrics
  /** The web client's files and Parley's version. */
  assets: Assets
}

export type AppEnv = {
  Bindings: HttpBindings
  Variables: {
    userId: number
    sessionId: string
  }
}
