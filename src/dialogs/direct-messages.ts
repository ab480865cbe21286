// GET /api/direct-messages (API.md §6): my received direct messages, newest first; `from` narrows
// them to one author, `to` switches to the ones I sent to one user. Cleared messages stay hidden.
import type { AppDeps } from '../deps.js'
import { ApiError } from '../errors.js'
import { toMessages } from '../messages/messages.js'
import type { DirectMessagesQuery } from './schemas.js'

export async function listDirectMessages(deps: AppDeps, me: number, q: DirectMessagesQuery) {
  if (q.from !== undefined && q.to !== undefined) {
    throw new ApiError('conflicting_filters', 'Give from (received from them) or to (sent to them), not both.', [
      { path: 'query.from', message: 'Conflicts with to.' },
      { path: 'query.to', message: 'Conflicts with from.' },
    ])
  }
  const sent = q.to !== undefined
  // My dialog_state row for the other side of each message: messages I cleared are not listed.
  let query = deps.db
    .selectFrom('messages as m')
    .leftJoin('dialog_state as ds', (join) =>
      join.on('ds.user_id', '=', me).onRef('ds.peer_id', '=', sent ? 'm.recipient_id' : 'm.author_id'),
    )
    .where('m.room_id', 'is', null)
    .where('m.deleted_at', 'is', null)
    .where((eb) => eb.or([eb('ds.cleared_up_to', 'is', null), eb('m.id', '>', eb.ref('ds.cleared_up_to'))]))
  if (sent) query = query.where('m.author_id', '=', me).where('m.recipient_id', '=', q.to!)
  else {
    query = query.where('m.recipient_id', '=', me)
    if (q.from !== undefined) query = query.where('m.author_id', '=', q.from)
  }
  if (q.unread_only) query = query.where('m.read_at', 'is', null)

  if (q.count_only) {
    const row = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    return { count: Number(row?.n ?? 0) }
  }
  const rows = await query.selectAll('m').orderBy('m.id', 'desc').limit(q.limit + 1).offset(q.offset).execute()
  return { items: await toMessages(deps.db, rows.slice(0, q.limit)), has_more: rows.length > q.limit }
}
