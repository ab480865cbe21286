// Per-user dialog state: read receipts, clearing, deleting the dialog, typing (API.md §6).
import type { AppDeps } from '../deps.js'
import { ApiError, notFound } from '../errors.js'
import type { Trx } from '../db/schema.js'
import { clearedUpTo, pairOf, requireLivePeer, requirePeer } from './dialogs.js'

// 3 s: API.md §4's typing cadence (at most one event per user per 3 s), applied to dialogs too.
export const TYPING_INTERVAL_MS = 3_000

/**
 * Marks the peer's messages to me read, up to `upTo` (a message of this dialog, as in room reads;
 * default: all). The author and my other sessions get message.read, whose up_to is the newest
 * message this call marked read; nothing newly read sends nothing.
 */
export async function readDialog(deps: AppDeps, me: number, peerId: number, upTo: number | undefined): Promise<void> {
  await deps.store.transaction(async (trx) => {
    await requirePeer(trx, me, peerId)
    if (upTo !== undefined) {
      const [lo, hi] = pairOf(me, peerId)
      const inDialog = await trx.selectFrom('messages').select('id').where('id', '=', upTo).where('peer_lo', '=', lo).where('peer_hi', '=', hi).executeTakeFirst()
      if (!inDialog) throw new ApiError('invalid_request', 'up_to must name a message of this dialog.', [{ path: 'up_to', message: 'Not a message of this dialog.' }])
    }
    let update = trx
      .updateTable('messages')
      .set({ read_at: deps.clock.now() })
      .where('recipient_id', '=', me)
      .where('author_id', '=', peerId)
      .where('room_id', 'is', null)
      .where('read_at', 'is', null)
      .where('deleted_at', 'is', null)
    if (upTo !== undefined) update = update.where('id', '<=', upTo)
    const read = await update.returning('id').execute()
    if (read.length === 0) return
    const up_to = Math.max(...read.map((r) => r.id))
    await deps.events.publish(trx, 'message.read', { reader_id: me, user_ids: pairOf(me, peerId), up_to }, [peerId, me])
  })
}

/** Marks one received direct message read; 404 unless it is a live direct message to me. */
export async function readOneMessage(deps: AppDeps, me: number, messageId: number): Promise<void> {
  await deps.store.transaction(async (trx) => {
    const row = await trx
      .selectFrom('messages')
      .select(['id', 'author_id', 'read_at'])
      .where('id', '=', messageId)
      .where('recipient_id', '=', me)
      .where('room_id', 'is', null)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    if (!row) throw notFound('direct message')
    if (row.read_at !== null) return
    await trx.updateTable('messages').set({ read_at: deps.clock.now() }).where('id', '=', row.id).execute()
    const data = { reader_id: me, user_ids: pairOf(me, row.author_id), up_to: row.id, message_id: row.id }
    await deps.events.publish(trx, 'message.read', data, [row.author_id, me])
  })
}

/** The newest message id of the pair, deleted or not (what a clear hides up to). */
async function latestId(trx: Trx, me: number, peerId: number): Promise<number> {
  const [lo, hi] = pairOf(me, peerId)
  const row = await trx
    .selectFrom('messages')
    .select((eb) => eb.fn.max('id').as('max'))
    .where('peer_lo', '=', lo)
    .where('peer_hi', '=', hi)
    .executeTakeFirst()
  return Number(row?.max ?? 0)
}

/** Hides everything up to upTo for these users (never un-hides), optionally removing it from their lists. */
async function hideFor(trx: Trx, users: [number, number][], upTo: number, hidden: boolean): Promise<void> {
  for (const [userId, peerId] of users) {
    const current = await clearedUpTo(trx, userId, peerId)
    const set = { cleared_up_to: Math.max(current, upTo), ...(hidden ? { hidden: 1 } : {}) }
    await trx
      .insertInto('dialog_state')
      .values({ user_id: userId, peer_id: peerId, ...set })
      .onConflict((oc) => oc.columns(['user_id', 'peer_id']).doUpdateSet(set))
      .execute()
  }
}

/** Clears the history for me, or for both; chat.cleared to whoever it was cleared for. */
export async function clearDialog(deps: AppDeps, me: number, peerId: number, forEveryone: boolean): Promise<void> {
  await deps.store.transaction(async (trx) => {
    await requirePeer(trx, me, peerId)
    const up_to = await latestId(trx, me, peerId)
    const users: [number, number][] = forEveryone ? [[me, peerId], [peerId, me]] : [[me, peerId]]
    await hideFor(trx, users, up_to, false)
    await deps.events.publish(trx, 'chat.cleared', { user_ids: pairOf(me, peerId), up_to }, users.map((u) => u[0]))
  })
}

/**
 * Removes the dialog from my list (or both lists): its history is hidden as with a clear, and a
 * later message brings the dialog back with only what came after.
 */
export async function deleteDialog(deps: AppDeps, me: number, peerId: number, forEveryone: boolean): Promise<void> {
  await deps.store.transaction(async (trx) => {
    await requirePeer(trx, me, peerId)
    const upTo = await latestId(trx, me, peerId)
    const users: [number, number][] = forEveryone ? [[me, peerId], [peerId, me]] : [[me, peerId]]
    await hideFor(trx, users, upTo, true)
    await deps.events.publish(trx, 'dialog.deleted', { user_ids: pairOf(me, peerId) }, users.map((u) => u[0]))
  })
}

/** Tells the peer I am typing: ephemeral, at most once per 3 s per dialog (extra calls are dropped). */
export async function dialogTyping(deps: AppDeps, me: number, peerId: number): Promise<void> {
  await requireLivePeer(deps.db, me, peerId)
  const key = `typing:${me}:dm:${peerId}`
  if ((await deps.limiter.tryHit(key, 1, TYPING_INTERVAL_MS)) > 0) return
  deps.events.ephemeral('typing', { user_id: me, recipient_id: peerId }, [peerId])
}
