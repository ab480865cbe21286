// Accounts: registration, sign-in (password, guest, phone), sessions, profile. API.md §3.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { AppDeps } from '../deps.js'
import { ApiError } from '../errors.js'
import type { Trx, UserRow } from '../db/schema.js'
import { hashPassword, randomCode, randomToken, safeEqual, sha256, verifyPassword } from './crypto.js'
import { createSession, revokeSessions } from './sessions.js'
import type { GuestLogin, Login, PatchMe, PhoneStart, PhoneVerify, Register } from './schemas.js'
import { fileUrl, toPrivateUser, type PrivateUser } from './users.js'

const HOUR = 3600 * 1000
// 48 h for email verification, 1 h for password reset, 10 min for SMS codes: API.md §3.
export const VERIFY_TTL_MS = 48 * HOUR
export const RESET_TTL_MS = 1 * HOUR
export const CODE_TTL_MS = 10 * 60 * 1000
export const CODE_TRIES = 5
const MINUTE = 60 * 1000

export function publicUrl(deps: Pick<AppDeps, 'config'>): string {
  return deps.config.publicUrl ?? `http://localhost:${deps.config.port}`
}

/** API.md §2: sign-in attempts, 10 per minute per account and per IP (SIGNIN_RATE_LIMIT). */
export function limitSignIn(deps: Pick<AppDeps, 'limiter' | 'config'>, account: string, ip: string) {
  const limit = deps.config.signinRateLimit
  deps.limiter.hit(`signin:ip:${ip}`, limit, MINUTE)
  deps.limiter.hit(`signin:account:${account.toLowerCase()}`, limit, MINUTE)
}

/** E.164 from a phone number written with or without '+'; 400 invalid_phone otherwise. */
export function normalizePhone(input: string, path = 'phone'): string {
  const compact = input.replace(/[\s().-]/g, '')
  const parsed = /^\+?\d{4,20}$/.test(compact) ? parsePhoneNumberFromString(compact.startsWith('+') ? compact : `+${compact}`) : undefined
  if (!parsed || !parsed.isValid()) {
    throw new ApiError('invalid_phone', 'Not a valid phone number (use international format, e.g. +14155552671).', [
      { path, message: 'Not a valid phone number.' },
    ])
  }
  return parsed.number
}

async function me(deps: AppDeps, db: Trx | AppDeps['db'], row: UserRow): Promise<PrivateUser> {
  return toPrivateUser(deps, db, row)
}

async function isFirstAccount(trx: Trx): Promise<boolean> {
  const row = await trx.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n) === 0
}

/** The first inviter of this address or phone gets INVITE_BONUS, once. */
async function rewardInviter(deps: AppDeps, trx: Trx, by: { email?: string; phone?: string }) {
  const column = by.email !== undefined ? 'email' : 'phone'
  const value = by.email ?? by.phone!
  const invite = await trx
    .selectFrom('invites')
    .select(['id', 'inviter_id'])
    .where(column, '=', value)
    .where('rewarded_at', 'is', null)
    .orderBy('id')
    .executeTakeFirst()
  if (!invite) return
  await trx.updateTable('invites').set({ rewarded_at: deps.clock.now() }).where(column, '=', value).execute()
  if (deps.config.inviteBonus <= 0) return
  const inviter = await trx
    .updateTable('users')
    .set((eb) => ({ balance: eb('balance', '+', deps.config.inviteBonus) }))
    .where('id', '=', invite.inviter_id)
    .where('deleted_at', 'is', null)
    .returning('balance')
    .executeTakeFirst()
  if (inviter) await deps.events.publish(trx, 'balance.changed', { balance: inviter.balance }, [invite.inviter_id])
}

