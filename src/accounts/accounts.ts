// Accounts: registration, email verification, password and guest sign-in, logout,
// one's own profile. API.md §3. Phone sign-in is in phone.ts, password reset in reset.ts,
// invitations in invites.ts.
import type { AppDeps } from '../deps.js'
import { ApiError } from '../errors.js'
import type { Q, Trx, UserRow } from '../db/schema.js'
import { hashPassword, needsRehash, sha256, verifyPassword } from './crypto.js'
import { rewardInviter } from './invites.js'
import { KEEPALIVE_GRACE_MS } from '../events/presence.js'
import { revokeSessions } from './sessions.js'
import { insertUser, limitSignIn, publicUrl, sendQuietly, type SignedIn, startSession } from './sign-in.js'
import type { GuestLogin, Login, PatchMe, Register } from './schemas.js'
import { fileUrl } from '../uploads/urls.js'
import { isImageType } from '../uploads/uploads.js'
import { contactsOf } from './contacts.js'
import { toPrivateUser, toPublicUser, type PrivateUser } from './users.js'
import { newVerifyLink, sendVerifyLink } from './verify.js'

const MINUTE = 60 * 1000
const HOUR = 60 * MINUTE
// The PATCH /api/me fields that a public profile shows (bio and birth_date stay private).
const PUBLIC_FIELDS = ['nickname', 'location', 'gender', 'photo_upload_id'] as const

/** 409 when the username or email is taken: asked before any hashing, and again in the transaction. */
async function refuseTaken(db: Q, input: Register): Promise<void> {
  // username is `collate nocase`: "Alice" and "alice" are the same name.
  const taken = await db
    .selectFrom('users')
    .select(['username', 'email'])
    .where((eb) => eb.or([eb('username', '=', input.username), eb('email', '=', input.email)]))
    .execute()
  if (taken.some((u) => u.username?.toLowerCase() === input.username.toLowerCase())) {
    throw new ApiError('username_taken', 'That username is taken.', [{ path: 'username', message: 'Taken.' }])
  }
  if (taken.some((u) => u.email === input.email)) {
    throw new ApiError('email_taken', 'An account with that email exists.', [{ path: 'email', message: 'Taken.' }])
  }
}

/** API.md §13: registrations per hour per IP (REGISTER_RATE_LIMIT). */
export async function register(deps: AppDeps, input: Register, ip: string): Promise<PrivateUser> {
  await deps.limiter.hit(`register:ip:${ip}`, deps.config.registerRateLimit, HOUR)
  // Taken names are refused before scrypt runs: a taken name must not buy a hash's CPU.
  await refuseTaken(deps.db, input)
  const passwordHash = await hashPassword(input.password, deps.config.passwordHashCost)
  const { user, link } = await deps.store.transaction(async (trx) => {
    // Again: another registration may have taken the name while this one hashed.
    await refuseTaken(trx, input)
    const row = await insertUser(trx, deps.clock.now(), { kind: 'user', username: input.username, email: input.email, password_hash: passwordHash })
    return { user: await toPrivateUser(deps, trx, row), link: await newVerifyLink(deps, trx, row.id) }
  })
  await sendVerifyLink(deps, input.email, input.username, link)
  return user
}

const invalidToken = () => new ApiError('invalid_token', 'This link is invalid or has expired.')

/** 400 invalid_token unless the token is live, without using it up (checked before costly work). */
export async function requireLiveToken(deps: Pick<AppDeps, 'clock' | 'db'>, token: string, purpose: 'verify_email' | 'reset_password'): Promise<void> {
  const row = await deps.db
    .selectFrom('tokens')
    .select('user_id')
    .where('token_hash', '=', sha256(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', deps.clock.now())
    .executeTakeFirst()
  if (!row) throw invalidToken()
}

/** Consumes a single-use token of the given purpose; 400 invalid_token when unknown, used or expired. */
export async function useToken(deps: Pick<AppDeps, 'clock'>, trx: Trx, token: string, purpose: 'verify_email' | 'reset_password'): Promise<number> {
  const now = deps.clock.now()
  const row = await trx
    .updateTable('tokens')
    .set({ used_at: now })
    .where('token_hash', '=', sha256(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst()
  if (!row) throw invalidToken()
  return row.user_id
}

export async function verifyEmail(deps: AppDeps, token: string): Promise<PrivateUser> {
  return deps.store.transaction(async (trx) => {
    const userId = await useToken(deps, trx, token, 'verify_email')
    const row = await trx.updateTable('users').set({ email_verified: 1 }).where('id', '=', userId).returningAll().executeTakeFirstOrThrow()
    // The invite bonus waits for proof that the invited address is really this account's.
    if (row.email !== null) await rewardInviter(deps, trx, { email: row.email }, row.created_at)
    const user = await toPrivateUser(deps, trx, row)
    await deps.events.publish(trx, 'user.updated', { user }, [userId])
    return user
  })
}

export async function login(deps: AppDeps, input: Login, ip: string): Promise<SignedIn> {
  const row = await deps.db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('username', '=', input.login), eb('email', '=', input.login.toLowerCase())]))
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  // Counted per account, so alternating username and email buys no extra tries.
  await limitSignIn(deps, row ? `user:${row.id}` : input.login, ip)
  // verifyPassword spends the time of one hash even without an account: no enumeration by timing.
  const ok = await verifyPassword(input.password, row?.password_hash ?? null, deps.config.passwordHashCost)
  if (!row || !ok) throw new ApiError('invalid_credentials', 'Wrong login or password.')
  if (deps.config.requireEmailVerification && row.email !== null && row.email_verified !== 1) {
    throw new ApiError('email_not_verified', 'Confirm your email address first; the link is in the email we sent.')
  }
  await upgradeHash(deps, row.id, row.password_hash!, input.password)
  return startSession(deps, row)
}

/** API.md §13: a hash weaker than PASSWORD_HASH_COST is replaced at its next successful sign-in. */
async function upgradeHash(deps: AppDeps, userId: number, stored: string, password: string): Promise<void> {
  if (!needsRehash(stored, deps.config.passwordHashCost)) return
  const hash = await hashPassword(password, deps.config.passwordHashCost)
  // Only over the hash just checked: a password changed meanwhile stays changed.
  await deps.db.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).where('password_hash', '=', stored).execute()
}

