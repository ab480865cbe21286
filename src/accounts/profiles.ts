// Public profiles, search and account deletion. API.md §3.
import { sql } from 'kysely'
import { isPostgres } from '../db/dialect.js'
import type { AppDeps } from '../deps.js'
import { ApiError, notFound } from '../errors.js'
import { leaveAllRooms } from '../rooms/membership.js'
import { limitSignIn } from './sign-in.js'
import { verifyPassword } from './crypto.js'
import { revokeSessions } from './sessions.js'
import type { UserSearch } from './schemas.js'
import { findUser, NO_PERSONAL_DATA, toPublicUser, type DeletedUser, type PublicUser } from './users.js'

export async function getPublicUser(deps: AppDeps, id: number): Promise<PublicUser | DeletedUser> {
  const row = await findUser(deps.db, id)
  if (!row) throw notFound('user')
  return toPublicUser(deps, row)
}

export async function searchUsers(deps: AppDeps, q: UserSearch) {
  const pattern = `%${q.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`
  // SQLite's like ignores (ASCII) case; Postgres's needs ilike for that.
  const like = sql.raw(isPostgres(deps.db) ? 'ilike' : 'like')
  const rows = await deps.db
    .selectFrom('users')
    .selectAll()
    .where('deleted_at', 'is', null)
    .where((eb) =>
      eb.or([
        sql<boolean>`coalesce(username, guest_name, '') ${like} ${pattern} escape '\\'`,
        sql<boolean>`coalesce(nickname, '') ${like} ${pattern} escape '\\'`,
      ]),
    )
    .orderBy('id')
    .limit(q.limit + 1)
    .offset(q.offset)
    .execute()
  return { items: rows.slice(0, q.limit).map((r) => toPublicUser(deps, r)), has_more: rows.length > q.limit }
}

/**
 * The account and its sessions go; its messages stay with their author_id and it shows as
 * {id, deleted: true}. Password accounts must confirm with the password.
 */
export async function deleteMe(deps: AppDeps, userId: number, password: string | undefined, ip: string): Promise<void> {
  const row = await deps.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
  if (row.password_hash !== null) {
    // API.md §13: each password check here is a sign-in attempt (a stolen session must not guess freely).
    await limitSignIn(deps, `user:${userId}`, ip)
    const ok = password !== undefined && (await verifyPassword(password, row.password_hash, deps.config.passwordHashCost))
    if (!ok) throw new ApiError('invalid_credentials', 'Confirm with your current password.')
  }
  await deps.store.transaction(async (trx) => {
    await leaveAllRooms(deps, trx, userId)
    await revokeSessions(deps, trx, userId, 'all')
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute()
    await trx.deleteFrom('tokens').where('user_id', '=', userId).execute()
    await trx
      .updateTable('users')
      .set({ ...NO_PERSONAL_DATA, deleted_at: deps.clock.now() })
      .where('id', '=', userId)
      .execute()
  })
  deps.presence.forget(userId)
}