export async function register(deps: AppDeps, input: Register): Promise<PrivateUser> {
  const passwordHash = await hashPassword(input.password)
  const token = randomToken()
  const user = await deps.events.transaction(async (trx) => {
    const taken = await trx
      .selectFrom('users')
      .select(['username', 'email'])
      .where((eb) => eb.or([eb('username', '=', input.username), eb('email', '=', input.email)]))
      .execute()
    if (taken.some((u) => u.username?.toLowerCase() === input.username.toLowerCase())) {
      throw new ApiError('username_taken', 'That username is taken.')
    }
    if (taken.some((u) => u.email === input.email)) throw new ApiError('email_taken', 'An account with that email exists.')
    const now = deps.clock.now()
    const row = await trx
      .insertInto('users')
      .values({
        kind: 'user',
        username: input.username,
        guest_name: null,
        email: input.email,
        email_verified: 0,
        phone: null,
        password_hash: passwordHash,
        role: (await isFirstAccount(trx)) ? 'admin' : 'user',
        nickname: null,
        location: null,
        birth_date: null,
        gender: null,
        photo_upload_id: null,
        photo_path: null,
        bio: null,
        created_at: now,
        last_seen_at: null,
        deleted_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await trx
      .insertInto('tokens')
      .values({ token_hash: sha256(token), user_id: row.id, purpose: 'verify_email', created_at: now, expires_at: now + VERIFY_TTL_MS, used_at: null })
      .execute()
    await rewardInviter(deps, trx, { email: input.email })
    return me(deps, trx, row)
  })
  const link = `${publicUrl(deps)}/api/auth/verify-email?token=${token}`
  await sendQuietly(deps, () =>
    deps.mailer.send({
      to: input.email,
      subject: 'Confirm your Parley email address',
      text: `Welcome to Parley, ${input.username}!\n\nConfirm your email address by opening this link (valid for 48 hours):\n${link}\n`,
    }),
  )
  return user
}

/** Delivery failures are logged, never turned into a failed request after the account exists. */
async function sendQuietly(deps: AppDeps, send: () => Promise<void>) {
  try {
    await send()
  } catch (err) {
    deps.log.error({ err }, 'outgoing message failed')
  }
}

/** Consumes a single-use token of the given purpose; 400 invalid_token when unknown, used or expired. */
async function useToken(deps: AppDeps, trx: Trx, token: string, purpose: 'verify_email' | 'reset_password'): Promise<number> {
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
  if (!row) throw new ApiError('invalid_token', 'This link is invalid or has expired.')
  return row.user_id
}

export async function verifyEmail(deps: AppDeps, token: string): Promise<PrivateUser> {
  return deps.events.transaction(async (trx) => {
    const userId = await useToken(deps, trx, token, 'verify_email')
    const row = await trx.updateTable('users').set({ email_verified: 1 }).where('id', '=', userId).returningAll().executeTakeFirstOrThrow()
    const user = await me(deps, trx, row)
    await deps.events.publish(trx, 'user.updated', { user }, [userId])
    return user
  })
}

export type SignedIn = { user: PrivateUser; sessionId: string }

export async function login(deps: AppDeps, input: Login, ip: string): Promise<SignedIn> {
  limitSignIn(deps, input.login, ip)
  const login = input.login.toLowerCase()
  const row = await deps.db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb.or([eb('username', '=', input.login), eb('email', '=', login)]))
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  const ok = await verifyPassword(input.password, row?.password_hash ?? null)
  if (!row || !ok) throw new ApiError('invalid_credentials', 'Wrong login or password.')
  if (deps.config.requireEmailVerification && row.email !== null && row.email_verified !== 1) {
    throw new ApiError('email_not_verified', 'Confirm your email address first; the link is in the email we sent.')
  }
  return startSession(deps, row)
}

async function startSession(deps: AppDeps, row: UserRow): Promise<SignedIn> {
  const sessionId = await createSession(deps, deps.db, row.id)
  deps.presence.touch(row.id)
  return { user: await me(deps, deps.db, row), sessionId }
}

export async function guestLogin(deps: AppDeps, input: GuestLogin, ip: string): Promise<SignedIn> {
  limitSignIn(deps, `guest:${input.name}`, ip)
  const row = await deps.events.transaction(async (trx) => {
    const registered = await trx.selectFrom('users').select('id').where('username', '=', input.name).executeTakeFirst()
    if (registered) throw new ApiError('name_taken', 'A registered user has that name.')
    const guests = await trx
      .selectFrom('users')
      .select('id')
      .where('kind', '=', 'guest')
      .where('deleted_at', 'is', null)
      .where((eb) => eb(eb.fn('lower', ['guest_name']), '=', input.name.toLowerCase()))
      .execute()
    if (guests.some((g) => deps.presence.isOnline(g.id))) throw new ApiError('name_taken', 'An online guest has that name.')
    // A fresh account every time: a guest never inherits an earlier guest's data.
    return trx
      .insertInto('users')
      .values({
        kind: 'guest',
        username: null,
        guest_name: input.name,
        email: null,
        phone: null,
        password_hash: null,
        nickname: null,
        location: null,
        birth_date: null,
        gender: null,
        photo_upload_id: null,
        photo_path: null,
        bio: null,
        role: (await isFirstAccount(trx)) ? 'admin' : 'user',
        created_at: deps.clock.now(),
        last_seen_at: null,
        deleted_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
  })
  return startSession(deps, row)
}

/** Sends a sign-in code by SMS; `created` says whether this made the account. */
export async function phoneStart(deps: AppDeps, input: PhoneStart, ip: string): Promise<{ created: boolean }> {
  const phone = normalizePhone(input.phone)
  limitSignIn(deps, `phone:${phone}`, ip)
  const code = randomCode()
  const now = deps.clock.now()
  const created = await deps.events.transaction(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('phone', '=', phone).where('deleted_at', 'is', null).executeTakeFirst()
    if (!existing) {
      await trx
        .insertInto('users')
        .values({
          kind: 'phone',
          username: null,
          guest_name: null,
          email: null,
          phone,
          password_hash: null,
          nickname: null,
          location: null,
          birth_date: null,
          gender: null,
          photo_upload_id: null,
        photo_path: null,
          bio: null,
          role: (await isFirstAccount(trx)) ? 'admin' : 'user',
          created_at: now,
          last_seen_at: null,
          deleted_at: null,
        })
        .execute()
      await rewardInviter(deps, trx, { phone })
    }
    // A new code replaces the old one, with fresh tries.
    await trx
      .insertInto('phone_codes')
      .values({ phone, code_hash: sha256(code), created_at: now, expires_at: now + CODE_TTL_MS, tries_left: CODE_TRIES })
      .onConflict((oc) => oc.column('phone').doUpdateSet({ code_hash: sha256(code), created_at: now, expires_at: now + CODE_TTL_MS, tries_left: CODE_TRIES }))
      .execute()
    return !existing
  })
  await sendQuietly(deps, () => deps.sms.send({ to: phone, text: `Your Parley sign-in code is ${code}. It expires in 10 minutes.` }))
  return { created }
}

export async function phoneVerify(deps: AppDeps, input: PhoneVerify, ip: string): Promise<SignedIn> {
  const phone = normalizePhone(input.phone)
  limitSignIn(deps, `phone:${phone}`, ip)
  const bad = () => new ApiError('invalid_code', 'Wrong or expired code; request a new one.')
  const row = await deps.db.transaction().execute(async (trx) => {
    const code = await trx.selectFrom('phone_codes').selectAll().where('phone', '=', phone).executeTakeFirst()
    if (!code || code.expires_at <= deps.clock.now() || code.tries_left <= 0) return null
    if (!safeEqual(sha256(input.code), code.code_hash)) {
      await trx.updateTable('phone_codes').set({ tries_left: code.tries_left - 1 }).where('phone', '=', phone).execute()
      return null
    }
    await trx.deleteFrom('phone_codes').where('phone', '=', phone).execute()
    return trx.selectFrom('users').selectAll().where('phone', '=', phone).where('deleted_at', 'is', null).executeTakeFirst()
  })
  if (!row) throw bad()
  return startSession(deps, row)
}

export async function logout(deps: AppDeps, userId: number, sessionId: string, all: boolean): Promise<void> {
  await revokeSessions(deps, deps.db, userId, all ? 'all' : { only: sessionId })
  const remaining = await deps.db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst()
  // A guest who logs out frees its name: it is offline from now on.
  if (!remaining) deps.presence.forget(userId)
}

/** 202 whatever happens: the answer never tells whether an account exists. */
export async function requestPasswordReset(deps: AppDeps, login: string, ip: string): Promise<void> {
  limitSignIn(deps, `reset:${login}`, ip)
  const row = await deps.db
    .selectFrom('users')
    .select(['id', 'email', 'username'])
    .where((eb) => eb.or([eb('username', '=', login), eb('email', '=', login.toLowerCase())]))
    .where('deleted_at', 'is', null)
    .where('email', 'is not', null)
    .executeTakeFirst()
  if (!row?.email) return
  const token = randomToken()
  const now = deps.clock.now()
  await deps.db
    .insertInto('tokens')
    .values({ token_hash: sha256(token), user_id: row.id, purpose: 'reset_password', created_at: now, expires_at: now + RESET_TTL_MS, used_at: null })
    .execute()
  const link = `${publicUrl(deps)}/reset-password?token=${token}`
  await sendQuietly(deps, () =>
    deps.mailer.send({
      to: row.email!,
      subject: 'Reset your Parley password',
      text: `Someone asked to reset the password of ${row.username ?? 'your account'}.\n\nChoose a new password here (valid for 1 hour, once):\n${link}\n\nIf it was not you, ignore this email.`,
    }),
  )
}

export async function resetPassword(deps: AppDeps, token: string, password: string, currentSession: string | null): Promise<void> {
  const hash = await hashPassword(password)
  await deps.db.transaction().execute(async (trx) => {
    const userId = await useToken(deps, trx, token, 'reset_password')
    await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute()
    // Following the link proves the mailbox: the address is verified too.
    await trx.updateTable('users').set({ email_verified: 1 }).where('id', '=', userId).execute()
    await revokeSessions(deps, trx, userId, currentSession ? { except: currentSession } : 'all')
  })
}

export async function getMe(deps: AppDeps, userId: number): Promise<PrivateUser> {
  const row = await deps.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
  return me(deps, deps.db, row)
}

export async function patchMe(deps: AppDeps, userId: number, patch: PatchMe): Promise<PrivateUser> {
  return deps.events.transaction(async (trx) => {
    let photoPath: string | null = null
    if (patch.photo_upload_id !== undefined && patch.photo_upload_id !== null) {
      const upload = await trx
        .selectFrom('uploads')
        .select('stored_name')
        .where('id', '=', patch.photo_upload_id)
        .where('owner_id', '=', userId)
        .executeTakeFirst()
      if (!upload) {
        throw new ApiError('invalid_request', 'The photo must be one of your own uploads.', [{ path: 'photo_upload_id', message: 'Not one of your uploads.' }])
      }
      photoPath = fileUrl(upload.stored_name)
    }
    const values: Record<string, unknown> = Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, typeof v === 'string' && v === '' ? null : v]))
    if (patch.photo_upload_id !== undefined) values.photo_path = photoPath
    const row =
      Object.keys(values).length === 0
        ? await trx.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()
        : await trx.updateTable('users').set(values).where('id', '=', userId).returningAll().executeTakeFirstOrThrow()
    const user = await me(deps, trx, row)
    await deps.events.publish(trx, 'user.updated', { user }, [userId])
    return user
  })
}

export function keepalive(deps: AppDeps, userId: number): void {
  deps.presence.touch(userId)
}

/** Used by `parley admin grant <username>`. */
export async function grantAdmin(db: AppDeps['db'], username: string): Promise<boolean> {
  const res = await db.updateTable('users').set({ role: 'admin' }).where('username', '=', username).where('deleted_at', 'is', null).executeTakeFirst()
  return Number(res.numUpdatedRows) > 0
}
