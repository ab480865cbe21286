// One row of GET /api/chats and the shape every kind of chat (room, dialog) produces.
import type { DeletedUser, PublicUser } from '../accounts/users.js'
import type { AppDeps } from '../deps.js'
import type { Message } from '../messages/messages.js'
import type { Room } from '../rooms/views.js'

export type ChatItem =
  | { kind: 'room'; room: Room & { joined: true }; last_message: Message | null; unread: number; mention_count: number }
  | { kind: 'dialog'; user: PublicUser | DeletedUser; last_message: Message | null; unread: number; mention_count: number }

/** A chat with what orders it: the time of its latest activity, then its newest message id. */
export interface ChatEntry {
  item: ChatItem
  activityAt: number
  lastMessageId: number
}

/** Every chat of one kind that userId has, unpaged (the list merges and pages all kinds together). */
export type ChatSource = (deps: AppDeps, userId: number) => Promise<ChatEntry[]>
