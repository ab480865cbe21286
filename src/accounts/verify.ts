// The email verification link (API.md §3) and sending a new one (API.md §16).
import type { AppDeps } from '../deps.js'
import type { Trx } from '../db/schema.js'
import { randomToken, sha256 } from './crypto.js'
import { publicUrl, sendQuietly } from './sign-in.js'

const HOUR = 3600 * 1000
// 48 h: API.md §3's lifetime of an email verification link.
export const VERIFY_TTL_MS = 48 * HOUR
// 3 an hour per address: API.md §16; a lost email is asked for again once or twice, not more.
const RESENDS_PER_HOUR = 3

/** Stores a new verification token for the user (inside trx); the link to send. */
export async function newVerifyLink(deps: Pick<AppDeps, 'clock' | 'config'>, trx: Trx, userId: number): Promise<string> {
  const token = randomToken()
  const now = deps.clock.now()
  await trx
    .insertInto('tokens')
    .values({ token_hash: sha256(token), user_id: userId, purpose: 'verify_email', created_at: now, expires_at: now + VERIFY_TTL_MS, used_at: null })
    .execute()
  return `${publicUrl(deps)}/api/auth/verify-email?token=${token}`
}

export function sendVerifyLink(deps: Pick<AppDeps, 'mailer' | 'log'>, to: string, username: string | null, link: string): Promise<void> {
  return sendQuietly(deps, () =>
    deps.mailer.send({
      to,
      subject: 'Confirm your Parley email address',
      text: `Welcome to Parley${username ? `, ${username}` : ''}!\n\nConfirm your email address by opening this link (valid for 48 hours):\n${link}\n`,
    }),
  )
}

/**
 * POST /api/auth/verify-email/resend: a new link when the address belongs to an unverified
 * account. Answered 202 whatever happens, so neither the answer nor its timing tells whether the
 * address has an account, is verified, or was asked for too often.
 */
export async function resendVerification(deps: AppDeps, email: string): Promise<void> {
  // Counted per address whether or not an account has it: three requests, at most three emails.
  if ((await deps.limiter.tryHit(`verify-resend:${email}`, RESENDS_PER_HOUR, HOUR)) > 0) return
  const sent = await deps.store.transaction(async (trx) => {
    const row = await trx
      .selectFrom('users')
      .select(['id', 'username', 'email'])
      .where('email', '=', email)
      .where('email_verified', '=', 0)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    return row?.email ? { to: row.email, username: row.username, link: await newVerifyLink(deps, trx, row.id) } : null
  })
  // Not awaited: the provider's latency would tell known addresses from unknown ones.
  if (sent) void sendVerifyLink(deps, sent.to, sent.username, sent.link)
}
