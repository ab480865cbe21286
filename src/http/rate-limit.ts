import type { Clock } from '../clock.js'
import { ApiError } from '../errors.js'

/**
 * Sliding-log rate limiter held in memory (one process serves one box). Each key keeps the
 * timestamps of its recent hits; a hit over the limit is refused with the seconds until the
 * oldest one leaves the window.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>()

  constructor(private readonly clock: Clock) {}

  /** Records a hit; throws 429 rate_limited (with Retry-After) when `limit` hits already fell in the window. */
  hit(key: string, limit: number, windowMs: number): void {
    // A limit of 0 turns limiting off: nothing is counted, so nothing piles up in memory.
    if (limit <= 0) return
    const retryAfter = this.check(key, limit, windowMs)
    if (retryAfter > 0) {
      throw new ApiError('rate_limited', 'Too many requests; try again later.', { retry_after: retryAfter }, { 'Retry-After': String(retryAfter) })
    }
    this.hits.get(key)!.push(this.clock.now())
  }

  /** Seconds until another hit is allowed (0 = allowed now). A limit of 0 turns limiting off. */
  check(key: string, limit: number, windowMs: number): number {
    if (limit <= 0) return 0
    const now = this.clock.now()
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs)
    this.hits.set(key, list)
    if (list.length < limit) return 0
    return Math.max(1, Math.ceil((list[list.length - limit]! + windowMs - now) / 1000))
  }

  /** Drops keys with no hit in the window, so memory stays bounded by recent activity. */
  sweep(maxWindowMs: number): void {
    const cutoff = this.clock.now() - maxWindowMs
    for (const [key, list] of this.hits) if (list.every((t) => t <= cutoff)) this.hits.delete(key)
  }
}
