import { randomBytes } from 'node:crypto'
import type { AppDeps } from '../deps.js'
import type { Db, Q, Trx } from '../db/schema.js'
import { SESSION_TTL_MS } from '../http/session.js'
import { BoundedCache } from '../bounded-cache.js'

export async function createSession(deps: Pick<AppDeps, 'clock'>, db: Q, userId: number): Promise<string> {
  const id = randomBytes(24).toString('base64url')
  const now = deps.clock.now()
  await db.insertInto('sessions').values({ id, user_id: userId, created_at: now, expires_at: now + SESSION_TTL_MS, revoked_at: null }).execute()
  return id
}

/**
 * Live sessions already read from the database, so a long-polling client costs no query per poll.
 * Every revocation goes through revokeSessions, which drops the entries first; an entry is thus
 * never staler than the row. Other processes drop theirs when the revocation reaches them on the
 * event bus, after its commit.
 */
export class SessionCache {
  private readonly live: BoundedCache<string, { userId: number; expiresAt: number }>
  // 100,000 sessions of ~100 bytes: ~10 MB at most.
  constructor(max = 100_000) {
    this.live = new BoundedCache(max)
  }
  /** Grows with every revocation: a read begun before one must not be remembered after it. */
  private epoch = 0
  get(sid: string) {
    return this.live.get(sid)
  }
  get currentEpoch() {
    return this.epoch
  }
  remember(sid: string, userId: number, expiresAt: number, readAtEpoch: number) {
    if (readAtEpoch === this.epoch) this.live.set(sid, { userId, expiresAt })
  }
  forget(sids: readonly string[]) {
    this.epoch++
    for (const sid of sids) this.live.delete(sid)
  }
}

/** The user of a session the cache holds and that has not expired; undefined: ask checkSession. */
export function knownSession(deps: Pick<AppDeps, 'clock' | 'sessions'>, sid: string): number | undefined {
  const known = deps.sessions.get(sid)
  return known && known.expiresAt > deps.clock.now() ? known.userId : undefined
}

/** The user behind a session id, or why not. */
export async function checkSession(deps: Pick<AppDeps, 'db' | 'clock' | 'sessions'>, sid: string): Promise<{ userId: number } | 'revoked' | 'expired'> {
  const known = deps.sessions.get(sid)
  if (known) return known.expiresAt <= deps.clock.now() ? 'expired' : { userId: known.userId }
  const epoch = deps.sessions.currentEpoch
  const row = await deps.db.selectFrom('sessions').select(['user_id', 'expires_at', 'revoked_at']).where('id', '=', sid).executeTakeFirst()
  if (!row || row.revoked_at !== null) return 'revoked'
  if (row.expires_at <= deps.clock.now()) return 'expired'
  deps.sessions.remember(sid, row.user_id, row.expires_at, epoch)
  return { userId: row.user_id }
}

/**
 * Marks sessions of a user revoked: one, all, or all but one. Once committed, every process
 * hears of it through the bus: their caches drop the sessions and their held polls end (they
 * re-check the row and answer 401), never before the revocation is visible to that re-check.
 */
export async function revokeSessions(
  deps: Pick<AppDeps, 'clock' | 'sessions' | 'store' | 'bus'>,
  trx: Trx,
  userId: number,
  which: { only: string } | { except: string } | 'all',
): Promise<void> {
  let q = trx.updateTable('sessions').set({ revoked_at: deps.clock.now() }).where('user_id', '=', userId).where('revoked_at', 'is', null)
  if (which !== 'all' && 'only' in which) q = q.where('id', '=', which.only)
  if (which !== 'all' && 'except' in which) q = q.where('id', '!=', which.except)
  const ids = (await q.returning('id').execute()).map((r) => r.id)
  // Forget before the commit: until it lands, a check reads the row (and waits for the commit).
  deps.sessions.forget(ids)
  deps.store.onCommit(trx, () => void deps.bus.publish({ kind: 'revoked', userId, sessionIds: ids }))
}

/** Sessions revoked at or after `since` (epoch ms): read again by every process in case the bus lost a revocation. */
export async function revokedSince(db: Db, since: number): Promise<Array<{ userId: number; sessionId: string }>> {
  const rows = await db.selectFrom('sessions').select(['id', 'user_id']).where('revoked_at', '>=', since).execute()
  return rows.map((r) => ({ userId: r.user_id, sessionId: r.id }))
}
