// Join, leave, add a member, list members. API.md §4.
import { verifyPassword } from '../accounts/crypto.js'
import { publicUsers, requireLiveUser, type DeletedUser, type PublicUser } from '../accounts/users.js'
import type { AppDeps } from '../deps.js'
import type { RoomRow } from '../db/schema.js'
import { ApiError, forbidden } from '../errors.js'
import { postServiceMessage } from '../messages/messages.js'
import { bannedError, findMember, isBanned, requireMember, requireRoom } from './access.js'
import { insertMember, leaveRoom } from './membership.js'
import { isSiteAdmin } from './rooms.js'
import type { JoinRoom, MembersQuery } from './schemas.js'
import { roomView, type RoomView } from './views.js'

// API.md §13: 10 room-password tries per 10 minutes per user and room.
const ROOM_PASSWORD_TRIES = 10
const ROOM_PASSWORD_WINDOW_MS = 10 * 60_000

const wrongPassword = () => new ApiError('wrong_password', 'The room password is wrong.')
const roomFull = (room: RoomRow) => new ApiError('room_full', `The room is full (${room.max_users} members).`)
const isFull = (room: RoomRow) => room.member_count >= room.max_users

export async function joinRoom(deps: AppDeps, userId: number, roomId: number, input: JoinRoom): Promise<RoomView> {
  const room = await requireRoom(deps.db, roomId)
  const existing = await findMember(deps.db, roomId, userId)
  // Joining again is a no-op: no password asked, no second `joined` message.
  if (existing) return roomView(deps.db, room, existing, deps.clock.now())
  if (await isBanned(deps.db, roomId, userId)) throw bannedError()
  if (room.password_hash === null && input.password !== undefined) {
    // A password for a public room is a client mistake (a stale or mistyped room), not something to ignore.
    throw new ApiError('invalid_request', 'This room is public and takes no password.', [{ path: 'password', message: 'The room has no password.' }])
  }
  if (isFull(room)) throw roomFull(room)
  if (room.password_hash !== null) {
    if (input.password === undefined) throw wrongPassword()
    // Counted before the check, so a burst of guesses in flight cannot outrun the count.
    await deps.limiter.hit(`room-password:${roomId}:${userId}`, ROOM_PASSWORD_TRIES, ROOM_PASSWORD_WINDOW_MS)
    if (!(await verifyPassword(input.password, room.password_hash, deps.config.passwordHashCost))) throw wrongPassword()
  }
  return deps.store.transaction(async (trx) => {
    // Checked again inside the transaction: the scrypt above yields to other requests.
    const current = await requireRoom(trx, roomId)
    const again = await findMember(trx, roomId, userId)
    if (again) return roomView(trx, current, again, deps.clock.now())
    if (await isBanned(trx, roomId, userId)) throw bannedError()
    if (current.password_hash !== null && current.password_hash !== room.password_hash) throw wrongPassword()
    if (isFull(current)) throw roomFull(current)
    await insertMember(deps, trx, current, userId)
    await postServiceMessage(deps, trx, roomId, { type: 'joined', user_id: userId, actor_id: userId })
    return roomView(trx, await requireRoom(trx, roomId), await findMember(trx, roomId, userId), deps.clock.now())
  })
}

/** Leaving a room one is not in is a no-op (like joining twice). */
export async function leave(deps: AppDeps, userId: number, roomId: number): Promise<void> {
  await requireRoom(deps.db, roomId)
  await deps.store.transaction((trx) => leaveRoom(deps, trx, roomId, userId))
}

/** The room's admin or a moderator (or a site admin) adds a user, who need not know the password. */
export async function addMember(deps: AppDeps, actorId: number, roomId: number, targetId: number): Promise<void> {
  await deps.store.transaction(async (trx) => {
    const room = await requireRoom(trx, roomId)
    const actor = await findMember(trx, roomId, actorId)
    const mayAdd = actor?.role === 'admin' || actor?.role === 'moderator' || (await isSiteAdmin(trx, actorId))
    if (!mayAdd) throw forbidden('Only the room admin or a moderator may add members.')
    await requireLiveUser(trx, targetId)
    if (await findMember(trx, roomId, targetId)) return
    if (await isBanned(trx, roomId, targetId)) throw new ApiError('banned', 'That user is banned from this room.')
    if (isFull(room)) throw roomFull(room)
    await insertMember(deps, trx, room, targetId)
    await postServiceMessage(deps, trx, roomId, { type: 'joined', user_id: targetId, actor_id: actorId })
  })
}

const ROLE_RANK = { admin: 0, moderator: 1, member: 2 } as const

export type MemberItem = { user: PublicUser | DeletedUser; role: keyof typeof ROLE_RANK }

/** Admin first, then moderators, then members, each by when they joined. */
export async function listMembers(deps: AppDeps, userId: number, roomId: number, q: MembersQuery): Promise<{ items: MemberItem[]; has_more: boolean }> {
  await requireRoom(deps.db, roomId)
  await requireMember(deps.db, roomId, userId)
  const rows = await deps.db
    .selectFrom('room_members')
    .select(['user_id', 'role'])
    .where('room_id', '=', roomId)
    .orderBy((eb) => eb.case().when('role', '=', 'admin').then(0).when('role', '=', 'moderator').then(1).else(2).end())
    .orderBy('joined_at')
    .orderBy('user_id')
    .limit(q.limit + 1)
    .offset(q.offset)
    .execute()
  const page = rows.slice(0, q.limit)
  const users = await publicUsers(deps, deps.db, page.map((r) => r.user_id))
  return {
    items: page.map((r) => ({ user: users.get(r.user_id) ?? { id: r.user_id, deleted: true }, role: r.role })),
    has_more: rows.length > q.limit,
  }
}
