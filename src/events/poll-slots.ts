// How many polls may be held at once (API.md §13): per session (MAX_POLLS_PER_SESSION), per user
// (MAX_POLLS_PER_USER), and in all, below what the file-descriptor limit leaves for connections.
// A held poll takes a slot from its start until it answers; one more is refused at once and the
// held ones go on.
import { ApiError } from '../errors.js'

// 1,024: counts at zero kept beyond twice the polls held, before they are dropped.
const IDLE_COUNTS = 1024

// 5 s: long enough for a tab's abandoned polls to close, short enough to come back promptly.
const RETRY_AFTER_S = '5'

export type PollLimits = { perSession: number; perUser: number; total: number }

export class PollSlots {
  private readonly bySession = new Map<string, number>()
  private readonly byUser = new Map<number, number>()
  private total = 0

  constructor(private readonly limits: PollLimits) {}

  /** Takes a slot, or throws 429 too_many_polls (session or user at its cap) or 503 unavailable (the process at its ceiling). */
  take(userId: number, sessionId: string): void {
    const { perSession, perUser, total } = this.limits
    const session = this.bySession.get(sessionId) ?? 0
    const user = this.byUser.get(userId) ?? 0
    if ((perSession > 0 && session >= perSession) || (perUser > 0 && user >= perUser)) {
      const which = perSession > 0 && session >= perSession ? `${perSession} per session` : `${perUser} per user`
      throw new ApiError('too_many_polls', `Too many polls held at once (at most ${which}).`, undefined, { 'Retry-After': RETRY_AFTER_S })
    }
    if (this.total >= total) throw new ApiError('unavailable', 'The server holds all the polls it can; try again shortly.', undefined, { 'Retry-After': RETRY_AFTER_S })
    this.bySession.set(sessionId, session + 1)
    this.byUser.set(userId, user + 1)
    this.total++
  }

  release(userId: number, sessionId: string): void {
    this.total--
    decrement(this.bySession, sessionId)
    decrement(this.byUser, userId)
    // A count at zero stays (a key deleted and added again on every poll makes the Map rebuild
    // its table over and over); they go, all at once, when they far outnumber the polls held.
    if (this.bySession.size > 2 * this.total + IDLE_COUNTS) {
      dropZeros(this.bySession)
      dropZeros(this.byUser)
    }
  }

  /** Polls holding a slot now. */
  get held(): number {
    return this.total
  }
}

function decrement<K>(map: Map<K, number>, key: K): void {
  map.set(key, Math.max(0, (map.get(key) ?? 0) - 1))
}

function dropZeros<K>(map: Map<K, number>): void {
  for (const [key, n] of map) if (n === 0) map.delete(key)
}
