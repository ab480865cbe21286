import { randomBytes } from 'node:crypto'
import type { AppDeps } from '../deps.js'
import type { Q } from '../db/schema.js'
import { SESSION_TTL_MS } from '../http/session.js'

export async function createSession(deps: Pick<AppDeps, 'clock'>, db: Q, userId: number): Promise<string> {
  const id = randomBytes(24).toString('base64url')
  const now = deps.clock.now()
  await db.insertInto('sessions').values({ id, user_id: userId, created_at: now, expires_at: now + SESSION_TTL_MS, revoked_at: null }).execute()
  return id
}

/** The user behind a session id, or why not. */
export async function checkSession(deps: Pick<AppDeps, 'db' | 'clock'>, sid: string): Promise<{ userId: number } | 'revoked' | 'expired'> {
  const row = await deps.db.selectFrom('sessions').select(['user_id', 'expires_at', 'revoked_at']).where('id', '=', sid).executeTakeFirst()
  if (!row || row.revoked_at !== null) return 'revoked'
  if (row.expires_at <= deps.clock.now()) return 'expired'
  return { userId: row.user_id }
}

/**
 * Marks sessions of a user revoked: one, all, or all but one. Returns a wake-up that ends their
 * held polls (they re-check the row and answer 401); call it once the change is committed, so a
 * woken poll never reads the row before the revocation is visible.
 */
export async function revokeSessions(
  deps: Pick<AppDeps, 'clock' | 'hub'>,
  db: Q,
  userId: number,
  which: { only: string } | { except: string } | 'all',
): Promise<() => void> {
  let q = db.updateTable('sessions').set({ revoked_at: deps.clock.now() }).where('user_id', '=', userId).where('revoked_at', 'is', null)
  if (which !== 'all' && 'only' in which) q = q.where('id', '=', which.only)
  if (which !== 'all' && 'except' in which) q = q.where('id', '!=', which.except)
  const ids = (await q.returning('id').execute()).map((r) => r.id)
  return () => deps.hub.revoke(userId, ids)
}
