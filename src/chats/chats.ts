// GET /api/chats: every chat of every kind, merged, most recent activity first, then paged.
import type { AppDeps } from '../deps.js'
import { dialogChats } from './dialog-chats.js'
import { roomChats } from './room-chats.js'
import type { ChatEntry, ChatItem, ChatSource } from './types.js'
import type { ChatsQuery } from './schemas.js'

/** Each kind of chat contributes its entries. */
const SOURCES: readonly ChatSource[] = [roomChats, dialogChats]

const newestFirst = (a: ChatEntry, b: ChatEntry) => b.activityAt - a.activityAt || b.lastMessageId - a.lastMessageId

export async function listChats(deps: AppDeps, userId: number, q: ChatsQuery): Promise<{ items: ChatItem[]; has_more: boolean }> {
  const entries = (await Promise.all(SOURCES.map((source) => source(deps, userId)))).flat().sort(newestFirst)
  return {
    items: entries.slice(q.offset, q.offset + q.limit).map((e) => e.item),
    has_more: entries.length > q.offset + q.limit,
  }
}
