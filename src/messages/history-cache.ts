// The newest page of each room's history, kept serialized: it is what every client opening a
// room asks for, and it only changes when a message of the room is written or deleted.
import { BoundedCache } from '../bounded-cache.js'

type Page = { version: number; body: string }

// 2,000 pages: the busy rooms of one box, a few MB.
const PAGES = 2_000

export class HistoryCache {
  /** Grows with every change to a room's messages: a page read before a change is never kept after it. */
  private readonly versions = new Map<number, number>()
  private readonly pages = new BoundedCache<string, Page>(PAGES)

  /** A message of the room was written or deleted (called before the change commits). */
  changed(roomId: number) {
    this.versions.set(roomId, (this.versions.get(roomId) ?? 0) + 1)
  }

  version(roomId: number): number {
    return this.versions.get(roomId) ?? 0
  }

  get(roomId: number, limit: number): string | undefined {
    const page = this.pages.get(`${roomId}:${limit}`)
    return page && page.version === this.version(roomId) ? page.body : undefined
  }

  /** Keeps a page read at `version`, unless the room changed since. */
  put(roomId: number, limit: number, version: number, body: string) {
    if (version === this.version(roomId)) this.pages.set(`${roomId}:${limit}`, { version, body })
  }
}
