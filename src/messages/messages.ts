// Messages shared by rooms and dialogs: the mapper, attachments, replies, service messages.
import { sql } from 'kysely'
import { z } from 'zod'
import type { AppDeps } from '../deps.js'
import { ApiError } from '../errors.js'
import { isPostgres } from '../db/dialect.js'
import { prepared } from '../db/prepared.js'
import type { MessageRow, Q, Trx } from '../db/schema.js'
import { textChars } from '../http/text.js'
import { iso } from '../time.js'
import { toUpload, type Upload } from '../uploads/uploads.js'

// 4000: API.md §2's cap on message text, counted after trimming.
export const MAX_TEXT = 4000

export const SendMessage = z
  .object({
    text: z.string().max(20_000).trim().pipe(textChars(z.string().max(MAX_TEXT, `Text: at most ${MAX_TEXT} characters.`))).optional(),
    attachment_id: z.number().int().positive().optional(),
    reply_to_id: z.number().int().positive().optional(),
    client_id: z.string().min(1).max(64).optional(),
  })
  .strict()
  .refine((m) => (m.text !== undefined && m.text.length > 0) || m.attachment_id !== undefined, {
    message: 'A message needs text (1–4000 characters after trimming) or an attachment.',
    path: ['text'],
  })
export type SendMessage = z.infer<typeof SendMessage>

/** PATCH /api/messages/:id: the text, by the rules of sending. */
export const EditMessage = z
  .object({ text: z.string().max(20_000).trim().pipe(textChars(z.string().min(1, 'Text: 1–4000 characters after trimming.').max(MAX_TEXT, `Text: at most ${MAX_TEXT} characters.`))) })
  .strict()
export type EditMessage = z.infer<typeof EditMessage>

export const SERVICE_TYPES = [
  'joined',
  'left',
  'kicked',
  'banned',
  'unbanned',
  'silenced',
  'unsilenced',
  'moderator_added',
  'moderator_removed',
  'gift',
] as const
export type ServiceType = (typeof SERVICE_TYPES)[number]

export interface Service {
  type: ServiceType
  user_id: number
  actor_id: number
  reason?: string
  until?: string
  ref_message_id?: number
}

/** An upload attached to a message: {id, url, content_type, size, name, is_image} (API.md §16). */
export type Attachment = Upload

export interface Message {
  id: number
  room_id: number | null
  recipient_id: number | null
  author_id: number
  text: string | null
  attachment: Attachment | null
  reply_to_id: number | null
  kind: 'user' | 'service'
  service: Service | null
  created_at: string
  edited_at: string | null
  /** Ordered by first use; each emoji's users in the order they reacted (API.md §16). */
  reactions: Reaction[]
  /** Users named by @username who are in the room, or the other party of the dialog. */
  mentions: number[]
}

export interface Reaction {
  emoji: string
  user_ids: number[]
}

/** The columns a Message is built from: history reads only these. */
export const MESSAGE_COLUMNS = [
  'id',
  'room_id',
  'recipient_id',
  'author_id',
  'text',
  'attachment_id',
  'reply_to_id',
  'kind',
  'service',
  'created_at',
  'edited_at',
  'reactions',
  'mentions',
] as const
export type MessageFields = Pick<MessageRow, (typeof MESSAGE_COLUMNS)[number]>

export function toMessage(row: MessageFields, attachment: Attachment | null): Message {
  return {
    id: row.id,
    room_id: row.room_id,
    recipient_id: row.recipient_id,
    author_id: row.author_id,
    text: row.text,
    attachment,
    reply_to_id: row.reply_to_id,
    kind: row.kind,
    service: row.service === null ? null : (JSON.parse(row.service) as Service),
    created_at: iso(row.created_at),
    edited_at: row.edited_at === null ? null : iso(row.edited_at),
    reactions: row.reactions === null ? [] : (JSON.parse(row.reactions) as Reaction[]),
    mentions: decodeIds(row.mentions),
  }
}

/** ",3,17," (the mentions column) to [3, 17]; null to []. */
export const decodeIds = (column: string | null): number[] => (column === null ? [] : column.split(',').filter(Boolean).map(Number))
/** [3, 17] to ",3,17,"; [] to null. */
export const encodeIds = (ids: readonly number[]): string | null => (ids.length === 0 ? null : `,${ids.join(',')},`)

/** Maps rows to messages, loading their attachments in one query. */
export async function toMessages(db: Q, rows: MessageFields[]): Promise<Message[]> {
  const ids = [...new Set(rows.map((r) => r.attachment_id).filter((id): id is number => id !== null))]
  const uploads = ids.length === 0 ? [] : await db.selectFrom('uploads').selectAll().where('id', 'in', ids).execute()
  const byId = new Map(uploads.map((u) => [u.id, toUpload(u)]))
  return rows.map((r) => toMessage(r, r.attachment_id === null ? null : (byId.get(r.attachment_id) ?? null)))
}

