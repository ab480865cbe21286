// One mapper per view of a user. Public views never carry email, phone, balance or role-private data.
import type { AppDeps } from '../deps.js'
import { notFound } from '../errors.js'
import { iso, isoOrNull } from '../time.js'
import type { Q, UserRow } from '../db/schema.js'

export type DeletedUser = { id: number; deleted: true }

export interface PublicUser {
  id: number
  username: string | null
  name: string
  kind: UserRow['kind']
  nickname: string | null
  location: string | null
  photo_url: string | null
  gender: number | null
  created_at: string
  online: boolean
  last_seen: string | null
}

export interface PrivateUser extends PublicUser {
  email: string | null
  email_verified: boolean
  phone: string | null
  balance: number
  role: UserRow['role']
  birth_date: string | null
  bio: string | null
  rooms: number[]
  created_rooms: number[]
}

/** Every identifying and profile field, empty: a new account starts so, a deleted one ends so. */
export const NO_PERSONAL_DATA = {
  username: null,
  guest_name: null,
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
} as const


/** The name shown for a user: nickname, else username, else guest name, else a stand-in. */
export function displayName(row: Pick<UserRow, 'id' | 'nickname' | 'username' | 'guest_name'>): string {
  return row.nickname ?? row.username ?? row.guest_name ?? `user${row.id}`
}

export function toPublicUser(deps: Pick<AppDeps, 'presence'>, row: UserRow): PublicUser | DeletedUser {
  if (row.deleted_at !== null) return { id: row.id, deleted: true }
  const seen = deps.presence.lastSeen(row.id) ?? row.last_seen_at
  return {
    id: row.id,
    username: row.username,
    name: displayName(row),
    kind: row.kind,
    nickname: row.nickname,
    location: row.location,
    photo_url: row.photo_path,
    gender: row.gender,
    created_at: iso(row.created_at),
    online: deps.presence.isOnline(row.id),
    last_seen: isoOrNull(seen),
  }
}

export async function toPrivateUser(deps: Pick<AppDeps, 'presence'>, db: Q, row: UserRow): Promise<PrivateUser> {
  const pub = toPublicUser(deps, row) as PublicUser
  const memberships = await db.selectFrom('room_members').select(['room_id', 'role']).where('user_id', '=', row.id).orderBy('room_id').execute()
  const created = await db.selectFrom('rooms').select('id').where('admin_id', '=', row.id).orderBy('id').execute()
  return {
    ...pub,
    email: row.email,
    email_verified: row.email_verified === 1,
    phone: row.phone,
    balance: row.balance,
    role: row.role,
    birth_date: row.birth_date,
    bio: row.bio,
    rooms: memberships.map((m) => m.room_id),
    created_rooms: created.map((r) => r.id),
  }
}

export async function findUser(db: Q, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
}

/** A live (not deleted) user, else 404. */
export async function requireLiveUser(db: Q, id: number): Promise<UserRow> {
  const row = await findUser(db, id)
  if (!row || row.deleted_at !== null) throw notFound('user')
  return row
}

/** Public views of many users at once, keyed by id (deleted ones as {id, deleted: true}). */
export async function publicUsers(deps: Pick<AppDeps, 'presence'>, db: Q, ids: readonly number[]) {
  const unique = [...new Set(ids)]
  const rows = unique.length === 0 ? [] : await db.selectFrom('users').selectAll().where('id', 'in', unique).execute()
  return new Map(rows.map((r) => [r.id, toPublicUser(deps, r)]))
}
