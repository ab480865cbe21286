// Who is online, by API.md §10: a poll open or ended under 30 s ago, or a keepalive in the last
// 60 s. Transitions send `presence` (ephemeral) to everyone sharing a room or dialog.
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'

/** What presence needs of the people it tracks, from the areas that own them (accounts, rooms, dialogs). */
export interface PresenceSource {
  /** Users sharing a room or a dialog with userId: who hears of their presence. */
  contactsOf(userId: number): Promise<number[]>
  /** Keeps the time a user was last seen, as they go offline. */
  saveLastSeen(userId: number, at: number): Promise<void>
}

// 30 s after a poll ends: a client between two polls (or retrying after a drop) stays online.
export const POLL_GRACE_MS = 30_000
// 60 s after a keepalive: clients that do not poll ping at least once a minute.
export const KEEPALIVE_GRACE_MS = 60_000

type State = { open: number; lastPollEnd: number; lastKeepalive: number; online: boolean }

/** Who is online, as polls, keepalives and sign-outs tell it. LocalPresence for one process; SharedPresence (Redis) for several. */
export interface Presence {
  pollStarted(userId: number): void
  pollEnded(userId: number): void
  /** A keepalive, or a sign-in: the user counts as active for the keepalive grace. */
  touch(userId: number): void
  /** Logout (or deletion): the user is offline now, without waiting for the grace period. */
  forget(userId: number): void
  isOnline(userId: number): boolean
  /** Last activity known in memory (epoch ms), if any since start. */
  lastSeen(userId: number): number | null
  /** Periodic: users whose grace ran out go offline (and are told about). */
  sweep(): void
  /** A `presence` event from the bus (any process's). */
  observe(data: PresenceData): void
}

export type PresenceData = { user_id: number; online: boolean; last_seen: string }

/** One process: every poll and keepalive of the site is seen here. */
export class LocalPresence implements Presence {
  private readonly users = new Map<number, State>()

  constructor(
    private readonly source: PresenceSource,
    /** Sends the `presence` ephemeral event to the given users. */
    private readonly tell: (data: PresenceData, users: number[]) => void,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  pollStarted(userId: number) {
    this.state(userId).open++
    void this.refresh(userId)
  }

  pollEnded(userId: number) {
    const s = this.state(userId)
    s.open = Math.max(0, s.open - 1)
    s.lastPollEnd = this.clock.now()
  }

  /** A keepalive, or a sign-in: the user counts as active for the keepalive grace. */
  touch(userId: number) {
    this.state(userId).lastKeepalive = this.clock.now()
    void this.refresh(userId)
  }

  /** Logout (or deletion): the user is offline now, without waiting for the grace period. */
  forget(userId: number) {
    const s = this.users.get(userId)
    if (!s) return
    s.lastKeepalive = 0
    s.lastPollEnd = 0
    if (s.open === 0) void this.refresh(userId)
  }

  isOnline(userId: number): boolean {
    const s = this.users.get(userId)
    return s ? this.computeOnline(s) : false
  }

  /** Last activity known in memory (epoch ms), if any since start. */
  lastSeen(userId: number): number | null {
    const s = this.users.get(userId)
    if (!s) return null
    if (s.open > 0) return this.clock.now()
    const t = Math.max(s.lastPollEnd, s.lastKeepalive)
    return t > 0 ? t : null
  }

  /**
   * Periodic: users whose grace ran out go offline (and are told about). Resolves once those
   * announcements are out (each saves last_seen first: a round trip on Postgres); never rejects.
   */
  sweep(): Promise<void> {
    return Promise.all([...this.users.keys()].map((userId) => this.refresh(userId))).then(() => undefined)
  }

  /** This process sent it: nothing to learn. */
  observe(): void {}

  private computeOnline(s: State) {
    const now = this.clock.now()
    return s.open > 0 || now - s.lastPollEnd < POLL_GRACE_MS || now - s.lastKeepalive < KEEPALIVE_GRACE_MS
  }

  private state(userId: number): State {
    let s = this.users.get(userId)
    if (!s) this.users.set(userId, (s = { open: 0, lastPollEnd: 0, lastKeepalive: 0, online: false }))
    return s
  }

  /** Announces a change of the user's state, if any; the promise settles when it is out (never rejects). */
  private refresh(userId: number): Promise<void> | undefined {
    const s = this.users.get(userId)
    if (!s) return
    const online = this.computeOnline(s)
    if (online === s.online) return
    s.online = online
    const lastSeen = this.lastSeen(userId) ?? this.clock.now()
    if (!online) this.users.delete(userId)
    return this.announce(userId, online, lastSeen).catch((err: unknown) => this.log.warn({ err, userId }, 'presence announce failed'))
  }

  private async announce(userId: number, online: boolean, lastSeen: number) {
    if (!online) await this.source.saveLastSeen(userId, lastSeen)
    const contacts = await this.source.contactsOf(userId)
    if (contacts.length === 0) return
    this.tell({ user_id: userId, online, last_seen: new Date(lastSeen).toISOString() }, contacts)
  }
}
