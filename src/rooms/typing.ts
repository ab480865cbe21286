// The typing throttle: API.md §4 allows at most one `typing` event per user per 3 s. Counted by the
// rate limiter, so it holds across the processes of a site (API.md §14) as every other limit does.
import type { Limiter } from '../http/rate-limit.js'

// 3 s: API.md §4's cap on typing events per user.
export const TYPING_INTERVAL_MS = 3_000

/** True (and counted) when `key` may send a typing event now. */
export async function allowTyping(limiter: Limiter, key: string): Promise<boolean> {
  return (await limiter.tryHit(key, 1, TYPING_INTERVAL_MS)) === 0
}
