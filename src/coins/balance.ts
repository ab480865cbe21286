// Coins coming in: the signed top-up from the payment side, and free coins per network. API.md §7.
import type { AppDeps } from '../deps.js'
import { ApiError } from '../errors.js'
import type { Trx } from '../db/schema.js'
import { hmacSha256Hex, safeEqual } from '../accounts/crypto.js'
import { iso } from '../time.js'
import type { FreeCoins, TopUp } from './schemas.js'

// 24 h: API.md §7, one free-coins claim per network per day.
export const FREE_COINS_EVERY_MS = 24 * 3600 * 1000

/** The string the payment side signs: "<user_id>:<amount>:<nonce>". */
export const topUpMessage = (userId: number, amount: number, nonce: string) => `${userId}:${amount}:${nonce}`

/** Adds coins and tells the user's sessions; refuses sums that would leave exact integer range. */
async function credit(deps: AppDeps, trx: Trx, userId: number, amount: number): Promise<number> {
  const row = await trx
    .updateTable('users')
    .set((eb) => ({ balance: eb('balance', '+', amount) }))
    .where('id', '=', userId)
    .where('balance', '<=', Number.MAX_SAFE_INTEGER - amount)
    .returning('balance')
    .executeTakeFirst()
  if (!row) throw new ApiError('conflict', 'The balance cannot grow any further.')
  if (amount > 0) await deps.events.publish(trx, 'balance.changed', { balance: row.balance }, [userId])
  return row.balance
}

/**
 * Credits a payment once. The signature (HMAC-SHA256 keyed by PAYMENT_SECRET) is compared in
 * constant time; the nonce row is inserted in the same transaction as the credit, and its primary
 * key lets exactly one of any number of concurrent replays through.
 */
export async function topUp(deps: AppDeps, userId: number, input: TopUp): Promise<{ balance: number }> {
  const secret = deps.config.paymentSecret
  // Without a secret nothing can be validly signed: every top-up is refused the same way.
  const expected = secret ? hmacSha256Hex(secret, topUpMessage(userId, input.amount, input.nonce)) : ''
  if (!secret || !safeEqual(expected, input.signature.toLowerCase())) {
    throw new ApiError('bad_signature', 'The payment signature does not match.')
  }
  return deps.store.transaction(async (trx) => {
    const fresh = await trx
      .insertInto('top_ups')
      .values({ nonce: input.nonce, user_id: userId, amount: input.amount, created_at: deps.clock.now() })
      .onConflict((oc) => oc.column('nonce').doNothing())
      .returning('nonce')
      .executeTakeFirst()
    if (!fresh) throw new ApiError('nonce_used', 'This payment was already credited.')
    return { balance: await credit(deps, trx, userId, input.amount) }
  })
}

/**
 * FREE_COINS_AMOUNT once per network per 24 h. The claim is one conditional upsert, so two
 * claims at once cannot both pass.
 */
export async function claimFreeCoins(deps: AppDeps, userId: number, input: FreeCoins): Promise<{ balance: number; next_at: string }> {
  const now = deps.clock.now()
  return deps.store.transaction(async (trx) => {
    const claimed = await trx
      .insertInto('free_coin_claims')
      .values({ user_id: userId, network: input.network, claimed_at: now })
      .onConflict((oc) =>
        oc
          .columns(['user_id', 'network'])
          .doUpdateSet({ claimed_at: now })
          .where('free_coin_claims.claimed_at', '<=', now - FREE_COINS_EVERY_MS),
      )
      .returning('claimed_at')
      .executeTakeFirst()
    if (!claimed) {
      const last = await trx
        .selectFrom('free_coin_claims')
        .select('claimed_at')
        .where('user_id', '=', userId)
        .where('network', '=', input.network)
        .executeTakeFirstOrThrow()
      const nextAt = last.claimed_at + FREE_COINS_EVERY_MS
      const seconds = Math.max(1, Math.ceil((nextAt - now) / 1000))
      throw new ApiError('too_soon', `Free coins for ${input.network} can be claimed again later.`, { next_at: iso(nextAt), retry_after: seconds }, {
        'Retry-After': String(seconds),
      })
    }
    const balance = await credit(deps, trx, userId, deps.config.freeCoinsAmount)
    return { balance, next_at: iso(now + FREE_COINS_EVERY_MS) }
  })
}
