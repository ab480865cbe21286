// The connections to the Redis a site's processes share (API.md §14, EVENT_BUS): one for commands
// (publishing, rate-limit counters, presence) and one that only listens. Redis holds nothing durable
// here: while it is away, every user of these connections falls back (README, "Running several
// processes"), so no command waits for it to come back.
import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'

// 1 s: a command that takes longer (a Redis stopped but still connected) fails, and its caller
// falls back, rather than holding a request.
export const COMMAND_TIMEOUT_MS = 1_000
// Reconnect at once, then at most 500 ms apart: a restarted Redis is in use again within a second.
const retryStrategy = (times: number) => Math.min(times * 50, 500)
// 3 s: how long start-up waits for Redis before serving without it (and connecting on in the background).
const CONNECT_WAIT_MS = 3_000

export type RedisLinks = {
  /** Commands. Fails at once while disconnected (no offline queue): callers fall back. */
  cmd: Redis
  /** Subscriptions only; re-subscribes by itself after a reconnection. */
  sub: Redis
  close: () => Promise<void>
}

export async function openRedis(url: string, log: Logger): Promise<RedisLinks> {
  const common: RedisOptions = { retryStrategy, lazyConnect: false, connectionName: 'parley' }
  const cmd = new Redis(url, { ...common, enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 0 })
  const sub = new Redis(url, { ...common, maxRetriesPerRequest: null })
  for (const [name, link] of [
    ['commands', cmd],
    ['subscriber', sub],
  ] as const) {
    // One warning per outage, not one per reconnection attempt.
    let down = false
    link.on('error', (err: Error) => {
      if (!down) log.warn({ err: { message: err.message }, link: name }, 'event bus: Redis unreachable; falling back until it is back')
      down = true
    })
    link.on('ready', () => {
      if (down) log.info({ link: name }, 'event bus: Redis reachable again')
      down = false
    })
  }
  const ready = (link: Redis) =>
    link.status === 'ready'
      ? Promise.resolve(true)
      : new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), CONNECT_WAIT_MS)
          link.once('ready', () => {
            clearTimeout(t)
            resolve(true)
          })
        })
  const [a, b] = await Promise.all([ready(cmd), ready(sub)])
  if (!a || !b) log.warn('event bus: Redis not reachable at start; serving without it until it is')
  return {
    cmd,
    sub,
    close: async () => {
      sub.disconnect()
      if (cmd.status === 'ready') await cmd.quit().catch(() => cmd.disconnect())
      else cmd.disconnect()
    },
  }
}
