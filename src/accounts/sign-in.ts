// What every way of signing in shares (password, guest, phone, reset): the public address in
// links, the sign-in rate limit, a new account's row, mail that must not fail the request, and
// the session that ends a sign-in. Below accounts.ts, phone.ts, invites.ts and reset.ts, which
// all use it, so none of them imports another to get at these.
import type { Insertable } from 'kysely'
import type { AppDeps } from '../deps.js'
import type { Trx, UserRow, UserTable } from '../db/schema.js'
import { createSession } from './sessions.js'
import { NO_PERSONAL_DATA, toPrivateUser, type PrivateUser } from './users.js'

// 1 min: API.md §2 counts sign-in attempts per minute.
const MINUTE = 60 * 1000

export function publicUrl(deps: Pick<AppDeps, 'config'>): string {
  return deps.config.publicUrl ?? `http://localhost:${deps.config.port}`
}

/** API.md §2: sign-in attempts, 10 per minute per account and per IP (SIGNIN_RATE_LIMIT). */
export async function limitSignIn(deps: Pick<AppDeps, 'limiter' | 'config'>, account: string, ip: string): Promise<void> {
  const limit = deps.config.signinRateLimit
  await deps.limiter.hit(`signin:ip:${ip}`, limit, MINUTE)
  await deps.limiter.hit(`signin:account:${account.toLowerCase()}`, limit, MINUTE)
}

/** A new users row: every profile field empty; the first account on an empty server is site admin. */
export async function insertUser(
  trx: Trx,
  now: number,
  fields: Pick<Insertable<UserTable>, 'kind'> & Partial<Pick<Insertable<UserTable>, 'username' | 'guest_name' | 'email' | 'phone' | 'password_hash'>>,
): Promise<UserRow> {
  const count = await trx.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return trx
    .insertInto('users')
    .values({
      ...NO_PERSONAL_DATA,
      ...fields,
      email_verified: 0,
      role: Number(count.n) === 0 ? 'admin' : 'user',
      created_at: now,
      last_seen_at: null,
      deleted_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Delivery failures are logged, never turned into a failed request after the state changed. */
export async function sendQuietly(deps: Pick<AppDeps, 'log'>, send: () => Promise<void>) {
  try {
    await send()
  } catch (err) {
    deps.log.error({ err }, 'outgoing message failed')
  }
}

export type SignedIn = { user: PrivateUser; sessionId: string }

export async function startSession(deps: AppDeps, row: UserRow): Promise<SignedIn> {
  // Signing in alone does not make a user online (API.md §10): the first poll or keepalive does.
  const sessionId = await createSession(deps, deps.db, row.id)
  return { user: await toPrivateUser(deps, deps.db, row), sessionId }
}