export async function toOneMessage(db: Q, row: MessageFields): Promise<Message> {
  // Without an attachment there is nothing to load (most messages: each send maps its own row).
  if (row.attachment_id === null) return toMessage(row, null)
  return (await toMessages(db, [row]))[0]!
}

/** An attachment must be one of the sender's own uploads; else 400 (the id is not theirs to use). */
export async function checkAttachment(trx: Q, userId: number, attachmentId: number | undefined): Promise<void> {
  if (attachmentId === undefined) return
  const own = await trx.selectFrom('uploads').select('id').where('id', '=', attachmentId).where('owner_id', '=', userId).executeTakeFirst()
  if (!own) {
    throw new ApiError('invalid_request', 'The attachment must be one of your own uploads.', [{ path: 'attachment_id', message: 'Not one of your uploads.' }])
  }
}

/** reply_to_id must name a live message of the same room or dialog: 400 invalid_reply otherwise. */
export async function checkReply(trx: Q, replyToId: number | undefined, where: { roomId: number } | { peers: [number, number] }): Promise<void> {
  if (replyToId === undefined) return
  let q = trx.selectFrom('messages').select('id').where('id', '=', replyToId).where('deleted_at', 'is', null)
  if ('roomId' in where) q = q.where('room_id', '=', where.roomId)
  else q = q.where('peer_lo', '=', Math.min(...where.peers)).where('peer_hi', '=', Math.max(...where.peers))
  if (!(await q.executeTakeFirst())) throw new ApiError('invalid_reply', 'reply_to_id must name a message of the same room or dialog.')
}

// 10 s: SEND_RATE_LIMIT counts messages per 10 s (API.md §2).
const SEND_WINDOW_MS = 10_000

/** One send budget per user, shared by room and direct messages: 429 past SEND_RATE_LIMIT. */
export async function limitSends(deps: Pick<AppDeps, 'limiter' | 'config'>, userId: number): Promise<void> {
  await deps.limiter.hit(`send:${userId}`, deps.config.sendRateLimit, SEND_WINDOW_MS)
}

/**
 * A retry of a send (same author, same client_id) answers the first message; the same client_id
 * in another chat is not a retry of this send, and is refused.
 */
export function retryOf(prior: MessageRow, sameChat: boolean): MessageRow {
  if (!sameChat) {
    throw new ApiError('conflict', 'This client_id was already used for a message in another chat.', [{ path: 'client_id', message: 'Already used.' }])
  }
  return prior
}

// Prepared: each send runs them (see db/prepared.ts).
const byClientId = prepared((db, v: { authorId: number; clientId: string }) =>
  db.selectFrom('messages').selectAll().where('author_id', '=', v.authorId).where('client_id', '=', v.clientId),
)
// One string of ids instead of a row per member: far cheaper for a room of many (README, Benchmarks).
const memberIds = prepared((db, v: { roomId: number }) =>
  db
    .selectFrom('room_members')
    .select((eb) =>
      (isPostgres(db) ? sql<string | null>`string_agg(user_id::text, ',')` : eb.fn.agg<string | null>('group_concat', ['user_id'])).as('ids'),
    )
    .where('room_id', '=', v.roomId),
)
type NewRow = Omit<MessageRow, 'id' | 'edited_at' | 'reactions'>
const rowValues = (v: NewRow) => ({
  room_id: v.room_id,
  recipient_id: v.recipient_id,
  peer_lo: v.peer_lo,
  peer_hi: v.peer_hi,
  author_id: v.author_id,
  text: v.text,
  attachment_id: v.attachment_id,
  reply_to_id: v.reply_to_id,
  kind: v.kind,
  service: v.service,
  client_id: v.client_id,
  created_at: v.created_at,
  read_at: v.read_at,
  deleted_at: v.deleted_at,
  mentions: v.mentions,
})
// Only the id comes back: the rest of the row is what was written (a row of every column costs
// more to hand back than the insert itself; README, Benchmarks). SQLite hands back the rowid of
// every insert; a RETURNING clause would cost it a temporary table per row.
const insertRow = prepared((db, v: NewRow) => {
  const insert = db.insertInto('messages').values(rowValues(v))
  return isPostgres(db) ? insert.returning('id') : insert
})
// Only when the time differs: sends of the same millisecond (a busy room's group commit) leave
// the row and its rooms_activity index entry as the first of them wrote them.
const touchRoom = prepared((db, v: { roomId: number; now: number }) =>
  db.updateTable('rooms').set({ last_activity_at: v.now }).where('id', '=', v.roomId).where('last_activity_at', '!=', v.now),
)
// Postgres: the insert and the room's activity time in one statement (a data-modifying CTE), one
// round trip fewer inside the site's write lock (store/postgres.ts), which every round trip of a
// send holds longer; SQLite runs the two statements in its own process, where a trip costs nothing.
const insertTouchingRoom = prepared((db, v: NewRow & { room: number }) =>
  db
    .with('touched', (d) => d.updateTable('rooms').set({ last_activity_at: v.created_at }).where('id', '=', v.room).where('last_activity_at', '!=', v.created_at))
    .insertInto('messages')
    .values(rowValues(v))
    .returning('id'),
)

