// The gift catalogue, sending gifts, and the gifts a user received. API.md §7.
import type { AppDeps } from '../deps.js'
import { activeSilence } from '../rooms/access.js'
import { ApiError, forbidden, notFound } from '../errors.js'
import type { GiftRow, Q, SentGiftRow, Trx } from '../db/schema.js'
import { requireLiveUser } from '../accounts/users.js'
import { iso } from '../time.js'
import { postServiceMessage } from '../messages/messages.js'
import { isSiteAdmin } from '../rooms/rooms.js'
import type { CreateGift, GiftsPage, PatchGift, SendGift } from './schemas.js'

export interface Gift {
  id: number
  name: string
  image_url: string
  price: number
}

export interface SentGift {
  id: number
  gift: Gift
  from_id: number
  to_id: number
  room_id: number | null
  text: string | null
  price: number
  created_at: string
}

export const toGift = (row: GiftRow): Gift => ({ id: row.id, name: row.name, image_url: row.image_url, price: row.price })

export function toSentGift(row: SentGiftRow, gift: Gift): SentGift {
  return {
    id: row.id,
    gift,
    from_id: row.from_id,
    to_id: row.to_id,
    room_id: row.room_id,
    text: row.text,
    // The price paid then, which a later catalogue change does not rewrite.
    price: row.price,
    created_at: iso(row.created_at),
  }
}

/** The catalogue: every gift not retired, cheapest first. */
export async function listGifts(deps: AppDeps): Promise<Gift[]> {
  const rows = await deps.db.selectFrom('gifts').selectAll().where('deleted_at', 'is', null).orderBy('price').orderBy('id').execute()
  return rows.map(toGift)
}

async function requireSiteAdmin(deps: AppDeps, userId: number): Promise<void> {
  if (!(await isSiteAdmin(deps.db, userId))) throw forbidden('Only site admins change the gift catalogue.')
}

export async function createGift(deps: AppDeps, userId: number, input: CreateGift): Promise<Gift> {
  await requireSiteAdmin(deps, userId)
  const row = await deps.db
    .insertInto('gifts')
    .values({ name: input.name, image_url: input.image_url, price: input.price, created_at: deps.clock.now() })
    .returningAll()
    .executeTakeFirstOrThrow()
  return toGift(row)
}

/** A site admin changes a gift of the catalogue (API.md §16); a retired or unknown one is 404. */
export async function updateGift(deps: AppDeps, userId: number, giftId: number, input: PatchGift): Promise<Gift> {
  await requireSiteAdmin(deps, userId)
  const row = await deps.db.updateTable('gifts').set(input).where('id', '=', giftId).where('deleted_at', 'is', null).returningAll().executeTakeFirst()
  if (!row) throw notFound('gift')
  return toGift(row)
}

/**
 * A site admin takes a gift out of the catalogue: it can no longer be sent, and gifts already
 * received still show it. Nothing brings it back (the defaults are added once, by migration 0010).
 */
export async function retireGift(deps: AppDeps, userId: number, giftId: number): Promise<void> {
  await requireSiteAdmin(deps, userId)
  const done = await deps.db.updateTable('gifts').set({ deleted_at: deps.clock.now() }).where('id', '=', giftId).where('deleted_at', 'is', null).executeTakeFirst()
  if (done.numUpdatedRows === 0n) throw notFound('gift')
}

/** With room_id, both giver and recipient must be members, and the giver not silenced there. */
async function checkGiftRoom(deps: AppDeps, trx: Trx, roomId: number, fromId: number, toId: number) {
  const room = await trx.selectFrom('rooms').select('id').where('id', '=', roomId).executeTakeFirst()
  if (!room) throw notFound('room')
  const members = await trx.selectFrom('room_members').select('user_id').where('room_id', '=', roomId).where('user_id', 'in', [fromId, toId]).execute()
  const ids = new Set(members.map((m) => m.user_id))
  if (!ids.has(fromId)) throw new ApiError('not_member', 'You are not a member of that room.')
  if (!ids.has(toId)) throw new ApiError('not_member', 'The recipient is not a member of that room.', [{ path: 'room_id', message: 'The recipient is not a member.' }])
  const until = await activeSilence(trx, roomId, fromId, deps.clock.now())
  if (until !== undefined) throw new ApiError('silenced', 'You are silenced in that room.', { until: iso(until) })
}

/**
 * The giver pays in the same transaction that records the gift. The balance moves by a
 * conditional UPDATE (… WHERE balance >= price), so concurrent sends can never overspend: each
 * one either takes its coins or finds too few and changes nothing.
 */
export async function sendGift(deps: AppDeps, fromId: number, giftId: number, input: SendGift): Promise<{ sent_gift: SentGift; balance: number }> {
  if (input.user_id === fromId) {
    throw new ApiError('invalid_request', 'You cannot send a gift to yourself.', [{ path: 'user_id', message: 'That is you.' }])
  }
  return deps.store.transaction(async (trx) => {
    const giftRow = await trx.selectFrom('gifts').selectAll().where('id', '=', giftId).where('deleted_at', 'is', null).executeTakeFirst()
    if (!giftRow) throw notFound('gift')
    await requireLiveUser(trx, input.user_id)
    if (input.room_id !== undefined) await checkGiftRoom(deps, trx, input.room_id, fromId, input.user_id)
    const paid = await trx
      .updateTable('users')
      .set((eb) => ({ balance: eb('balance', '-', giftRow.price) }))
      .where('id', '=', fromId)
      .where('balance', '>=', giftRow.price)
      .returning('balance')
      .executeTakeFirst()
    if (!paid) throw new ApiError('insufficient_funds', `This gift costs ${giftRow.price} coins; your balance is too low.`, { price: giftRow.price })
    const row = await trx
      .insertInto('sent_gifts')
      .values({
        gift_id: giftRow.id,
        from_id: fromId,
        to_id: input.user_id,
        room_id: input.room_id ?? null,
        text: input.text ? input.text : null,
        price: giftRow.price,
        created_at: deps.clock.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    const sent = toSentGift(row, toGift(giftRow))
    await deps.events.publish(trx, 'gift.received', { sent_gift: sent }, [input.user_id])
    if (giftRow.price > 0) await deps.events.publish(trx, 'balance.changed', { balance: paid.balance }, [fromId])
    if (input.room_id !== undefined) {
      await postServiceMessage(deps, trx, input.room_id, { type: 'gift', user_id: input.user_id, actor_id: fromId })
    }
    return { sent_gift: sent, balance: paid.balance }
  })
}

/** Gifts a live user received, newest first. Anyone signed in may look (they show on profiles). */
export async function receivedGifts(deps: AppDeps, userId: number, page: GiftsPage): Promise<{ items: SentGift[]; has_more: boolean }> {
  await requireLiveUser(deps.db, userId)
  const rows = await receivedRows(deps.db, userId, page)
  const more = rows.length > page.limit
  const items = rows.slice(0, page.limit).map((r) =>
    toSentGift(r, { id: r.gift_id, name: r.gift_name, image_url: r.gift_image_url, price: r.gift_price }),
  )
  return { items, has_more: more }
}

async function receivedRows(db: Q, userId: number, page: GiftsPage) {
  return db
    .selectFrom('sent_gifts as s')
    .innerJoin('gifts as g', 'g.id', 's.gift_id')
    .selectAll('s')
    .select(['g.name as gift_name', 'g.image_url as gift_image_url', 'g.price as gift_price'])
    .where('s.to_id', '=', userId)
    .orderBy('s.id', 'desc')
    .limit(page.limit + 1)
    .offset(page.offset)
    .execute()
}
