// PATCH /api/messages/:id (API.md §16): the author edits the text of their own user message.
import type { AppDeps } from '../deps.js'
import { forbidden } from '../errors.js'
import { activeSilence, silencedError } from '../rooms/access.js'
import { audienceOf, visibleMessage } from './access.js'
import { findMentions } from './mentions.js'
import { encodeIds, limitSends, type Message, toOneMessage, updateMessage } from './messages.js'

export async function editMessage(deps: AppDeps, userId: number, messageId: number, text: string): Promise<Message> {
  return deps.store.transaction(async (trx) => {
    const row = await visibleMessage(trx, userId, messageId)
    if (row.kind !== 'user' || row.author_id !== userId) throw forbidden('Only the author may edit a message, and only a user message.')
    const now = deps.clock.now()
    if (row.room_id !== null) {
      // An edit puts words in the room as a send does: a silenced member may not.
      const until = await activeSilence(trx, row.room_id, userId, now)
      if (until !== undefined) throw silencedError(until)
    }
    // Every edit reaches the whole room, as a message does: it spends the same budget.
    await limitSends(deps, userId)
    const mentions = await findMentions(trx, text, row.room_id !== null ? { roomId: row.room_id } : { peerId: row.recipient_id! })
    const updated = await updateMessage(deps, trx, row, { text, edited_at: now, mentions: encodeIds(mentions) })
    const message = await toOneMessage(trx, updated)
    await deps.events.publish(trx, 'message.updated', { message }, await audienceOf(trx, row))
    return message
  })
}