/** The first message of this client_id by this author, if the client is retrying. */
export async function findByClientId(trx: Q, authorId: number, clientId: string | undefined): Promise<MessageRow | undefined> {
  if (clientId === undefined) return undefined
  return byClientId.first(trx, { authorId, clientId })
}

export async function roomMemberIds(trx: Q, roomId: number): Promise<number[]> {
  const ids = (await memberIds.first(trx, { roomId }))?.ids
  return ids ? ids.split(',').map(Number) : []
}

/**
 * Writes a service message into a room's history and publishes message.created to the room's
 * current members plus `alsoTo` (e.g. the member who was just removed). Inside store.transaction.
 */
export async function postServiceMessage(
  deps: Pick<AppDeps, 'events' | 'clock' | 'caches'>,
  trx: Trx,
  roomId: number,
  service: Service,
  alsoTo: number[] = [],
): Promise<Message> {
  const row = await insertMessage(deps, trx, {
    room_id: roomId,
    author_id: service.actor_id,
    kind: 'service',
    service: JSON.stringify(service),
    created_at: deps.clock.now(),
  })
  const message = toMessage(row, null)
  await deps.events.publish(trx, 'message.created', { message }, [...(await roomMemberIds(trx, roomId)), ...alsoTo])
  return message
}

type NewMessage = Pick<MessageRow, 'author_id' | 'kind' | 'created_at'> &
  Partial<Pick<MessageRow, 'room_id' | 'recipient_id' | 'text' | 'attachment_id' | 'reply_to_id' | 'service' | 'client_id'>> & {
    mentions?: number[]
    /** A member's send: the room's last_activity_at becomes the message's time. */
    touchRoom?: boolean
  }

/**
 * Inserts a room message (room_id) or a direct message (recipient_id); returns the stored row.
 * This, markDeleted and updateMessage are the only writers of what a message shows, and drop the
 * room's cached page.
 */
export async function insertMessage(deps: Pick<AppDeps, 'caches'>, trx: Trx, m: NewMessage): Promise<MessageRow> {
  const dm = m.recipient_id != null
  if (m.room_id != null) deps.caches.invalidate(trx, 'history', m.room_id)
  const touch = m.touchRoom === true && m.room_id != null
  const folded = touch && isPostgres(trx)
  // The stored row as written (its id once known): built once, not copied from the values.
  const row: MessageRow = {
    id: 0,
    room_id: m.room_id ?? null,
    recipient_id: m.recipient_id ?? null,
    // The pair, smaller id first, indexes a dialog's history whoever wrote each message.
    peer_lo: dm ? Math.min(m.author_id, m.recipient_id!) : null,
    peer_hi: dm ? Math.max(m.author_id, m.recipient_id!) : null,
    author_id: m.author_id,
    text: m.text ? m.text : null,
    attachment_id: m.attachment_id ?? null,
    reply_to_id: m.reply_to_id ?? null,
    kind: m.kind,
    service: m.service ?? null,
    client_id: m.client_id ?? null,
    created_at: m.created_at,
    read_at: null,
    deleted_at: null,
    mentions: encodeIds(m.mentions ?? []),
    edited_at: null,
    reactions: null,
  }
  row.id = folded ? await insertTouchingRoom.insertId(trx, { ...row, room: m.room_id! }) : await insertRow.insertId(trx, row)
  if (touch && !folded) await touchRoom.run(trx, { roomId: m.room_id!, now: m.created_at })
  return row
}

/** Loads a live message by id, or undefined. */
export async function findMessage(db: Q, id: number): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst()
}

/** Soft-deletes a message (it leaves every history and list). */
export async function markDeleted(deps: Pick<AppDeps, 'caches' | 'clock'>, trx: Trx, row: Pick<MessageRow, 'id' | 'room_id'>): Promise<void> {
  if (row.room_id !== null) deps.caches.invalidate(trx, 'history', row.room_id)
  await trx.updateTable('messages').set({ deleted_at: deps.clock.now() }).where('id', '=', row.id).execute()
}

/** Changes what a message shows (an edit, its reactions); returns the stored row. */
export async function updateMessage(
  deps: Pick<AppDeps, 'caches'>,
  trx: Trx,
  row: Pick<MessageRow, 'id' | 'room_id'>,
  set: Partial<Pick<MessageRow, 'text' | 'edited_at' | 'reactions' | 'mentions'>>,
): Promise<MessageRow> {
  if (row.room_id !== null) deps.caches.invalidate(trx, 'history', row.room_id)
  return trx.updateTable('messages').set(set).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow()
}
