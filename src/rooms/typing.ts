// The typing throttle: API.md §4 allows at most one `typing` event per user per 3 s. One instance
// per app (created by the route factory), never module state.
import type { Clock } from '../clock.js'

// 3 s: API.md §4's cap on typing events per user.
export const TYPING_INTERVAL_MS = 3_000
// Past this many remembered keys, forget the ones whose interval ran out (memory stays bounded).
const SWEEP_AT = 10_000

export class TypingThrottle {
  private readonly last = new Map<string, number>()

  constructor(private readonly clock: Clock) {}

  /** True (and remembered) when `key` may send a typing event now. */
  allow(key: string): boolean {
    const now = this.clock.now()
    const prev = this.last.get(key)
    if (prev !== undefined && now - prev < TYPING_INTERVAL_MS && now >= prev) return false
    if (this.last.size >= SWEEP_AT) this.sweep(now)
    this.last.set(key, now)
    return true
  }

  private sweep(now: number) {
    for (const [key, at] of this.last) if (now - at >= TYPING_INTERVAL_MS) this.last.delete(key)
  }
}
