// PUT and DELETE /api/messages/:id/reactions/:emoji (API.md §16).
import type { AppDeps } from '../deps.js'
import type { MessageRow, Trx } from '../db/schema.js'
import { ApiError } from '../errors.js'
import { audienceOf, visibleMessage } from './access.js'
import { isEmoji } from './emoji.js'
import { type Reaction, toOneMessage, updateMessage } from './messages.js'

// 20: API.md §16's cap on distinct emoji per message.
export const MAX_EMOJI = 20

function requireEmoji(emoji: string): void {
  if (!isEmoji(emoji)) throw new ApiError('invalid_emoji', 'Give one emoji (a single grapheme of at most 32 bytes), URL-encoded.')
}

/** Adds the caller's reaction; nothing changes (and nothing is sent) when it is there already. */
export async function addReaction(deps: AppDeps, userId: number, messageId: number, emoji: string): Promise<void> {
  requireEmoji(emoji)
  await deps.store.transaction(async (trx) => {
    const row = await visibleMessage(trx, userId, messageId)
    const used = await trx.selectFrom('message_reactions').select(['emoji', 'user_id']).where('message_id', '=', messageId).execute()
    if (used.some((r) => r.emoji === emoji && r.user_id === userId)) return
    const distinct = new Set(used.map((r) => r.emoji))
    if (!distinct.has(emoji) && distinct.size >= MAX_EMOJI) {
      throw new ApiError('too_many_reactions', `A message holds at most ${MAX_EMOJI} different emoji; react with one already there.`)
    }
    await trx
      .insertInto('message_reactions')
      .values({ message_id: messageId, emoji, user_id: userId, created_at: deps.clock.now() })
      .onConflict((oc) => oc.doNothing())
      .execute()
    await reactionsChanged(deps, trx, row)
  })
}

/** Removes the caller's reaction; 204 without one too, and then nothing is sent. */
export async function removeReaction(deps: AppDeps, userId: number, messageId: number, emoji: string): Promise<void> {
  requireEmoji(emoji)
  await deps.store.transaction(async (trx) => {
    const row = await visibleMessage(trx, userId, messageId)
    const res = await trx.deleteFrom('message_reactions').where('message_id', '=', messageId).where('emoji', '=', emoji).where('user_id', '=', userId).executeTakeFirst()
    if (Number(res.numDeletedRows) === 0) return
    await reactionsChanged(deps, trx, row)
  })
}

/** Writes the message's reactions as its answers show them, and tells everyone who sees it. */
async function reactionsChanged(deps: AppDeps, trx: Trx, row: MessageRow): Promise<void> {
  const rows = await trx.selectFrom('message_reactions').select(['emoji', 'user_id']).where('message_id', '=', row.id).orderBy('id').execute()
  const reactions = groupReactions(rows)
  const updated = await updateMessage(deps, trx, row, { reactions: reactions.length === 0 ? null : JSON.stringify(reactions) })
  await deps.events.publish(trx, 'message.updated', { message: await toOneMessage(trx, updated) }, await audienceOf(trx, row))
}

/** Rows in the order they were added to [{emoji, user_ids}], emoji by first use. */
export function groupReactions(rows: ReadonlyArray<{ emoji: string; user_id: number }>): Reaction[] {
  const byEmoji = new Map<string, number[]>()
  for (const r of rows) {
    const users = byEmoji.get(r.emoji)
    if (users) users.push(r.user_id)
    else byEmoji.set(r.emoji, [r.user_id])
  }
  return [...byEmoji].map(([emoji, user_ids]) => ({ emoji, user_ids }))
}
