// Caches of what rooms are made of, read on every send or room open and changed rarely: the
// newest page of a room's history (serialized), and the ids of a room's members.
import { BoundedCache } from '../bounded-cache.js'
import type { SortedAudience } from '../events/tail.js'

/**
 * Values kept per room, each with the room's version when it was read. Every change bumps the
 * version (called inside the transaction, before the change commits), so a value read before a
 * change is never kept, nor served, after it.
 */
class RoomVersioned<K, V> {
  private readonly versions = new Map<number, number>()
  private readonly values: BoundedCache<K, { version: number; value: V }>

  constructor(max: number) {
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
    return kept && kept.version === this.version(roomId) ? kept.value : undefined
  }

  /** Keeps a value read at `version`, unless the room changed since. */
  protected keep(roomId: number, key: K, version: number, value: V) {
    if (version === this.version(roomId)) this.values.set(key, { version, value })
  }
}

// 2,000 pages: the busy rooms of one box, a few MB.
const PAGES = 2_000

/** The newest page of each room's history: it only changes when a message of the room does. */
export class HistoryCache extends RoomVersioned<string, string> {
  constructor() {
    super(PAGES)
  }
  get(roomId: number, limit: number): string | undefined {
    return this.read(roomId, `${roomId}:${limit}`)
  }
  put(roomId: number, limit: number, version: number, body: string) {
    this.keep(roomId, `${roomId}:${limit}`, version, body)
  }
}

// 10,000 rooms: a list of ids each, a few MB at most.
const ROOMS = 10_000

/**
 * The members of each room, sorted and encoded as the audience of every message sent to it
 * (reading and encoding them cost a send ~10 µs in a room of 50). Changed by every join and leave. A send fills it only after its
 * transaction committed, so a list is never kept from a transaction that rolled back.
 */
export class MemberCache extends RoomVersioned<number, SortedAudience> {
  constructor() {
    super(ROOMS)
  }
  get(roomId: number): SortedAudience | undefined {
    return this.read(roomId, roomId)
  }
  put(roomId: number, version: number, members: SortedAudience) {
    this.keep(roomId, roomId, version, members)
  }
}
