// Rate limits counted in Redis (API.md §14: limits count across the processes of a site), through
// rate-limiter-flexible: one atomic script per hit, keys that expire by themselves.
//
// While Redis is away (not connected, or a command times out), each process counts in its own
// memory instead (the library's insurance limiter): limits stay on, never refusing everyone and
// never letting everything through, but each of N processes allows the full limit, so a client
// spreading requests over them gets up to N times as many. Counts made meanwhile are not carried
// back into Redis; Redis's counts resume where they were.
import type { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import { type Limiter, rateLimited } from './rate-limit.js'

export class RedisLimiter implements Limiter {
  /** One library limiter per (limit, window): it fixes both at construction. */
  private readonly limiters = new Map<string, RateLimiterRedis>()

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  async tryHit(key: string, limit: number, windowMs: number, cost = 1): Promise<number> {
    if (limit <= 0 || cost <= 0) return 0
    // More than the whole budget at once never fits: wait a whole window and ask for less.
    if (cost > limit) return Math.ceil(windowMs / 1000)
    const limiter = this.limiterFor(limit, windowMs)
    try {
      await limiter.consume(key, cost)
      return 0
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err
      // A refused hit does not count (as in memory): give the points back.
      await limiter.reward(key, cost).catch(() => undefined)
      return Math.max(1, Math.ceil(err.msBeforeNext / 1000))
    }
  }

  async hit(key: string, limit: number, windowMs: number, cost = 1): Promise<void> {
    const wait = await this.tryHit(key, limit, windowMs, cost)
    if (wait > 0) throw rateLimited(wait)
  }

  /** Redis expires its keys, and the insurance limiters theirs. */
  sweep(): void {}

  private limiterFor(limit: number, windowMs: number): RateLimiterRedis {
    const id = `${limit}:${windowMs}`
    let limiter = this.limiters.get(id)
    if (!limiter) {
      // Every window Parley uses is whole seconds, which is what the library counts in.
      const duration = Math.max(1, Math.round(windowMs / 1000))
      limiter = new RateLimiterRedis({
        storeClient: this.client,
        keyPrefix: `${this.prefix}rl:${id}`,
        points: limit,
        duration,
        // Not connected: count in memory at once rather than wait for a reconnection.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `rl:${id}`, points: limit, duration }),
      })
      this.limiters.set(id, limiter)
    }
    return limiter
  }
}
