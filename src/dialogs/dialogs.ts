// Direct messages and dialog history (API.md §6). A dialog is the pair (peer_lo, peer_hi) of its
// two users; each side has a dialog_state row (cleared_up_to, hidden) that only it controls.
import type { AppDeps } from '../deps.js'
import { ApiError, notFound } from '../errors.js'
import type { Q, Trx, UserRow } from '../db/schema.js'
import { findUser, requireLiveUser } from '../accounts/users.js'
import {
  checkAttachment,
  checkReply,
  findByClientId,
  insertMessage,
  limitSends,
  retryOf,
  MESSAGE_COLUMNS,
  type MessageFields,
  toMessages,
  toOneMessage,
  type Message,
  type SendMessage,
} from '../messages/messages.js'
import { findMentions } from '../messages/mentions.js'
import type { HistoryQuery } from './schemas.js'

/** The dialog's key: both user ids, ascending. Also the `user_ids` of dialog events. */
export function pairOf(a: number, b: number): [number, number] {
  return a < b ? [a, b] : [b, a]
}

function notYourself(): ApiError {
  return new ApiError('invalid_request', 'A dialog needs another user, not yourself.', [{ path: 'param.user_id', message: 'That is you.' }])
}

/**
 * The other side of a dialog for reading or managing it: 400 for oneself, 404 for a user that
 * never existed. A deleted user's dialog stays readable (it shows as {id, deleted: true}).
 */
export async function requirePeer(db: Q, me: number, peerId: number): Promise<UserRow> {
  if (peerId === me) throw notYourself()
  const row = await findUser(db, peerId)
  if (!row) throw notFound('user')
  return row
}

/** The other side of a dialog for writing to it: must be a live user. */
export async function requireLivePeer(db: Q, me: number, peerId: number): Promise<UserRow> {
  if (peerId === me) throw notYourself()
  return requireLiveUser(db, peerId)
}

/** How far this user has hidden the dialog (0 = nothing hidden). */
export async function clearedUpTo(db: Q, me: number, peerId: number): Promise<number> {
  const row = await db.selectFrom('dialog_state').select('cleared_up_to').where('user_id', '=', me).where('peer_id', '=', peerId).executeTakeFirst()
  return row?.cleared_up_to ?? 0
}

/** Makes sure both users have a visible dialog_state row (presence contacts rely on it). */
async function showDialog(trx: Trx, a: number, b: number): Promise<void> {
  await trx
    .insertInto('dialog_state')
    .values([
      { user_id: a, peer_id: b },
      { user_id: b, peer_id: a },
    ])
    .onConflict((oc) => oc.columns(['user_id', 'peer_id']).doUpdateSet({ hidden: 0 }))
    .execute()
}

export type SendResult = { message: Message; created: boolean }

/**
 * Sends a direct message. A retry with a client_id already used in this dialog answers the first
 * message (created: false); the same client_id used elsewhere is a conflict, never a second post.
 */
export async function sendDirect(deps: AppDeps, me: number, peerId: number, input: SendMessage): Promise<SendResult> {
  return deps.store.transaction(async (trx) => {
    await requireLivePeer(trx, me, peerId)
    const [lo, hi] = pairOf(me, peerId)
    const prior = await findByClientId(trx, me, input.client_id)
    if (prior) return { message: await toOneMessage(trx, retryOf(prior, prior.peer_lo === lo && prior.peer_hi === hi)), created: false }
    await checkAttachment(trx, me, input.attachment_id)
    await checkReply(trx, input.reply_to_id, { peers: [me, peerId] })
    await limitSends(deps, me)
    const row = await insertMessage(deps, trx, {
      recipient_id: peerId,
      author_id: me,
      kind: 'user',
      text: input.text,
      attachment_id: input.attachment_id,
      reply_to_id: input.reply_to_id,
      client_id: input.client_id,
      created_at: deps.clock.now(),
      mentions: await findMentions(trx, input.text, { peerId }),
    })
    await showDialog(trx, me, peerId)
    const message = await toOneMessage(trx, row)
    await deps.events.publish(trx, 'message.created', { message }, [me, peerId])
    return { message, created: true }
  })
}

/** Dialog history as room history: ascending ids, before/after paging, cleared messages hidden. */
export async function dialogHistory(deps: AppDeps, me: number, peerId: number, q: HistoryQuery) {
  await requirePeer(deps.db, me, peerId)
  const [lo, hi] = pairOf(me, peerId)
  const cleared = await clearedUpTo(deps.db, me, peerId)
  let query = deps.db
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('peer_lo', '=', lo)
    .where('peer_hi', '=', hi)
    .where('deleted_at', 'is', null)
    .where('id', '>', cleared)
    .limit(q.limit + 1)
  let rows: MessageFields[]
  if (q.after !== undefined) {
    rows = await query.where('id', '>', q.after).orderBy('id', 'asc').execute()
  } else {
    if (q.before !== undefined) query = query.where('id', '<', q.before)
    rows = await query.orderBy('id', 'desc').execute()
  }
  const has_more = rows.length > q.limit
  const page = rows.slice(0, q.limit)
  if (q.after === undefined) page.reverse()
  return { items: await toMessages(deps.db, page), has_more }
}
