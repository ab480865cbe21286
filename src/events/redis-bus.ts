// The event bus of several processes (API.md §14, EVENT_BUS=redis://…). Redis pub/sub carries
// what one process tells the others, but the database stays the truth, so a message lost while
// Redis is away (or while a process is cut from it) only delays:
// - committed events: the message is a doorbell, handed to this process's subscriber as a
//   committed message without events; the HorizonBus above it (events/horizon.ts) then reads the
//   log itself, as it also does every second without any doorbell;
// - revocations: the sessions revoked lately are read again every FALLBACK_MS;
// - cache invalidations: every process's room caches also expire after a second (main.ts);
// - ephemeral events (typing, presence) are numbered by Redis as they are published, so every
//   process gives one event the same place in its cursors; while Redis is away they reach this
//   process's polls only (API.md §14 lets them be lost).
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { z } from 'zod'
import type { BusMessage, EventBus } from './bus.js'
import { EPHEMERAL_TYPES } from './types.js'

/** What the bus reads from the database when its messages may have been lost. */
export interface BusTruth {
  /** Sessions revoked at or after `since` (epoch ms). */
  revokedSince(since: number): Promise<Array<{ userId: number; sessionId: string }>>
  now(): number
}

// 500 ms: a lost revocation is made up for within a second, the read included.
export const FALLBACK_MS = 500
// 10 s: revocations are read again this far back, for a revoking transaction that commits late
// and for clocks of different machines that disagree a little.
const REVOKED_LOOKBACK_MS = 10_000

