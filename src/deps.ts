import type { HttpBindings } from '@hono/node-server'
import type { Logger } from 'pino'
import type { SessionCache } from './accounts/sessions.js'
import type { Assets } from './assets.js'
import type { HistoryCache, MemberCache } from './rooms/caches.js'
import type { Config } from './config.js'
import type { Db } from './db/schema.js'
import type { EventLog } from './events/log.js'
import type { Hub } from './events/hub.js'
import type { PollSlots } from './events/poll-slots.js'
import type { Presence } from './events/presence.js'
import type { Limiter } from './http/rate-limit.js'
import type { Metrics } from './metrics.js'
import type { Mailer, SmsSender } from './notify/types.js'

export interface Clock {
  /** Epoch milliseconds. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export interface AppDeps {
  config: Config
  db: Db
  /** Durable event log: transactions that publish, reads after a cursor. */
  events: EventLog
  /** Waiting polls, wake-ups, ephemeral events. */
  hub: Hub
  presence: Presence
  /** Held polls per session, per user and in all (API.md §13). */
  polls: PollSlots
  /** The newest page of each room's history, serialized (changes drop it). */
  history: HistoryCache
  /** The member ids of each room (joins and leaves drop them). */
  members: MemberCache
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
    requestId: string
    userId: number
    sessionId: string
  }
}
