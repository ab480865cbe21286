// Mentions (API.md §16): `@username` in a message's text, naming a member of the room or the
// other party of the dialog, puts that user's id in the message's `mentions`.
import type { Q } from '../db/schema.js'

// A name as usernames are made (3–32 of [A-Za-z0-9_.-]) after an @ that does not continue a word
// or an address ("bob@example.org" mentions nobody).
const MENTION = /(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{3,32})/g
// 20 names: more @s than that in one message is noise, not people to tell.
const MAX_NAMES = 20

/**
 * The names a text may mention, lower-cased. "@bob." at the end of a sentence may mean "bob" or a
 * user named "bob.": both are asked for.
 */
export function mentionedNames(text: string | null | undefined): string[] {
  if (!text || !text.includes('@')) return []
  const names = new Set<string>()
  for (const m of text.matchAll(MENTION)) {
    const name = m[1]!.toLowerCase()
    names.add(name)
    const trimmed = name.replace(/[.-]+$/, '')
    if (trimmed.length >= 3) names.add(trimmed)
    if (names.size >= MAX_NAMES) break
  }
  return [...names]
}

/** Who `text` mentions: members of the room, or the peer of a dialog; ascending ids. */
export async function findMentions(db: Q, text: string | null | undefined, where: { roomId: number } | { peerId: number }): Promise<number[]> {
  const names = mentionedNames(text)
  if (names.length === 0) return []
  let q = db
    .selectFrom('users as u')
    .select('u.id')
    .where('u.deleted_at', 'is', null)
    // username is `collate nocase`; guest names are compared lower-cased (their index is on lower()).
    .where((eb) => eb.or([eb('u.username', 'in', names), eb(eb.fn('lower', ['u.guest_name']), 'in', names)]))
  q = 'roomId' in where ? q.innerJoin('room_members as rm', (j) => j.onRef('rm.user_id', '=', 'u.id').on('rm.room_id', '=', where.roomId)) : q.where('u.id', '=', where.peerId)
  const rows = await q.execute()
  return rows.map((r) => r.id).sort((a, b) => a - b)
}