// Numbers an ephemeral event and publishes it in one step, so subscribers receive them in number
// order. Microseconds of Redis's clock, forced to grow: like EphemeralSequence, a number never
// goes back, even after Redis restarts empty. %.0f: Lua would print a large number as 1.7e+15.
const PUBLISH_EPHEMERAL = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local seq = string.format('%.0f', math.max(last + 1, now))
redis.call('SET', KEYS[1], seq)
redis.call('PUBLISH', KEYS[2], 'e' .. seq .. ' ' .. ARGV[1])
return seq`

const Ephemeral = z.object({ t: z.enum(EPHEMERAL_TYPES), d: z.unknown(), a: z.number(), u: z.array(z.number().int()) })
const Other = z.discriminatedUnion('k', [
  z.object({ k: z.literal('c'), n: z.string() }),
  z.object({ k: z.literal('r'), n: z.string(), u: z.number().int(), s: z.array(z.string()) }),
  z.object({ k: z.literal('i'), n: z.string(), c: z.enum(['members', 'history']), r: z.number().int() }),
])

/** Another process committed: whoever reads the log reads it again. */
const DOORBELL: BusMessage = { kind: 'committed', events: [] }

type Publisher = Redis & { parleyEphemeral(seqKey: string, channel: string, json: string): Promise<string> }

export class RedisBus implements EventBus {
  private readonly subscribers = new Set<(message: BusMessage) => void>()
  /** This process, so it skips its own doorbells, revocations and invalidations (it acted on them already). */
  private readonly node = randomBytes(8).toString('hex')
  private readonly channel: string
  private readonly seqKey: string
  private readonly cmd: Publisher
  private ringing = false
  private sweeping = false
  /** Revocations already handed on, with when, so each is handed on once. */
  private readonly revokedSeen = new Map<string, number>()
  private timer: ReturnType<typeof setInterval> | undefined

  constructor(
    cmd: Redis,
    private readonly sub: Redis,
    prefix: string,
    private readonly truth: BusTruth,
    private readonly log: Logger,
  ) {
    this.channel = `${prefix}bus`
    this.seqKey = `${prefix}ephemeral-seq`
    cmd.defineCommand('parleyEphemeral', { numberOfKeys: 2, lua: PUBLISH_EPHEMERAL })
    this.cmd = cmd as Publisher
    sub.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.received(text)
    })
    // Back after an outage: what was missed meanwhile is read now rather than at the next tick.
    sub.on('ready', () => this.catchUp())
  }

  /** Both connections up (tests wait for it after starting Redis again). */
  get connected(): boolean {
    return this.cmd.status === 'ready' && this.sub.status === 'ready'
  }

  /** Starts listening, and reading revocations again every FALLBACK_MS. */
  async start(): Promise<void> {
    this.timer = setInterval(() => void this.sweepRevoked(), FALLBACK_MS)
    this.timer.unref()
    await this.sub.subscribe(this.channel).catch((err: unknown) => this.log.warn({ err }, 'event bus: subscribe failed; reading the database meanwhile'))
  }

  publish(m: BusMessage): Promise<void> {
    switch (m.kind) {
      case 'committed':
        // This process's subscriber hears of its own commit at once; the others are rung, once per
        // turn of the event loop however many commits it held (a group commit runs many).
        this.deliver(m)
        if (!this.ringing) {
          this.ringing = true
          setImmediate(() => {
            this.ringing = false
            void this.send({ k: 'c', n: this.node })
          })
        }
        return Promise.resolve()
      case 'revoked':
        this.deliver(m)
        return this.send({ k: 'r', n: this.node, u: m.userId, s: m.sessionIds })
      case 'invalidated':
        this.deliver(m)
        return this.send({ k: 'i', n: this.node, c: m.cache, r: m.roomId })
      case 'ephemeral':
        return this.publishEphemeral(m)
    }
  }

  subscribe(fn: (message: BusMessage) => void): () => void {
    this.subscribers.add(fn)
    return () => void this.subscribers.delete(fn)
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    this.subscribers.clear()
  }

  /** Back after an outage: the log is read again above (without waiting for its fallback), revocations here. */
  private catchUp() {
    this.deliver(DOORBELL)
    void this.sweepRevoked()
  }

  private deliver(m: BusMessage) {
    if (m.kind === 'revoked') for (const sid of m.sessionIds) this.revokedSeen.set(sid, this.truth.now())
    for (const fn of this.subscribers) fn(m)
  }

  private async send(payload: object): Promise<void> {
    // Not connected: the message is dropped; the fallbacks above make up for it.
    if (this.cmd.status !== 'ready') return
    await this.cmd.publish(this.channel, JSON.stringify(payload)).then(
      () => undefined,
      (err: unknown) => this.log.warn({ err }, 'event bus: publish failed'),
    )
  }

  private async publishEphemeral(m: Extract<BusMessage, { kind: 'ephemeral' }>): Promise<void> {
    const json = JSON.stringify({ t: m.type, d: m.data, a: m.at, u: m.users })
    if (this.cmd.status === 'ready') {
      try {
        await this.cmd.parleyEphemeral(this.seqKey, this.channel, json)
        return
      } catch (err) {
        this.log.warn({ err }, 'event bus: ephemeral publish failed')
      }
    }
    // Redis away: this process's polls still get it (numbered here).
    this.deliver(m)
  }

  private received(text: string) {
    try {
      if (text.startsWith('e')) {
        const space = text.indexOf(' ')
        const seq = Number(text.slice(1, space))
        const e = Ephemeral.parse(JSON.parse(text.slice(space + 1)))
        if (Number.isSafeInteger(seq)) this.deliver({ kind: 'ephemeral', type: e.t, data: e.d, at: e.a, users: e.u, seq })
        return
      }
      const m = Other.parse(JSON.parse(text))
      if (m.n === this.node) return
      if (m.k === 'c') this.deliver(DOORBELL)
      else if (m.k === 'r') this.deliver({ kind: 'revoked', userId: m.u, sessionIds: m.s })
      else this.deliver({ kind: 'invalidated', cache: m.c, roomId: m.r })
    } catch (err) {
      this.log.warn({ err }, 'event bus: a message that is not Parley’s was ignored')
    }
  }

  /** Sessions revoked lately that this process has not heard of: refused and their polls ended here too. */
  private async sweepRevoked() {
    if (this.sweeping) return
    this.sweeping = true
    try {
      const now = this.truth.now()
      for (const [sid, at] of this.revokedSeen) if (at < now - 2 * REVOKED_LOOKBACK_MS) this.revokedSeen.delete(sid)
      const byUser = new Map<number, string[]>()
      for (const r of await this.truth.revokedSince(now - REVOKED_LOOKBACK_MS)) {
        if (this.revokedSeen.has(r.sessionId)) continue
        this.revokedSeen.set(r.sessionId, now)
        byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r.sessionId])
      }
      for (const [userId, sessionIds] of byUser) this.deliver({ kind: 'revoked', userId, sessionIds })
    } catch (err) {
      this.log.warn({ err }, 'event bus: reading revoked sessions failed; trying again shortly')
    } finally {
      this.sweeping = false
    }
  }
}