export async function guestLogin(deps: AppDeps, input: GuestLogin, ip: string): Promise<SignedIn> {
  await limitSignIn(deps, `guest:${input.name}`, ip)
  const row = await deps.store.transaction(async (trx) => {
    const registered = await trx.selectFrom('users').select('id').where('username', '=', input.name).executeTakeFirst()
    if (registered) throw new ApiError('name_taken', 'A registered user has that name.', [{ path: 'name', message: 'Taken.' }])
    const guests = await trx
      .selectFrom('users')
      .select('id')
      .where('kind', '=', 'guest')
      .where('deleted_at', 'is', null)
      .where((eb) => eb(eb.fn('lower', ['guest_name']), '=', input.name.toLowerCase()))
      .execute()
    if (guests.some((g) => deps.presence.isOnline(g.id)) || (await signedInLately(trx, guests.map((g) => g.id), deps.clock.now()))) {
      throw new ApiError('name_taken', 'An online guest has that name.', [{ path: 'name', message: 'Taken.' }])
    }
    // A fresh account every time: a guest never inherits an earlier guest's data.
    return insertUser(trx, deps.clock.now(), { kind: 'guest', guest_name: input.name })
  })
  return startSession(deps, row)
}

/**
 * Whether one of these guests signed in within the keepalive grace and has not logged out: its
 * name stays its own between sign-in and first poll, though it is not online yet.
 */
async function signedInLately(db: Q, userIds: number[], now: number): Promise<boolean> {
  if (userIds.length === 0) return false
  const row = await db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', 'in', userIds)
    .where('revoked_at', 'is', null)
    .where('created_at', '>', now - KEEPALIVE_GRACE_MS)
    .executeTakeFirst()
  return row !== undefined
}

export async function logout(deps: AppDeps, userId: number, sessionId: string, all: boolean): Promise<void> {
  await deps.store.transaction((trx) => revokeSessions(deps, trx, userId, all ? 'all' : { only: sessionId }))
  const remaining = await deps.db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', deps.clock.now())
    .executeTakeFirst()
  // A guest who logs out frees its name: with no session left it is offline from now on.
  if (!remaining) deps.presence.forget(userId)
}

export async function getMe(deps: AppDeps, userId: number): Promise<PrivateUser> {
  const row = await deps.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
  return toPrivateUser(deps, deps.db, row)
}

export async function patchMe(deps: AppDeps, userId: number, patch: PatchMe): Promise<PrivateUser> {
  return deps.store.transaction(async (trx) => {
    const values: Record<string, unknown> = Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, v === '' ? null : v]))
    if (patch.photo_upload_id !== undefined) values.photo_path = await ownPhoto(trx, userId, patch.photo_upload_id)
    const row =
      Object.keys(values).length === 0
        ? await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
        : await trx.updateTable('users').set(values).where('id', '=', userId).returningAll().executeTakeFirstOrThrow()
    const user = await toPrivateUser(deps, trx, row)
    await deps.events.publish(trx, 'user.updated', { user }, [userId])
    // Others see the public profile change live: the same audience as presence.
    if (PUBLIC_FIELDS.some((k) => k in patch)) {
      const contacts = await contactsOf(trx, userId)
      if (contacts.length > 0) await deps.events.publish(trx, 'user.updated', { user: toPublicUser(deps, row) }, contacts)
    }
    return user
  })
}

/** The file path of a photo, which must be an image the caller uploaded (null clears it). */
async function ownPhoto(db: Q, userId: number, uploadId: number | null): Promise<string | null> {
  if (uploadId === null) return null
  const upload = await db
    .selectFrom('uploads')
    .select(['stored_name', 'content_type'])
    .where('id', '=', uploadId)
    .where('owner_id', '=', userId)
    .executeTakeFirst()
  if (!upload) {
    throw new ApiError('invalid_request', 'The photo must be one of your own uploaded images.', [
      { path: 'photo_upload_id', message: 'Not one of your uploaded images.' },
    ])
  }
  // API.md §16: any file may be uploaded, but only an image can be a photo.
  if (!isImageType(upload.content_type)) throw new ApiError('unsupported_type', 'Only a PNG, JPEG, GIF or WebP image can be a photo.')
  return fileUrl(upload.stored_name)
}

export function keepalive(deps: AppDeps, userId: number): void {
  deps.presence.touch(userId)
}

/** Used by `parley admin grant <username>`. */
export async function grantAdmin(db: AppDeps['db'], username: string): Promise<boolean> {
  const res = await db.updateTable('users').set({ role: 'admin' }).where('username', '=', username).where('deleted_at', 'is', null).executeTakeFirst()
  return Number(res.numUpdatedRows) > 0
}
