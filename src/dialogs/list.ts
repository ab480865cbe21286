// GET /api/dialogs, and the dialog half of GET /api/chats: one summary per dialog the user has
// not deleted, most recent activity first.
import { sql } from 'kysely'
import type { AppDeps } from '../deps.js'
import { publicUsers, type DeletedUser, type PublicUser } from '../accounts/users.js'
import { toMessages, type Message } from '../messages/messages.js'

export interface DialogSummary {
  user: PublicUser | DeletedUser
  last_message: Message | null
  unread: number
  /** Unread messages that mention the user (API.md §16). */
  mention_count: number
  /** Epoch ms of the dialog's latest message (cleared or not): what "recent" sorts by. 0 if none. */
  activity_at: number
}

type Row = { peer_id: number; last_id: number | null; activity_id: number | null; unread: number; mention_count: number }

/**
 * The user's dialogs, most recent first. Activity is the newest live message of the pair, even
 * one the user cleared, so a cleared dialog keeps its place; last_message is the newest visible one.
 */
export async function dialogSummaries(deps: AppDeps, me: number, page: { limit: number; offset: number }) {
  const rows = await summaryRows(deps, me, page)
  const has_more = rows.length > page.limit
  return { items: await summarize(deps, rows.slice(0, page.limit)), has_more }
}

/** Every dialog in the user's list, unpaged: the dialog half of GET /api/chats merges and pages. */
export async function allDialogSummaries(deps: AppDeps, me: number): Promise<DialogSummary[]> {
  return summarize(deps, await summaryRows(deps, me))
}

/** One more row than the page asks for (has_more), or all rows without a page. */
async function summaryRows(deps: AppDeps, me: number, page?: { limit: number; offset: number }): Promise<Row[]> {
  const pairWhere = sql`m.peer_lo = min(ds.user_id, ds.peer_id) and m.peer_hi = max(ds.user_id, ds.peer_id) and m.deleted_at is null`
  let query = deps.db
    .selectFrom('dialog_state as ds')
    .select([
      'ds.peer_id',
      sql<number | null>`(select max(m.id) from messages m where ${pairWhere} and m.id > ds.cleared_up_to)`.as('last_id'),
      sql<number | null>`(select max(m.id) from messages m where ${pairWhere})`.as('activity_id'),
      sql<number>`(select count(*) from messages m
        where m.recipient_id = ds.user_id and m.author_id = ds.peer_id and m.room_id is null
          and m.read_at is null and m.deleted_at is null and m.id > ds.cleared_up_to)`.as('unread'),
      sql<number>`(select count(*) from messages m
        where m.recipient_id = ds.user_id and m.author_id = ds.peer_id and m.room_id is null
          and m.read_at is null and m.deleted_at is null and m.id > ds.cleared_up_to
          and instr(m.mentions, ',' || ds.user_id || ',') > 0)`.as('mention_count'),
    ])
    .where('ds.user_id', '=', me)
    .where('ds.hidden', '=', 0)
    // SQLite sorts nulls lowest: dialogs without any live message come last.
    .orderBy('activity_id', 'desc')
    .orderBy('ds.peer_id', 'desc')
  if (page) query = query.limit(page.limit + 1).offset(page.offset)
  return query.execute()
}

async function summarize(deps: AppDeps, rows: Row[]): Promise<DialogSummary[]> {
  const ids = [...new Set(rows.flatMap((r) => [r.last_id, r.activity_id]).filter((id): id is number => id !== null))]
  const messageRows = ids.length === 0 ? [] : await deps.db.selectFrom('messages').selectAll().where('id', 'in', ids).execute()
  const messages = new Map((await toMessages(deps.db, messageRows)).map((m) => [m.id, m]))
  const createdAt = new Map(messageRows.map((m) => [m.id, m.created_at]))
  const users = await publicUsers(deps, deps.db, rows.map((r) => r.peer_id))
  return rows.map((r) => ({
    user: users.get(r.peer_id) ?? { id: r.peer_id, deleted: true },
    last_message: r.last_id === null ? null : (messages.get(r.last_id) ?? null),
    unread: Number(r.unread),
    mention_count: Number(r.mention_count),
    activity_at: r.activity_id === null ? 0 : (createdAt.get(r.activity_id) ?? 0),
  }))
}
