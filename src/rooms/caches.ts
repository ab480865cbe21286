// Caches of what rooms are made of, read on every send or room open and changed rarely: the
// newest page of a room's history, and the ids of a room's members. Each belongs to the table it
// copies: the repository functions that write `messages` and `room_members` drop it (through
// RoomCaches.invalidate); no caller has to remember.
import { BoundedCache } from '../bounded-cache.js'
import type { Trx } from '../db/schema.js'
import type { CacheName, EventBus } from '../events/bus.js'
import { hasUser, SortedAudience } from '../events/tail.js'
import type { Message } from '../messages/messages.js'
import type { Store } from '../store/store.js'

/**
 * Values kept per room, each with the room's version when it was read. Every change bumps the
 * version (called inside the transaction, before the change commits), so a value read before a
 * change is never kept, nor served, after it.
 */
class RoomVersioned<K, V> {
  private readonly versions = new Map<number, number>()
  private readonly values: BoundedCache<K, { version: number; value: V; at: number }>

  constructor(
    max: number,
    private readonly expiry: CacheExpiry | undefined,
  ) {
    this.values = new BoundedCache(max)
  }

  /** The room changed (or is about to, in a transaction not yet committed). */
  changed(roomId: number) {
    this.versions.set(roomId, (this.versions.get(roomId) ?? 0) + 1)
  }

  version(roomId: number): number {
    return this.versions.get(roomId) ?? 0
  }

  protected read(roomId: number, key: K): V | undefined {
    const kept = this.values.get(key)
    if (!kept || kept.version !== this.version(roomId)) return undefined
    return this.expiry && this.expiry.now() - kept.at >= this.expiry.ms ? undefined : kept.value
  }

  /** Keeps a value read at `version`, unless the room changed since. */
  protected keep(roomId: number, key: K, version: number, value: V) {
    if (version === this.version(roomId)) this.values.set(key, { version, value, at: this.expiry?.now() ?? 0 })
  }
}

/**
 * With several processes (API.md §14): values expire after `ms`, so a change whose invalidation the
 * bus lost (Redis away) is seen within that time all the same.
 */
export type CacheExpiry = { ms: number; now: () => number }

// 2,000 pages: the busy rooms of one box, a few MB.
const PAGES = 2_000

/** One page of history, as the room's members see it who have not cleared it. Never changed once built. */
export type HistoryPage = Readonly<{ items: readonly Message[]; has_more: boolean }>

/** The newest page of each room's history: it only changes when a message of the room does. */
export class HistoryCache extends RoomVersioned<string, HistoryPage> {
  constructor(expiry?: CacheExpiry) {
    super(PAGES, expiry)
  }
  get(roomId: number, limit: number): HistoryPage | undefined {
    return this.read(roomId, `${roomId}:${limit}`)
  }
  put(roomId: number, limit: number, version: number, page: HistoryPage) {
    this.keep(roomId, `${roomId}:${limit}`, version, page)
  }
}

// 10,000 rooms: a list of ids each, a few MB at most.
const ROOMS = 10_000

/**
 * A room's members as sends and history reads need them: the audience of every message sent to
 * it (sorted and encoded: reading and encoding them is a good part of a send's CPU; README,
 * Benchmarks), and those of them who cleared the room's history (few: they read their own pages).
 */
export class RoomMembers {
  readonly audience: SortedAudience
  private readonly cleared: ReadonlySet<number>
  /**
   * rooms.members_version when read (-1: the room is gone). A send compares it with the room's
   * row in its own transaction: with several processes, another's join may have committed before
   * its invalidation reached this one.
   */
  readonly dbVersion: number
  constructor(ids: Iterable<number>, cleared: Iterable<number>, dbVersion: number) {
    this.audience = new SortedAudience(ids)
    this.cleared = new Set(cleared)
    this.dbVersion = dbVersion
  }
  /** Whether userId is a member who sees the room's whole history (the newest page as everyone sees it). */
  readsWhole(userId: number): boolean {
    return hasUser(this.audience.users, userId) && !this.cleared.has(userId)
  }
}

/**
 * The members of each room. Changed by every join, leave and clear. A send fills it only after its
 * transaction committed, a history read from a read outside any transaction: a list is never kept
 * from a transaction that rolled back.
 */
export class MemberCache extends RoomVersioned<number, RoomMembers> {
  constructor(expiry?: CacheExpiry) {
    super(ROOMS, expiry)
  }
  get(roomId: number): RoomMembers | undefined {
    return this.read(roomId, roomId)
  }
  put(roomId: number, version: number, members: RoomMembers) {
    this.keep(roomId, roomId, version, members)
  }
}

/** Both room caches, and the one way to say a room's table changed. */
export class RoomCaches {
  readonly history: HistoryCache
  readonly members: MemberCache

  constructor(
    private readonly store: Pick<Store, 'onCommit'>,
    private readonly bus: Pick<EventBus, 'publish'>,
    expiry?: CacheExpiry,
  ) {
    this.history = new HistoryCache(expiry)
    this.members = new MemberCache(expiry)
  }

  /**
   * Called by the repository function writing a room's messages or members, inside its
   * transaction: this process's cache drops the room's value now (a send later in the same
   * transaction, or grouped after it, must not see the old members), and after the commit every
   * process's does, through the bus (readers that ran beside the transaction, other processes).
   */
  invalidate(trx: Trx, cache: CacheName, roomId: number): void {
    this[cache].changed(roomId)
    this.store.onCommit(trx, () => void this.bus.publish({ kind: 'invalidated', cache, roomId }))
  }
}
