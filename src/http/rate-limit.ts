import type { Clock } from '../clock.js'
import { ApiError } from '../errors.js'

/**
 * The one seam every rate limit goes through (API.md §2, §13). Async, so a store shared by
 * several processes (Redis) can stand behind it without another pass over its callers.
 * A limit of 0 turns that limit off.
 */
export interface Limiter {
  /** Counts `cost` hits on key unless they would pass `limit` in the window: 0 when counted, else the seconds to wait. */
  tryHit(key: string, limit: number, windowMs: number, cost?: number): Promise<number>
  /** tryHit that throws 429 rate_limited (with Retry-After) instead of answering the wait. */
  hit(key: string, limit: number, windowMs: number, cost?: number): Promise<void>
  /** Drops what has left every window (a no-op where the store expires keys itself). */
  sweep(maxWindowMs: number): void
}

export const rateLimited = (retryAfter: number) =>
  new ApiError('rate_limited', 'Too many requests; try again later.', { retry_after: retryAfter }, { 'Retry-After': String(retryAfter) })

/**
 * Sliding-log limiter held in memory (one process serves one box). Each key keeps the timestamps
 * of its recent hits; a hit over the limit is refused with the seconds until enough of the
 * oldest ones leave the window.
 */
export class RateLimiter implements Limiter {
  private readonly hits = new Map<string, number[]>()

  constructor(private readonly clock: Clock) {}

  async tryHit(key: string, limit: number, windowMs: number, cost = 1): Promise<number> {
    return this.take(key, limit, windowMs, cost)
  }

  async hit(key: string, limit: number, windowMs: number, cost = 1): Promise<void> {
    const wait = this.take(key, limit, windowMs, cost)
    if (wait > 0) throw rateLimited(wait)
  }

  /** Synchronous, so two requests in flight can never both take the last hit. */
  private take(key: string, limit: number, windowMs: number, cost: number): number {
    // Off: nothing is counted, so nothing piles up in memory.
    if (limit <= 0 || cost <= 0) return 0
    const now = this.clock.now()
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs)
    this.hits.set(key, list)
    // More than the whole budget at once never fits: wait a whole window and ask for less.
    if (cost > limit) return Math.ceil(windowMs / 1000)
    const over = list.length + cost - limit
    if (over > 0) return Math.max(1, Math.ceil((list[over - 1]! + windowMs - now) / 1000))
    for (let i = 0; i < cost; i++) list.push(now)
    return 0
  }

  sweep(maxWindowMs: number): void {
    const cutoff = this.clock.now() - maxWindowMs
    for (const [key, list] of this.hits) if (list.every((t) => t <= cutoff)) this.hits.delete(key)
  }
}
