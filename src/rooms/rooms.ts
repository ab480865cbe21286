// Rooms themselves: create, list, detail, patch, delete. API.md §4.
import { sql } from 'kysely'
import { hashPassword } from '../accounts/crypto.js'
import type { AppDeps } from '../deps.js'
import type { Q } from '../db/schema.js'
import { ApiError, forbidden } from '../errors.js'
import { findMember, requireRoom } from './access.js'
import { insertCreator, removeRoom } from './membership.js'
import type { CreateRoom, PatchRoom, RoomListQuery, RoomSort } from './schemas.js'
import { joinedAmong, type Room, roomView, type RoomView, toRoom } from './views.js'

// ROOM_CREATE_RATE_LIMIT counts rooms per hour (API.md §13).
const HOUR = 3600_000

/** Case folding for room names, the same on the way in and on the way to a search. */
export const foldName = (name: string) => name.normalize('NFC').toLowerCase()

export async function isSiteAdmin(db: Q, userId: number): Promise<boolean> {
  const row = await db.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst()
  return row?.role === 'admin'
}

export async function createRoom(deps: AppDeps, userId: number, input: CreateRoom): Promise<RoomView> {
  if (deps.config.roomCreation === 'admins' && !(await isSiteAdmin(deps.db, userId))) {
    throw new ApiError('admins_only', 'On this server only site administrators create rooms.')
  }
  await deps.limiter.hit(`room-create:${userId}`, deps.config.roomCreateRateLimit, HOUR)
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password, deps.config.passwordHashCost)
  const now = deps.clock.now()
  return deps.store.transaction(async (trx) => {
    const row = await trx
      .insertInto('rooms')
      .values({
        name: input.name,
        name_folded: foldName(input.name),
        topic: input.topic || null,
        password_hash: passwordHash,
        max_users: input.max_users,
        admin_id: userId,
        member_count: 1,
        created_at: now,
        last_activity_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await insertCreator(deps, trx, row.id, userId, now)
    await deps.events.publish(trx, 'room.created', { room: toRoom(row) }, 'everyone')
    return roomView(trx, row, await findMember(trx, row.id, userId), now)
  })
}

const ORDER: Record<RoomSort, { column: 'created_at' | 'name_folded' | 'member_count' | 'last_activity_at'; dir: 'asc' | 'desc' }> = {
  created_at: { column: 'created_at', dir: 'asc' },
  '-created_at': { column: 'created_at', dir: 'desc' },
  name: { column: 'name_folded', dir: 'asc' },
  '-name': { column: 'name_folded', dir: 'desc' },
  members: { column: 'member_count', dir: 'asc' },
  '-members': { column: 'member_count', dir: 'desc' },
  activity: { column: 'last_activity_at', dir: 'asc' },
  '-activity': { column: 'last_activity_at', dir: 'desc' },
}

export async function listRooms(deps: AppDeps, userId: number, q: RoomListQuery): Promise<{ rooms: (Room & { joined: boolean })[]; total: number } | { total: number }> {
  let base = deps.db.selectFrom('rooms')
  const needle = q.q?.trim()
  if (needle) {
    const pattern = `%${foldName(needle).replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`
    base = base.where(sql<boolean>`name_folded like ${pattern} escape '\\'`)
  }
  if (q.private !== undefined) base = base.where('password_hash', q.private ? 'is not' : 'is', null)
  if (q.full !== undefined) base = base.where((eb) => eb('member_count', q.full ? '>=' : '<', eb.ref('max_users')))
  const count = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  const total = Number(count.n)
  if (q.count_only) return { total }
  const { column, dir } = ORDER[q.sort]
  const rows = await base
    .selectAll()
    .orderBy(column, dir)
    // Equal keys still page stably: ties break by id in the same direction.
    .orderBy('id', dir)
    .limit(q.per_page)
    .offset((q.page - 1) * q.per_page)
    .execute()
  const joined = await joinedAmong(deps.db, userId, rows.map((r) => r.id))
  return { rooms: rows.map((r) => ({ ...toRoom(r), joined: joined.has(r.id) })), total }
}

export async function getRoom(deps: AppDeps, userId: number, roomId: number): Promise<RoomView> {
  const row = await requireRoom(deps.db, roomId)
  return roomView(deps.db, row, await findMember(deps.db, roomId, userId), deps.clock.now())
}

/** The room's admin, or a site admin (who outranks every room admin, API.md §5). */
async function requireRoomAdmin(db: Q, adminId: number | null, userId: number, action: string): Promise<void> {
  if (adminId === userId) return
  if (await isSiteAdmin(db, userId)) return
  throw forbidden(`Only the room's admin may ${action}.`)
}

export async function patchRoom(deps: AppDeps, userId: number, roomId: number, input: PatchRoom): Promise<RoomView> {
  const before = await requireRoom(deps.db, roomId)
  await requireRoomAdmin(deps.db, before.admin_id, userId, 'change it')
  const passwordHash = typeof input.password === 'string' ? await hashPassword(input.password, deps.config.passwordHashCost) : input.password
  const set = {
    ...(input.name !== undefined && { name: input.name, name_folded: foldName(input.name) }),
    ...(input.topic !== undefined && { topic: input.topic || null }),
    ...(passwordHash !== undefined && { password_hash: passwordHash }),
    ...(input.max_users !== undefined && { max_users: input.max_users }),
  }
  return deps.store.transaction(async (trx) => {
    // Re-read inside the transaction: the admin may have changed while the password hashed.
    const current = await requireRoom(trx, roomId)
    await requireRoomAdmin(trx, current.admin_id, userId, 'change it')
    let row = current
    if (Object.keys(set).length > 0) {
      row = await trx.updateTable('rooms').set(set).where('id', '=', roomId).returningAll().executeTakeFirstOrThrow()
      await deps.events.publish(trx, 'room.updated', { room: toRoom(row) }, 'everyone')
    }
    return roomView(trx, row, await findMember(trx, roomId, userId), deps.clock.now())
  })
}

export async function deleteRoom(deps: AppDeps, userId: number, roomId: number): Promise<void> {
  await deps.store.transaction(async (trx) => {
    const room = await requireRoom(trx, roomId)
    await requireRoomAdmin(trx, room.admin_id, userId, 'delete it')
    await removeRoom(deps, trx, roomId)
    // Every signed-in user (members included) learns the room is gone: API.md §10.
    await deps.events.publish(trx, 'room.deleted', { room_id: roomId }, 'everyone')
  })
}
