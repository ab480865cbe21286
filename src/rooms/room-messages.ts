// Room messages: send, history, read, clear, typing. API.md §4.
import type { AppDeps } from '../deps.js'
import { ApiError, notFound } from '../errors.js'
import {
  checkAttachment,
  checkReply,
  findByClientId,
  insertMessage,
  limitSends,
  retryOf,
  MESSAGE_COLUMNS,
  type Message,
  roomMemberIds,
  type SendMessage,
  toMessages,
  toOneMessage,
} from '../messages/messages.js'
import { findMentions } from '../messages/mentions.js'
import { bannedError, isBanned, silencedError, latestMessageId, notMember, requireMember, requireRoom, requireRoomMember } from './access.js'
import { prepared } from '../db/prepared.js'
import type { Q, Trx } from '../db/schema.js'
import type { HistoryPage } from './caches.js'
import type { SortedAudience } from '../events/tail.js'
import type { HistoryQuery } from './schemas.js'
import { clearHistory, readRoomMembers } from './membership.js'
import { allowTyping } from './typing.js'

// Prepared: run by every send and by every history read the cache misses.
// The room, the sender's membership and running silence, in one query.
const senderIn = prepared((db, v: { roomId: number; userId: number; now: number }) =>
  db
    .selectFrom('rooms')
    .leftJoin('room_members as m', (j) => j.onRef('m.room_id', '=', 'rooms.id').on('m.user_id', '=', v.userId))
    .leftJoin('room_silences as s', (j) => j.onRef('s.room_id', '=', 'rooms.id').on('s.user_id', '=', v.userId).on('s.until', '>', v.now))
    .select(['m.user_id as member', 's.until', 'rooms.members_version'])
    .where('rooms.id', '=', v.roomId),
)
/** The room's live messages the reader has not cleared: every history page reads from these. */
const visibleMessages = (db: Q, roomId: number, clearedUpTo: number) =>
  db.selectFrom('messages').select(MESSAGE_COLUMNS).where('room_id', '=', roomId).where('deleted_at', 'is', null).where('id', '>', clearedUpTo)
const newestPage = prepared((db, v: { roomId: number; clearedUpTo: number; limit: number }) =>
  visibleMessages(db, v.roomId, v.clearedUpTo).orderBy('id', 'desc').limit(v.limit),
)

/** A send's outcome; `json` is `{"message": …}` serialized, the `data` of the answer. */
export type Sent = { message: Message; created: boolean; json: string }

/**
 * Posts a user message. A retry with a client_id already used by this author answers the first
 * message (created: false) without posting again or spending the rate limit. The answer's data
 * is the message.created event's data, serialized once for both.
 */
export async function sendRoomMessage(deps: AppDeps, userId: number, roomId: number, input: SendMessage): Promise<Sent> {
  return deps.store.transaction(async (trx) => {
    const now = deps.clock.now()
    const sender = await senderIn.first(trx, { roomId, userId, now })
    if (!sender) throw notFound('room')
    if (sender.member === null) throw (await isBanned(trx, roomId, userId)) ? bannedError() : notMember()
    const prior = await findByClientId(trx, userId, input.client_id)
    if (prior) {
      const message = await toOneMessage(trx, retryOf(prior, prior.room_id === roomId))
      return { message, created: false, json: JSON.stringify({ message }) }
    }
    const until = sender.until ?? undefined
    if (until !== undefined) throw silencedError(until)
    await checkAttachment(trx, userId, input.attachment_id)
    await checkReply(trx, input.reply_to_id, { roomId })
    await limitSends(deps, userId)
    const row = await insertMessage(deps, trx, {
      room_id: roomId,
      author_id: userId,
      kind: 'user',
      text: input.text,
      attachment_id: input.attachment_id,
      reply_to_id: input.reply_to_id,
      client_id: input.client_id,
      created_at: now,
      mentions: await findMentions(trx, input.text, { roomId }),
      touchRoom: true,
    })
    const message = await toOneMessage(trx, row)
    const json = JSON.stringify({ message })
    await deps.events.publishJson(trx, 'message.created', json, await membersNow(deps, trx, roomId, sender.members_version))
    return { message, created: true, json }
  })
}

/**
 * The room's members at this moment, in the transaction of the message (API.md §10): from memory
 * unless a join or leave came since they were read, even one not yet committed, or one committed
 * by another process (dbVersion: rooms.members_version as this transaction reads it; writes are one
 * at a time on either store, so no join commits between that read and this send's commit). A list
 * read here is kept only once this transaction commits, so none is kept from one that rolled back.
 */
async function membersNow(deps: AppDeps, trx: Trx, roomId: number, dbVersion: number): Promise<SortedAudience> {
  const cache = deps.caches.members
  const known = cache.get(roomId)
  if (known && known.dbVersion === dbVersion) return known.audience
  const version = cache.version(roomId)
  const members = await readRoomMembers(trx, roomId)
  deps.store.onCommit(trx, () => cache.put(roomId, version, members))
  return members.audience
}

/**
 * The newest page of a room's history at once, when memory holds it and says the reader sees it
 * (a member who has not cleared the room); undefined: ask roomHistory, which reads what it must.
 */
