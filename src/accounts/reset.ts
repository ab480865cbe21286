// Password reset by an emailed single-use link. API.md §3: 202 for any login, 1 h, revokes the other sessions.
import type { AppDeps } from '../deps.js'
import { requireLiveToken, useToken } from './accounts.js'
import { limitSignIn, publicUrl, sendQuietly } from './sign-in.js'
import { hashPassword, randomToken, sha256 } from './crypto.js'
import { revokeSessions } from './sessions.js'

// 1 h: API.md §3's lifetime of a reset link.
export const RESET_TTL_MS = 3600 * 1000

/** 202 whatever happens: neither the answer nor its timing tells whether an account exists. */
export async function requestPasswordReset(deps: AppDeps, login: string, ip: string): Promise<void> {
  await limitSignIn(deps, `reset:${login}`, ip)
  const row = await deps.db
    .selectFrom('users')
    .select(['id', 'email', 'username'])
    .where((eb) => eb.or([eb('username', '=', login), eb('email', '=', login.toLowerCase())]))
    .where('deleted_at', 'is', null)
    .where('email', 'is not', null)
    .executeTakeFirst()
  if (!row?.email) return
  const email = row.email
  const token = randomToken()
  const now = deps.clock.now()
  await deps.db
    .insertInto('tokens')
    .values({ token_hash: sha256(token), user_id: row.id, purpose: 'reset_password', created_at: now, expires_at: now + RESET_TTL_MS, used_at: null })
    .execute()
  const link = `${publicUrl(deps)}/reset-password?token=${token}`
  // Not awaited: the provider's latency would otherwise tell known logins from unknown ones.
  void sendQuietly(deps, () =>
    deps.mailer.send({
      to: email,
      subject: 'Reset your Parley password',
      text: `Someone asked to reset the password of ${row.username ?? 'your account'}.\n\nChoose a new password here (valid for 1 hour, once):\n${link}\n\nIf it was not you, ignore this email.`,
    }),
  )
}

export async function resetPassword(deps: AppDeps, token: string, password: string, currentSession: string | null): Promise<void> {
  // A made-up token must not buy a hash's CPU: it is checked first, and used up after hashing.
  await requireLiveToken(deps, token, 'reset_password')
  const hash = await hashPassword(password, deps.config.passwordHashCost)
  await deps.store.transaction(async (trx) => {
    const userId = await useToken(deps, trx, token, 'reset_password')
    // Following the emailed link proves the mailbox, so the address counts as verified too.
    await trx.updateTable('users').set({ password_hash: hash, email_verified: 1 }).where('id', '=', userId).execute()
    await revokeSessions(deps, trx, userId, currentSession ? { except: currentSession } : 'all')
    // Any other reset link still in a mailbox dies with this one.
    await trx.updateTable('tokens').set({ used_at: deps.clock.now() }).where('user_id', '=', userId).where('purpose', '=', 'reset_password').where('used_at', 'is', null).execute()
  })
}
