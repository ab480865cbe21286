// Complaints (API.md §5): anyone reports a message they can see; site admins handle all of them,
// room admins those about their rooms. Direct-message complaints go to site admins only.
import type { AppDeps } from '../deps.js'
import { ApiError, forbidden, notFound } from '../errors.js'
import type { ComplaintRow, Q } from '../db/schema.js'
import { iso, isoOrNull } from '../time.js'
import { toMessages, type Message } from '../messages/messages.js'
import type { ComplaintList, NewComplaint, PatchComplaint } from './schemas.js'

export interface Complaint {
  id: number
  message_id: number
  room_id: number | null
  reporter_id: number
  text: string | null
  status: ComplaintRow['status']
  created_at: string
  resolved_by: number | null
  resolved_at: string | null
  /** The reported message as it was written (kept even if deleted since: it is the evidence). */
  message: Message | null
}

async function toComplaints(db: Q, rows: ComplaintRow[]): Promise<Complaint[]> {
  const ids = [...new Set(rows.map((r) => r.message_id))]
  const messageRows = ids.length === 0 ? [] : await db.selectFrom('messages').selectAll().where('id', 'in', ids).execute()
  const messages = new Map((await toMessages(db, messageRows)).map((m) => [m.id, m]))
  return rows.map((r) => ({
    id: r.id,
    message_id: r.message_id,
    room_id: r.room_id,
    reporter_id: r.reporter_id,
    text: r.text,
    status: r.status,
    created_at: iso(r.created_at),
    resolved_by: r.resolved_by,
    resolved_at: isoOrNull(r.resolved_at),
    message: messages.get(r.message_id) ?? null,
  }))
}

async function isSiteAdmin(db: Q, userId: number): Promise<boolean> {
  const row = await db.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst()
  return row?.role === 'admin'
}

/** A live message the user can read: a party of its dialog, or a member of its room. Else 404. */
async function requireVisibleMessage(db: Q, userId: number, messageId: number) {
  const row = await db.selectFrom('messages').selectAll().where('id', '=', messageId).where('deleted_at', 'is', null).executeTakeFirst()
  if (!row) throw notFound('message')
  if (row.room_id === null) {
    if (row.author_id !== userId && row.recipient_id !== userId) throw notFound('message')
  } else {
    const member = await db.selectFrom('room_members').select('user_id').where('room_id', '=', row.room_id).where('user_id', '=', userId).executeTakeFirst()
    if (!member) throw notFound('message')
  }
  return row
}

/** Files a complaint; 409 while the same reporter's earlier complaint about it is still open. */
export async function fileComplaint(deps: AppDeps, reporterId: number, input: NewComplaint): Promise<Complaint> {
  return deps.store.transaction(async (trx) => {
    const message = await requireVisibleMessage(trx, reporterId, input.message_id)
    const open = await trx
      .selectFrom('complaints')
      .select('id')
      .where('message_id', '=', message.id)
      .where('reporter_id', '=', reporterId)
      .where('status', '=', 'open')
      .executeTakeFirst()
    if (open) throw new ApiError('conflict', 'You already reported this message; that complaint is still open.', { complaint_id: open.id })
    const row = await trx
      .insertInto('complaints')
      .values({
        message_id: message.id,
        room_id: message.room_id,
        reporter_id: reporterId,
        text: input.text !== undefined && input.text.length > 0 ? input.text : null,
        status: 'open',
        created_at: deps.clock.now(),
        resolved_by: null,
        resolved_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return (await toComplaints(trx, [row]))[0]!
  })
}

/** Site admins see every complaint; anyone else those about rooms they administer. Newest first. */
export async function listComplaints(deps: AppDeps, userId: number, q: ComplaintList) {
  let query = deps.db.selectFrom('complaints').selectAll()
  if (!(await isSiteAdmin(deps.db, userId))) {
    query = query.where('room_id', 'in', deps.db.selectFrom('rooms').select('id').where('admin_id', '=', userId))
  }
  if (q.status !== undefined) query = query.where('status', '=', q.status)
  const rows = await query.orderBy('id', 'desc').limit(q.limit + 1).offset(q.offset).execute()
  return { items: await toComplaints(deps.db, rows.slice(0, q.limit)), has_more: rows.length > q.limit }
}

/** Resolves or dismisses. The reporter knows the complaint exists (403); anyone else gets 404. */
export async function setComplaintStatus(deps: AppDeps, userId: number, complaintId: number, input: PatchComplaint): Promise<Complaint> {
  return deps.store.transaction(async (trx) => {
    const row = await trx.selectFrom('complaints').selectAll().where('id', '=', complaintId).executeTakeFirst()
    if (!row) throw notFound('complaint')
    let allowed = await isSiteAdmin(trx, userId)
    if (!allowed && row.room_id !== null) {
      const room = await trx.selectFrom('rooms').select('admin_id').where('id', '=', row.room_id).executeTakeFirst()
      allowed = room?.admin_id === userId
    }
    if (!allowed) throw row.reporter_id === userId ? forbidden('Only a site admin or the room’s admin handles complaints.') : notFound('complaint')
    const updated = await trx
      .updateTable('complaints')
      .set({ status: input.status, resolved_by: userId, resolved_at: deps.clock.now() })
      .where('id', '=', complaintId)
      .returningAll()
      .executeTakeFirstOrThrow()
    return (await toComplaints(trx, [updated]))[0]!
  })
}
