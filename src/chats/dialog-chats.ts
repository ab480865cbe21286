// The dialog half of GET /api/chats: every dialog in the user's list, as GET /api/dialogs shows it.
import type { AppDeps } from '../deps.js'
import { allDialogSummaries } from '../dialogs/list.js'
import type { ChatEntry } from './types.js'

export async function dialogChats(deps: AppDeps, userId: number): Promise<ChatEntry[]> {
  const dialogs = await allDialogSummaries(deps, userId)
  return dialogs.map((d) => ({
    item: { kind: 'dialog', user: d.user, last_message: d.last_message, unread: d.unread, mention_count: d.mention_count },
    activityAt: d.activity_at,
    lastMessageId: d.last_message?.id ?? 0,
  }))
}
