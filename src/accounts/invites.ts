// Invitations by email or SMS, and the invite bonus. API.md §3.
import type { AppDeps } from '../deps.js'
import type { Trx } from '../db/schema.js'
import { forbidden } from '../errors.js'
import { normalizePhone } from './phone-number.js'
import { publicUrl } from './sign-in.js'
import type { Invites, InvitesQuery } from './schemas.js'
import { iso, isoOrNull } from '../time.js'
import { displayName } from './users.js'

export type SentInvite = { id: number; email: string | null; phone: string | null; created_at: string; joined_at: string | null }

// INVITE_DAILY_LIMIT counts addresses and phones per 24 h.
const DAY = 24 * 3600_000
const INVITE_SUBJECT = 'You are invited to Parley'

/** Validates every entry before storing or sending anything: one bad entry sends nothing. */
export async function sendInvites(deps: AppDeps, inviterId: number, input: Invites): Promise<number> {
  const emails = [...new Set(input.emails ?? [])]
  const phones = [...new Set((input.phones ?? []).map((p, i) => normalizePhone(p, `phones.${i}`)))]
  const inviter = await deps.db.selectFrom('users').selectAll().where('id', '=', inviterId).executeTakeFirstOrThrow()
  // API.md §13: a guest costs nothing to make, so it must not be a free sender of email and SMS.
  if (inviter.kind === 'guest') throw forbidden('Guests may not send invitations; register first.')
  await deps.limiter.hit(`invites:${inviterId}`, deps.config.inviteDailyLimit, DAY, emails.length + phones.length)
  const who = displayName(inviter)
  const now = deps.clock.now()
  await deps.db
    .insertInto('invites')
    .values([
      ...emails.map((email) => ({ inviter_id: inviterId, email, phone: null, created_at: now, rewarded_at: null })),
      ...phones.map((phone) => ({ inviter_id: inviterId, email: null, phone, created_at: now, rewarded_at: null })),
    ])
    .execute()
  const url = `${publicUrl(deps)}/`
  const sends = [
    // The subject is fixed: nothing a user wrote goes into a header (API.md §13).
    ...emails.map((to) => () => deps.mailer.send({ to, subject: INVITE_SUBJECT, text: `${who} invites you to chat on Parley: ${url}\n` })),
    ...phones.map((to) => () => deps.sms.send({ to, text: `${who} invites you to chat on Parley: ${url}` })),
  ]
  let sent = 0
  for (const send of sends) {
    try {
      await send()
      sent++
    } catch (err) {
      deps.log.error({ err }, 'invitation delivery failed')
    }
  }
  return sent
}

/**
 * The caller's invitations, newest first. `joined_at` is when the invited address or phone proved
 * a new account (the moment rewardInviter marks it), so the inviter sees who joined; it stays null
 * for an address that already had an account when invited.
 */
export async function listInvites(deps: Pick<AppDeps, 'db'>, inviterId: number, q: InvitesQuery): Promise<{ items: SentInvite[]; has_more: boolean }> {
  const rows = await deps.db
    .selectFrom('invites')
    .select(['id', 'email', 'phone', 'created_at', 'rewarded_at'])
    .where('inviter_id', '=', inviterId)
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .offset(q.offset)
    .execute()
  const items = rows.slice(0, q.limit).map((r) => ({ id: r.id, email: r.email, phone: r.phone, created_at: iso(r.created_at), joined_at: isoOrNull(r.rewarded_at) }))
  return { items, has_more: rows.length > q.limit }
}

/**
 * Pays INVITE_BONUS to the first inviter of this address or phone, once ever. Called when the
 * new account proves the address (email verified, first right SMS code), so inviting an address
 * and signing it up oneself without owning it earns nothing. Invitations sent after the account
 * already existed do not count.
 */
export async function rewardInviter(deps: AppDeps, trx: Trx, by: { email: string } | { phone: string }, accountCreatedAt: number) {
  const [column, value] = 'email' in by ? (['email', by.email] as const) : (['phone', by.phone] as const)
  const pending = trx.selectFrom('invites').where(column, '=', value).where('rewarded_at', 'is', null)
  const invite = await pending.select(['id', 'inviter_id', 'created_at']).orderBy('id').executeTakeFirst()
  if (!invite || invite.created_at > accountCreatedAt) return
  const paidBefore = await trx.selectFrom('invites').select('id').where(column, '=', value).where('rewarded_at', 'is not', null).executeTakeFirst()
  await trx.updateTable('invites').set({ rewarded_at: deps.clock.now() }).where(column, '=', value).where('rewarded_at', 'is', null).execute()
  if (paidBefore || deps.config.inviteBonus <= 0) return
  const inviter = await trx
    .updateTable('users')
    .set((eb) => ({ balance: eb('balance', '+', deps.config.inviteBonus) }))
    .where('id', '=', invite.inviter_id)
    .where('deleted_at', 'is', null)
    .returning('balance')
    .executeTakeFirst()
  if (inviter) await deps.events.publish(trx, 'balance.changed', { balance: inviter.balance }, [invite.inviter_id])
}
