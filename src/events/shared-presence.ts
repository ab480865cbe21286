// Presence across the processes of a site (API.md §14): a user's polls land on any process, so
// whether they are online is kept in Redis, not in one process's memory. A sorted set holds, per
// user, the time until which they count as online (a poll held somewhere, or ended under 30 s ago;
// a keepalive under 60 s ago), refreshed by each process for the polls it holds. Each change of
// state is decided by one atomic script, so exactly one process announces it, once; every process
// learns it from the `presence` event on the bus, and answers `online`/`last_seen` from that.
// While Redis is away, changes go unannounced (API.md §14 lets presence be lost then).
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import { KEEPALIVE_GRACE_MS, POLL_GRACE_MS, type Presence, type PresenceData, type PresenceSource } from './presence.js'

// 5 s: the presence job's period (jobs.ts), and the slack under which a user's time is not pushed
// again (a busy poller costs Redis a call per 5 s, not one per poll).
export const SHARED_PRESENCE_TICK_MS = 5_000

// KEYS: until-set, seen-hash. ARGV: user, until, now. 1 when the user was offline before.
const MARK = `
local old = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
if old == nil or old <= tonumber(ARGV[3]) then return 1 end
return 0`
// ARGV: now. The users whose time ran out, each with when they were last seen, removed at once.
const EXPIRE = `
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1000)
local out = {}
for _, u in ipairs(gone) do
  redis.call('ZREM', KEYS[1], u)
  out[#out + 1] = u
  out[#out + 1] = redis.call('HGET', KEYS[2], u) or ARGV[1]
  redis.call('HDEL', KEYS[2], u)
end
return out`
// ARGV: user, now. When they were last seen if they were online, else nil.
const REMOVE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return false end
local seen = redis.call('HGET', KEYS[2], ARGV[1]) or ARGV[2]
redis.call('HDEL', KEYS[2], ARGV[1])
return seen`

type Scripts = Redis & {
  parleyMark(k1: string, k2: string, user: number, until: number, now: number): Promise<number>
  parleyExpire(k1: string, k2: string, now: number): Promise<string[]>
  parleyRemove(k1: string, k2: string, user: number, now: number): Promise<string | null>
}

export class SharedPresence implements Presence {
  private readonly redis: Scripts
  private readonly untilKey: string
  private readonly seenKey: string
  /** Polls held by this process, per user. */
  private readonly open = new Map<number, number>()
  /** The time last pushed to Redis per user by this process. */
  private readonly pushed = new Map<number, number>()
  /** What every process announced (the bus's `presence` events). */
  private readonly known = new Map<number, { online: boolean; lastSeen: number }>()

  constructor(
    redis: Redis,
    prefix: string,
    private readonly source: PresenceSource,
    private readonly tell: (data: PresenceData, users: number[]) => void,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.untilKey = `${prefix}presence-until`
    this.seenKey = `${prefix}presence-seen`
    redis.defineCommand('parleyMark', { numberOfKeys: 2, lua: MARK })
    redis.defineCommand('parleyExpire', { numberOfKeys: 2, lua: EXPIRE })
    redis.defineCommand('parleyRemove', { numberOfKeys: 2, lua: REMOVE })
    this.redis = redis as Scripts
  }

  /** Learns who is online now (a process started later has heard no announcement of theirs). */
  async start(): Promise<void> {
    const now = this.clock.now()
    const online = await this.redis.zrangebyscore(this.untilKey, now, '+inf').catch(() => [] as string[])
    for (const u of online) this.known.set(Number(u), { online: true, lastSeen: now })
  }

  pollStarted(userId: number) {
    this.open.set(userId, (this.open.get(userId) ?? 0) + 1)
    this.mark(userId, POLL_GRACE_MS)
  }

  pollEnded(userId: number) {
    const n = (this.open.get(userId) ?? 0) - 1
    if (n > 0) this.open.set(userId, n)
    else this.open.delete(userId)
    this.mark(userId, POLL_GRACE_MS)
  }

  touch(userId: number) {
    this.mark(userId, KEEPALIVE_GRACE_MS)
  }

  forget(userId: number) {
    this.pushed.delete(userId)
    // Polls held here keep the user online, as in one process.
    if (this.open.has(userId)) return
    const now = this.clock.now()
    this.run(async () => {
      const seen = await this.redis.parleyRemove(this.untilKey, this.seenKey, userId, now)
      if (seen !== null) await this.announce(userId, false, Number(seen))
    })
  }

  isOnline(userId: number): boolean {
    return this.open.has(userId) || (this.known.get(userId)?.online ?? false)
  }

  lastSeen(userId: number): number | null {
    const known = this.known.get(userId)
    if (this.open.has(userId) || known?.online) return this.clock.now()
    return known?.lastSeen ?? null
  }

  /**
   * Every 5 s on every process (jobs.ts): vouches for the polls held here, and sends offline the
   * users whose time ran out (the script hands each to one process only).
   */
  sweep(): void {
    const now = this.clock.now()
    for (const userId of this.open.keys()) this.mark(userId, POLL_GRACE_MS)
    for (const [userId, until] of this.pushed) if (until <= now) this.pushed.delete(userId)
    for (const [userId, k] of this.known) if (!k.online) this.known.delete(userId)
    this.run(async () => {
      const out = await this.redis.parleyExpire(this.untilKey, this.seenKey, now)
      for (let i = 0; i < out.length; i += 2) await this.announce(Number(out[i]), false, Number(out[i + 1]))
    })
  }

  observe(data: PresenceData): void {
    this.known.set(data.user_id, { online: data.online, lastSeen: Date.parse(data.last_seen) })
  }

  /** Pushes the user's time on by `grace` from now, unless it was pushed nearly that far already. */
  private mark(userId: number, grace: number) {
    const now = this.clock.now()
    const until = now + grace
    if ((this.pushed.get(userId) ?? 0) >= until - SHARED_PRESENCE_TICK_MS) return
    this.pushed.set(userId, until)
    this.run(async () => {
      const wasOffline = await this.redis.parleyMark(this.untilKey, this.seenKey, userId, until, now).catch((err: unknown) => {
        // Not pushed: the next poll or keepalive tries again.
        this.pushed.delete(userId)
        throw err
      })
      if (wasOffline === 1) await this.announce(userId, true, now)
    })
  }

  private run(fn: () => Promise<void>) {
    fn().catch((err: unknown) => this.log.debug({ err }, 'presence: Redis unavailable; this change goes unannounced'))
  }

  private async announce(userId: number, online: boolean, lastSeen: number) {
    if (!online) await this.source.saveLastSeen(userId, lastSeen)
    const contacts = await this.source.contactsOf(userId)
    // Told even with no contacts: every process learns the state from this event.
    this.tell({ user_id: userId, online, last_seen: new Date(lastSeen).toISOString() }, contacts)
  }
}
