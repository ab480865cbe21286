// DELETE /api/messages/:id (API.md §5): soft delete by the author, or by room staff who outrank
// the author; a direct message only by its sender, for both sides.
import type { AppDeps } from '../deps.js'
import { forbidden, notFound } from '../errors.js'
import { markDeleted, roomMemberIds } from '../messages/messages.js'
import { pairOf } from '../dialogs/dialogs.js'
import { RANK, requireOutranks, standingIn } from './ranks.js'

export async function deleteMessage(deps: AppDeps, actorId: number, messageId: number): Promise<void> {
  await deps.store.transaction(async (trx) => {
    const row = await trx.selectFrom('messages').selectAll().where('id', '=', messageId).where('deleted_at', 'is', null).executeTakeFirst()
    if (!row) throw notFound('message')
    if (row.room_id === null) {
      // Outside the dialog the message does not exist; inside it, only its sender removes it.
      if (actorId !== row.author_id && actorId !== row.recipient_id) throw notFound('message')
      if (actorId !== row.author_id) throw forbidden('Only the sender may delete a direct message.')
      await markDeleted(deps, trx, row)
      const user_ids = pairOf(row.author_id, row.recipient_id!)
      await deps.events.publish(trx, 'message.deleted', { message_id: row.id, user_ids }, user_ids)
      return
    }
    const roomId = row.room_id
    if (actorId !== row.author_id) {
      const actor = await standingIn(trx, roomId, actorId)
      // Room history is for members: to anyone else (a site admin aside) the message does not exist.
      if (actor.rank === RANK.outsider) throw notFound('message')
      if (actor.rank < RANK.moderator) throw forbidden("Only the author or the room's moderators and admin may delete a message.")
      requireOutranks(actor, await standingIn(trx, roomId, row.author_id))
    }
    await markDeleted(deps, trx, row)
    const audience = [...(await roomMemberIds(trx, roomId)), actorId]
    await deps.events.publish(trx, 'message.deleted', { message_id: row.id, room_id: roomId }, audience)
  })
}