export function roomHistoryNow(deps: AppDeps, userId: number, roomId: number, q: HistoryQuery): HistoryPage | undefined {
  if (q.before !== undefined || q.after !== undefined) return undefined
  const page = deps.caches.history.get(roomId, q.limit)
  return page && deps.caches.members.get(roomId)?.readsWhole(userId) ? page : undefined
}

/**
 * A page of room history. The newest page (neither before nor after) is the same for every
 * member who has not cleared the room, so it is kept in memory until a message of the room is
 * written or deleted, and the same (frozen) object is answered to each of them; the room's
 * members are kept in memory too, so such a read asks the database nothing.
 */
export async function roomHistory(deps: AppDeps, userId: number, roomId: number, q: HistoryQuery): Promise<HistoryPage> {
  const inMemory = roomHistoryNow(deps, userId, roomId, q)
  if (inMemory) return inMemory
  const newest = q.before === undefined && q.after === undefined
  const clearedUpTo = newest && (await wholeReader(deps, roomId, userId)) ? 0 : (await requireRoomMember(deps.db, roomId, userId)).cleared_up_to
  const shared = newest && clearedUpTo === 0
  const cache = deps.caches.history
  if (shared) {
    const cached = cache.get(roomId, q.limit)
    if (cached !== undefined) return cached
  }
  const version = cache.version(roomId)
  const rows = await historyRows(deps, roomId, clearedUpTo, q)
  const items = rows.slice(0, q.limit)
  if (q.after === undefined) items.reverse()
  const page: HistoryPage = Object.freeze({ items: Object.freeze(await toMessages(deps.db, items)), has_more: rows.length > q.limit })
  if (shared) cache.put(roomId, q.limit, version, page)
  return page
}

/**
 * Whether the room's members (from memory, else read and kept) say userId sees its whole
 * history; false leaves the answer (404, 403, or the reader's own page) to requireRoomMember.
 */
async function wholeReader(deps: AppDeps, roomId: number, userId: number): Promise<boolean> {
  const cache = deps.caches.members
  let members = cache.get(roomId)
  if (!members) {
    // Outside any transaction: what is read is committed, and kept unless the room changed since.
    const version = cache.version(roomId)
    members = await readRoomMembers(deps.db, roomId)
    cache.put(roomId, version, members)
  }
  return members.readsWhole(userId)
}

/** Up to limit + 1 rows (the extra one tells has_more), newest first unless reading after a message. */
function historyRows(deps: AppDeps, roomId: number, clearedUpTo: number, q: HistoryQuery) {
  if (q.after === undefined && q.before === undefined) return newestPage.all(deps.db, { roomId, clearedUpTo, limit: q.limit + 1 })
  let query = visibleMessages(deps.db, roomId, clearedUpTo)
  if (q.after !== undefined) query = query.where('id', '>', q.after).orderBy('id', 'asc')
  else if (q.before !== undefined) query = query.where('id', '<', q.before).orderBy('id', 'desc')
  return query.limit(q.limit + 1).execute()
}

/**
 * Sets the read mark: unread becomes the count of others' user messages after up_to (default:
 * the latest). up_to must name a message of this room. The reader's other sessions get message.read.
 */
export async function markRoomRead(deps: AppDeps, userId: number, roomId: number, upTo: number | undefined): Promise<void> {
  await deps.store.transaction(async (trx) => {
    await requireRoom(trx, roomId)
    await requireMember(trx, roomId, userId)
    if (upTo !== undefined) {
      const inRoom = await trx.selectFrom('messages').select('id').where('id', '=', upTo).where('room_id', '=', roomId).executeTakeFirst()
      if (!inRoom) throw new ApiError('invalid_request', 'up_to must name a message of this room.', [{ path: 'up_to', message: 'Not a message of this room.' }])
    }
    const mark = upTo ?? (await latestMessageId(trx, roomId))
    await trx.updateTable('room_members').set({ last_read_id: mark }).where('room_id', '=', roomId).where('user_id', '=', userId).execute()
    await deps.events.publish(trx, 'message.read', { reader_id: userId, room_id: roomId, up_to: mark }, [userId])
  })
}

/** Hides the room's history so far for the caller only; their sessions get chat.cleared. */
export async function clearRoom(deps: AppDeps, userId: number, roomId: number): Promise<void> {
  await deps.store.transaction(async (trx) => {
    await requireRoom(trx, roomId)
    const member = await requireMember(trx, roomId, userId)
    const upTo = await latestMessageId(trx, roomId)
    await clearHistory(deps, trx, roomId, userId, upTo, member.last_read_id)
    await deps.events.publish(trx, 'chat.cleared', { room_id: roomId, up_to: upTo }, [userId])
  })
}

/** Tells the other members the caller is typing, at most once per 3 s per user and room. */
export async function roomTyping(deps: AppDeps, userId: number, roomId: number): Promise<void> {
  await requireRoom(deps.db, roomId)
  await requireMember(deps.db, roomId, userId)
  if (!(await allowTyping(deps.limiter, `typing:${userId}:room:${roomId}`))) return
  const others = (await roomMemberIds(deps.db, roomId)).filter((id) => id !== userId)
  deps.events.ephemeral('typing', { user_id: userId, room_id: roomId }, others)
}
