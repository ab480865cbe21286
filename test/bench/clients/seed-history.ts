// Writes the history benchmark's data straight into a migrated Parley database: authors, rooms,
// memberships (the reader is a member of every room) and messages spread at random over the
// rooms in id order, as a busy server would have written them. One transaction, prepared statements.
// The text is words (bench/lib/words.ts), so search's prefixes mean something; the store's own
// statement indexes them before the transaction commits, as they would for a group of sends.
import { statSync } from 'node:fs'
import SQLite from 'better-sqlite3'
import { FLUSH_SEARCH_INDEX } from '../../../src/store/sqlite-search.js'
import { serveParent } from '../lib/ipc.js'
import { benchTexts } from '../lib/words.js'

type Seed = { file: string; readerId: number; rooms: number; messages: number }

// 10 authors per room: enough that pages mix authors, few enough to keep setup quick.
const AUTHORS_PER_ROOM = 10
const TEXT_LENGTH = 100
// 65,536 distinct texts, each used ~15 times in a million: word pairs vary as in real chat.
const TEXTS = 65_536

function seed(a: Seed) {
  const started = Date.now()
  const db = new SQLite(a.file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  const now = Date.now()
  // A million messages over the past 30 days, in id order.
  const first = now - 30 * 24 * 3600_000
  const step = Math.max(1, Math.floor((now - first) / a.messages))
  const texts = benchTexts(TEXTS, TEXT_LENGTH)
  const roomIds: number[] = []
  const authorsOf: number[][] = []
  db.transaction(() => {
    const user = db.prepare(`insert into users (kind, guest_name, created_at) values ('guest', ?, ?)`)
    const room = db.prepare(`insert into rooms (name, name_folded, topic, max_users, admin_id, member_count, created_at, last_activity_at) values (?, ?, null, 255, ?, ?, ?, ?)`)
    const member = db.prepare(`insert into room_members (room_id, user_id, role, joined_at) values (?, ?, ?, ?)`)
    for (let r = 0; r < a.rooms; r++) {
      const authors = Array.from({ length: AUTHORS_PER_ROOM }, (_, k) => Number(user.run(`author-${r}-${k}`, first).lastInsertRowid))
      const id = Number(room.run(`history room ${r}`, `history room ${r}`, authors[0], AUTHORS_PER_ROOM + 1, first, now).lastInsertRowid)
      authors.forEach((u, k) => member.run(id, u, k === 0 ? 'admin' : 'member', first))
      member.run(id, a.readerId, 'member', first)
      roomIds.push(id)
      authorsOf.push(authors)
    }
    const message = db.prepare(`insert into messages (room_id, author_id, text, kind, created_at) values (?, ?, ?, 'user', ?)`)
    for (let i = 0; i < a.messages; i++) {
      const r = Math.floor(Math.random() * a.rooms)
      const authors = authorsOf[r]!
      message.run(roomIds[r], authors[i % authors.length], texts[i % TEXTS], first + i * step)
    }
    for (const q of FLUSH_SEARCH_INDEX) db.prepare(q.sql).run()
    db.prepare(`update rooms set last_activity_at = coalesce((select max(created_at) from messages m where m.room_id = rooms.id), created_at)`).run()
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return { ms: Date.now() - started, dbBytes: statSync(a.file).size, roomIds }
}

serveParent({ seed }, 15 * 60_000)
