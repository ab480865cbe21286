// Who may see a message, and who hears of a change to it (API.md §16, §10).
import type { MessageRow, Trx } from '../db/schema.js'
import { notFound } from '../errors.js'
import { roomMemberIds } from './messages.js'

/**
 * A live message the user can see now: in a room they are a member of, or in their own dialog,
 * and not hidden by their clear. Anything else is 404, as for a message that does not exist.
 */
export async function visibleMessage(trx: Trx, userId: number, messageId: number): Promise<MessageRow> {
  const row = await trx.selectFrom('messages').selectAll().where('id', '=', messageId).where('deleted_at', 'is', null).executeTakeFirst()
  if (!row) throw notFound('message')
  let clearedUpTo: number | undefined
  if (row.room_id !== null) {
    const member = await trx.selectFrom('room_members').select('cleared_up_to').where('room_id', '=', row.room_id).where('user_id', '=', userId).executeTakeFirst()
    clearedUpTo = member?.cleared_up_to
  } else if (userId === row.author_id || userId === row.recipient_id) {
    const peerId = userId === row.author_id ? row.recipient_id! : row.author_id
    const state = await trx.selectFrom('dialog_state').select('cleared_up_to').where('user_id', '=', userId).where('peer_id', '=', peerId).executeTakeFirst()
    clearedUpTo = state?.cleared_up_to ?? 0
  }
  if (clearedUpTo === undefined || row.id <= clearedUpTo) throw notFound('message')
  return row
}

/** The audience of message.created for this message, now: the room's members, or both parties. */
export async function audienceOf(trx: Trx, row: Pick<MessageRow, 'room_id' | 'author_id' | 'recipient_id'>): Promise<number[]> {
  return row.room_id !== null ? roomMemberIds(trx, row.room_id) : [row.author_id, row.recipient_id!]
}
