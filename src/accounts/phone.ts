// Phone sign-in by a 6-digit SMS code. API.md §3: codes stored hashed, 10 min, 5 tries.
import type { AppDeps } from '../deps.js'
import { ApiError } from '../errors.js'
import { normalizePhone } from './phone-number.js'
import { insertUser, limitSignIn, sendQuietly, type SignedIn, startSession } from './sign-in.js'
import { randomCode, safeEqual, sha256 } from './crypto.js'
import { rewardInviter } from './invites.js'
import type { PhoneStart, PhoneVerify } from './schemas.js'

export const CODE_TTL_MS = 10 * 60 * 1000
export const CODE_TRIES = 5
// API.md §13: at most 10 sign-in codes sent to one phone per 24 h (each SMS costs the site money).
const SMS_CODES_PER_DAY = 10
const DAY = 24 * 3600_000

/** Sends a sign-in code by SMS; `created` says whether this made the account. */
export async function phoneStart(deps: AppDeps, input: PhoneStart, ip: string): Promise<{ created: boolean }> {
  const phone = normalizePhone(input.phone)
  await limitSignIn(deps, `phone:${phone}`, ip)
  await deps.limiter.hit(`sms-codes:${phone}`, SMS_CODES_PER_DAY, DAY)
  const code = randomCode()
  const now = deps.clock.now()
  const created = await deps.store.transaction(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('phone', '=', phone).where('deleted_at', 'is', null).executeTakeFirst()
    if (!existing) await insertUser(trx, now, { kind: 'phone', phone })
    // A new code replaces the old one, with fresh tries.
    const fresh = { code_hash: sha256(code), created_at: now, expires_at: now + CODE_TTL_MS, tries_left: CODE_TRIES }
    await trx
      .insertInto('phone_codes')
      .values({ phone, ...fresh })
      .onConflict((oc) => oc.column('phone').doUpdateSet(fresh))
      .execute()
    return !existing
  })
  await sendQuietly(deps, () => deps.sms.send({ to: phone, text: `Your Parley sign-in code is ${code}. It expires in 10 minutes.` }))
  return { created }
}

export async function phoneVerify(deps: AppDeps, input: PhoneVerify, ip: string): Promise<SignedIn> {
  const phone = normalizePhone(input.phone)
  await limitSignIn(deps, `phone:${phone}`, ip)
  const row = await deps.store.transaction(async (trx) => {
    const code = await trx.selectFrom('phone_codes').selectAll().where('phone', '=', phone).executeTakeFirst()
    if (!code || code.expires_at <= deps.clock.now() || code.tries_left <= 0) return null
    if (!safeEqual(sha256(input.code), code.code_hash)) {
      await trx.updateTable('phone_codes').set({ tries_left: code.tries_left - 1 }).where('phone', '=', phone).execute()
      return null
    }
    await trx.deleteFrom('phone_codes').where('phone', '=', phone).execute()
    const user = await trx.selectFrom('users').selectAll().where('phone', '=', phone).where('deleted_at', 'is', null).executeTakeFirst()
    // The right code proves the phone is this account's: now the invite bonus may be paid.
    if (user) await rewardInviter(deps, trx, { phone }, user.created_at)
    return user ?? null
  })
  if (!row) throw new ApiError('invalid_code', 'Wrong or expired code; request a new one.')
  return startSession(deps, row)
}
