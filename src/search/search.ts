// GET /api/search (API.md §16): the caller's visible user messages matching every word of q.
import type { AppDeps } from '../deps.js'
import { ApiError } from '../errors.js'
import { requirePeer } from '../dialogs/dialogs.js'
import { toMessages, type Message } from '../messages/messages.js'
import { requireMember, requireRoom } from '../rooms/access.js'
import type { SearchQuery } from './schemas.js'
import { highlight, searchTerms } from './terms.js'

export type Found = Message & { highlight: string }

export async function search(deps: AppDeps, userId: number, q: SearchQuery): Promise<{ messages: Found[]; has_more: boolean }> {
  if (q.room_id !== undefined && q.with_user_id !== undefined) {
    throw new ApiError('conflicting_filters', 'Search one room or one dialog, not both.', [{ path: 'query.with_user_id', message: 'Conflicts with room_id.' }])
  }
  if (q.room_id !== undefined) {
    await requireRoom(deps.db, q.room_id)
    await requireMember(deps.db, q.room_id, userId)
  }
  if (q.with_user_id !== undefined) await requirePeer(deps.db, userId, q.with_user_id)
  const terms = searchTerms(q.q)
  // Nothing searchable (only quotes, stars, dashes…): nothing matches, as nothing would in the index.
  if (terms.length === 0) return { messages: [], has_more: false }
  const rows = await deps.store.searchMessages({ userId, terms, roomId: q.room_id, withUserId: q.with_user_id, before: q.before, limit: q.limit + 1 })
  const messages = (await toMessages(deps.db, rows.slice(0, q.limit))) as Found[]
  // Each message gains its highlight in place (a copy with it would copy every field again), last in the JSON as before.
  for (const m of messages) m.highlight = highlight(m.text ?? '', terms)
  return { messages, has_more: rows.length > q.limit }
}
