// GET /api/search (API.md §16): full-text (FTS5 on SQLite, tsvector on Postgres), word prefixes, who sees what, highlight,
// hostile queries, paging; and the index kept in step with every write, edit and delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Trx } from '../src/db/schema.js'
import { INDEX_EVERY, ROWID_BASE } from '../src/store/sqlite-search.js'
import { inDb } from './helpers/accounts.js'
import type { Client } from './helpers/client.js'
import { makeRoom, roomWith, send, startRoomsServer } from './helpers/rooms.js'
import type { TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'

let server: TestServer
let filler: { roomId: number; authorId: number }
beforeAll(async () => {
  server = await startRoomsServer({ SEND_RATE_LIMIT: '0' })
  await registerUser(server) // the site admin, so every guest below is a plain user
  const a = await guest(server)
  filler = { roomId: (await makeRoom(a.client)).id, authorId: a.user.id }
})
afterAll(() => server.close())

/**
 * On SQLite the index reads the messages every INDEX_EVERY ids, and the search reads the newer
 * ones directly (store/sqlite-search.ts): INDEX_EVERY messages in one transaction make the index
 * read everything there is now. Their text matches no test's words.
 */
async function indexNow() {
  const rows = Array.from({ length: INDEX_EVERY }, () => ({ room_id: filler.roomId, author_id: filler.authorId, text: 'filler', kind: 'user' as const, created_at: Date.now() }))
  await server.deps.store.transaction(async (trx) => {
    await trx.insertInto('messages').values(rows).execute()
  })
}
/** Each test runs twice: searching messages the index has not read yet, and with the index read up to each search. */
let indexFirst = false

async function search(c: Client, q: string, extra = '') {
  if (indexFirst) await indexNow()
  const res = await c.get(`/api/search?q=${encodeURIComponent(q)}${extra}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data as { messages: any[]; has_more: boolean }
}
const texts = async (c: Client, q: string, extra = '') => (await search(c, q, extra)).messages.map((m) => m.text)

async function dm(from: { client: Client }, to: { user: { id: number } }, text: string) {
  const res = await from.client.post(`/api/dialogs/${to.user.id}/messages`, { text })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.message
}

// Each test writes words of its own, so what other tests wrote never matches.
let n = 0
const word = (base: string) => `${base}${String.fromCharCode(97 + (n++ % 26))}${n}`

describe.each([
  ['messages not indexed yet', false],
  ['messages the index has read', true],
])('GET /api/search, %s', (_, indexed) => {
  beforeAll(() => {
    indexFirst = indexed
  })

  it('finds user messages having every word of q as a word prefix, case- and accent-insensitive, newest first', async () => {
    const [a, b] = [await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client)
    const w = word('zq')
    const m1 = await send(a.client, room.id, `The ${w}deployment finished`)
    const m2 = await send(b.client, room.id, `${w.toUpperCase()}DEPLOYMENT failed again`)
    await send(a.client, room.id, `${w}other thing`)
    const m4 = await send(a.client, room.id, `Le ${w}déploiement a réussi`)
    expect(await texts(b.client, `${w}deplo`)).toEqual([m4.text, m2.text, m1.text])
    expect(await texts(b.client, `${w}DÉPLOI`)).toEqual([m4.text])
    expect(await texts(b.client, `${w}deplo fail`)).toEqual([m2.text])
    expect(await texts(b.client, `fail ${w}deplo`)).toEqual([m2.text])
    expect(await texts(b.client, `${w}deplo nowhere`)).toEqual([])
    const found = (await search(b.client, `${w}deplo fail`)).messages[0]
    expect(found).toMatchObject({ id: m2.id, room_id: room.id, author_id: b.user.id, kind: 'user' })
  })

  it('highlights matched words with <mark> and escapes everything else', async () => {
    const [a] = [await guest(server)]
    const room = await makeRoom(a.client)
    const w = word('hl')
    await send(a.client, room.id, `<script>alert("${w}x")</script> & ${w}Yes <b>${w}no</b>'s`)
    const [m] = (await search(a.client, `${w}y`)).messages
    expect(m.highlight).toBe(`&lt;script&gt;alert(&quot;${w}x&quot;)&lt;/script&gt; &amp; <mark>${w}Yes</mark> &lt;b&gt;${w}no&lt;/b&gt;&#39;s`)
    const [all] = (await search(a.client, w)).messages
    expect(all.highlight).toBe(
      `&lt;script&gt;alert(&quot;<mark>${w}x</mark>&quot;)&lt;/script&gt; &amp; <mark>${w}Yes</mark> &lt;b&gt;<mark>${w}no</mark>&lt;/b&gt;&#39;s`,
    )
  })

  it('shows only rooms the caller is in now (after their clear) and their own dialogs; never deleted or service messages', async () => {
    const [a, b, c] = [await guest(server), await guest(server), await guest(server)]
    const w = word('vis')
    const room = await roomWith(a.client, b.client)
    const other = await makeRoom(c.client)
    await send(a.client, room.id, `${w} in the room`)
    await send(c.client, other.id, `${w} in a room b is not in`)
    await dm(a, c, `${w} between a and c`)
    await dm(c, b, `${w} to b`)
    expect((await texts(b.client, w)).sort()).toEqual([`${w} in the room`, `${w} to b`])
    expect((await texts(a.client, w)).sort()).toEqual([`${w} between a and c`, `${w} in the room`])
    // Clearing hides what came before; what comes after is found.
    expect((await b.client.post(`/api/rooms/${room.id}/clear`)).status).toBe(204)
    await send(a.client, room.id, `${w} after the clear`)
    expect((await texts(b.client, w)).sort()).toEqual([`${w} after the clear`, `${w} to b`])
    expect((await b.client.post(`/api/dialogs/${c.user.id}/clear`, {})).status).toBe(204)
    expect(await texts(b.client, w)).toEqual([`${w} after the clear`])
    // Leaving a room takes its messages out of the caller's results.
    expect((await b.client.post(`/api/rooms/${room.id}/leave`)).status).toBe(204)
    expect(await texts(b.client, w)).toEqual([])
    // A deleted message is gone for everyone; service messages are never results.
    const doomed = await send(a.client, room.id, `${w} doomed`)
    expect((await a.client.delete(`/api/messages/${doomed.id}`)).status).toBe(204)
    expect(await texts(a.client, `${w} doomed`)).toEqual([])
    expect(await texts(a.client, 'joined left')).toEqual([])
  })

  it('an edit is found by its new words only', async () => {
    const a = await guest(server)
    const room = await makeRoom(a.client)
    const [before, after] = [word('old'), word('new')]
    const m = await send(a.client, room.id, `${before} words`)
    expect((await a.client.patch(`/api/messages/${m.id}`, { text: `${after} words` })).status).toBe(200)
    expect(await texts(a.client, before)).toEqual([])
    expect((await search(a.client, after)).messages).toEqual([expect.objectContaining({ id: m.id, text: `${after} words`, edited_at: expect.any(String) })])
  })

  it('takes FTS operators and punctuation as text: never a syntax error or a 500', async () => {
    const a = await guest(server)
    const room = await makeRoom(a.client)
    const w = word('op')
    await send(a.client, room.id, `${w} near the AND gate, or not`)
    const hostile = [
      '"', '""', '"unterminated', '*', '**', `${w}*`, '-', `-${w}`, 'NEAR', 'NEAR(a b)', `NEAR(${w} gate, 2)`, 'AND', 'OR', 'NOT',
      'a OR b', '(', ')', '(((', 'text:foo', '^start', '{a b}:c', "'; drop table messages; --", '\\', '%', '_', '\u0000', '\u202e',
      '+', ':', 'near/3', 'x'.repeat(200), '🎉', '*'.repeat(200),
    ]
    for (const q of hostile) {
      const res = await a.client.get(`/api/search?q=${encodeURIComponent(q)}`)
      expect(res.status, `${JSON.stringify(q)}: ${res.text}`).toBe(200)
      expect(Array.isArray(res.body.data.messages)).toBe(true)
    }
    // Operators as words match those words.
    expect(await texts(a.client, `${w} NEAR`)).toEqual([`${w} near the AND gate, or not`])
    expect(await texts(a.client, `"${w}" AND OR NOT`)).toEqual([`${w} near the AND gate, or not`])
    expect(await texts(a.client, `-${w}* (gate)`)).toEqual([`${w} near the AND gate, or not`])
  })

  it('refuses an empty, blank or too long q, a bad limit, and both room_id and with_user_id (400)', async () => {
    const a = await guest(server)
    for (const query of ['', '?q=', '?q=%20%20', `?q=${'x'.repeat(201)}`, '?q=a&limit=0', '?q=a&limit=51', '?q=a&before=0', '?q=a&room_id=x']) {
      expectError(await a.client.get(`/api/search${query}`), 400, 'invalid_request')
    }
    expectError(await a.client.get('/api/search?q=a&zzz=1'), 400, 'unknown_field')
    expectError(await a.client.get('/api/search?q=a&room_id=1&with_user_id=2'), 400, 'conflicting_filters')
    expectError(await server.client().get('/api/search?q=a'), 401, 'not_signed_in')
  })

  it('narrows to one room (403 for a room not joined, 404 unknown) or one dialog, and pages with before / has_more', async () => {
    const [a, b] = [await guest(server), await guest(server)]
    const w = word('pg')
    const room = await makeRoom(a.client)
    const elsewhere = await makeRoom(a.client)
    const ids = []
    for (let i = 0; i < 5; i++) ids.push((await send(a.client, room.id, `${w} number ${i}`)).id)
    await send(a.client, elsewhere.id, `${w} elsewhere`)
    await dm(a, b, `${w} in a dialog`)
    expect(await texts(a.client, w, `&room_id=${room.id}`)).toEqual([4, 3, 2, 1, 0].map((i) => `${w} number ${i}`))
    expect(await texts(a.client, w, `&with_user_id=${b.user.id}`)).toEqual([`${w} in a dialog`])
    expectError(await b.client.get(`/api/search?q=${w}&room_id=${room.id}`), 403, 'not_member')
    expectError(await b.client.get(`/api/search?q=${w}&room_id=99999999`), 404, 'not_found')
    const first = await search(a.client, w, `&room_id=${room.id}&limit=2`)
    expect({ ids: first.messages.map((m) => m.id), has_more: first.has_more }).toEqual({ ids: [ids[4], ids[3]], has_more: true })
    const second = await search(a.client, w, `&room_id=${room.id}&limit=2&before=${ids[3]}`)
    expect({ ids: second.messages.map((m) => m.id), has_more: second.has_more }).toEqual({ ids: [ids[2], ids[1]], has_more: true })
    const last = await search(a.client, w, `&room_id=${room.id}&limit=2&before=${ids[1]}`)
    expect({ ids: last.messages.map((m) => m.id), has_more: last.has_more }).toEqual({ ids: [ids[0]], has_more: false })
  })

  it('a word longer than 5 letters is found past hundreds of newer messages sharing only its first 5 letters', async () => {
    const a = await guest(server)
    const room = await makeRoom(a.client)
    const w = word('lp')
    const old = await send(a.client, room.id, `${w}xyzzy is here`)
    const near = await send(a.client, room.id, `${w}xylophone nearly`)
    // More newer messages than the store reads as candidates (store/sqlite-search.ts), in one transaction.
    await server.deps.store.transaction(async (trx) => {
      const rows = Array.from({ length: 450 }, (_, i) => ({ room_id: room.id, author_id: a.user.id, text: `${w}xa${i} only the start`, kind: 'user' as const, created_at: Date.now() }))
      for (let i = 0; i < rows.length; i += 50) await trx.insertInto('messages').values(rows.slice(i, i + 50)).execute()
    })
    const found = await search(a.client, `${w}xyz`)
    expect({ ids: found.messages.map((m) => m.id), has_more: found.has_more }).toEqual({ ids: [old.id], has_more: false })
    expect(await texts(a.client, `${w}xy`)).toEqual([near.text, old.text])
    expect((await search(a.client, `${w}x`, '&limit=50')).has_more).toBe(true)
  })

  it('the index holds exactly the live user messages after sends, edits, deletes and a room deleted with its messages', async () => {
    const [a, b] = [await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client)
    const w = word('ix')
    const kept = await send(a.client, room.id, `${w} kept`)
    const edited = await send(b.client, room.id, `${w} edited`)
    const gone = await send(a.client, room.id, `${w} gone`)
    // Edited and deleted after the index read them (its triggers), or before (written as they are then).
    if (indexed) await indexNow()
    await a.client.patch(`/api/messages/${edited.id}`, { text: `${w} changed` })
    await a.client.delete(`/api/messages/${gone.id}`)
    const doomedRoom = await makeRoom(a.client)
    await send(a.client, doomedRoom.id, `${w} in a doomed room`)
    expect((await a.client.delete(`/api/rooms/${doomedRoom.id}`)).status).toBe(204)
    await indexNow()
    const live = await inDb<{ id: number }>(server, `select id from messages where kind = 'user' and deleted_at is null and text is not null order by id`)
    // Each store's own index: FTS5's rows on SQLite, the search column on Postgres.
    const pg = server.deps.config.postgresUrl !== undefined
    const inIndex = await inDb<{ id: number }>(server, pg ? `select id from messages where search is not null order by id` : `select ${ROWID_BASE} - rowid as id from messages_fts order by rowid desc`)
    expect(inIndex.map((r) => r.id)).toEqual(live.map((r) => r.id))
    const hits = pg
      ? await inDb<{ id: number }>(server, `select id from messages where search @@ to_tsquery('simple', ?) order by id`, [w])
      : await inDb<{ id: number }>(server, `select ${ROWID_BASE} - rowid as id from messages_fts where messages_fts match ? order by rowid desc`, [`"${w}"`])
    expect(hits.map((r) => r.id)).toEqual([kept.id, edited.id])
  })

  it('a message is found as soon as it is sent; results and pages run on from the messages not indexed yet into the index without gaps or repeats', async () => {
    const [a, b, c] = [await guest(server), await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client)
    const w = word('bd')
    const old = [await send(a.client, room.id, `${w} one`), await send(b.client, room.id, `${w} two`)]
    await indexNow()
    const fresh = [await send(a.client, room.id, `${w} three`), await send(b.client, room.id, `${w} four`)]
    const edited = await send(a.client, room.id, `${w} draft`)
    const gone = await send(a.client, room.id, `${w} gone`)
    expect((await a.client.patch(`/api/messages/${edited.id}`, { text: `${w} final` })).status).toBe(200)
    expect((await a.client.delete(`/api/messages/${gone.id}`)).status).toBe(204)
    if (!server.deps.config.postgresUrl && !indexed) {
      // The two sides of the boundary this test is about: the older messages in the index, the newer not yet.
      const through = (await inDb<{ through: number }>(server, 'select through from search_index_state'))[0]!.through
      expect(old.every((m) => m.id <= through) && fresh.every((m) => m.id > through)).toBe(true)
    }
    const all = [edited, ...fresh.toReversed(), ...old.toReversed()].map((m) => m.id)
    expect((await search(b.client, w)).messages.map((m) => m.id)).toEqual(all)
    expect(await texts(b.client, `${w} fin`)).toEqual([`${w} final`])
    expect(await texts(b.client, `${w} draft`)).toEqual([])
    expect(await texts(c.client, w)).toEqual([])
    // One at a time with before: each once, in order, has_more until the last.
    const paged: number[] = []
    let before = ''
    for (let i = 0; i < all.length; i++) {
      const page = await search(b.client, w, `&limit=1${before}`)
      expect(page.messages).toHaveLength(1)
      expect(page.has_more).toBe(i < all.length - 1)
      paged.push(page.messages[0].id)
      before = `&before=${page.messages[0].id}`
    }
    expect(paged).toEqual(all)
    // Two at a time: a page made of both sides.
    const mixed = await search(b.client, w, `&limit=2&before=${fresh[0]!.id}`)
    expect(mixed.messages.map((m) => m.id)).toEqual([old[1]!.id, old[0]!.id])
    const across = await search(b.client, w, `&limit=2&before=${fresh[1]!.id}`)
    expect({ ids: across.messages.map((m) => m.id), has_more: across.has_more }).toEqual({ ids: [fresh[0]!.id, old[1]!.id], has_more: true })
  })

  it('on SQLite a group commit writes the index once, with what each message is at the commit: sent and edited, deleted or rolled back in the same group', async (ctx) => {
    if (server.deps.config.postgresUrl) return ctx.skip()
    const a = await guest(server)
    const room = await makeRoom(a.client)
    const w = word('gc')
    const segments = async () => new Set((await inDb<{ segid: number }>(server, 'select distinct segid from messages_fts_idx')).map((r) => r.segid))
    const before = await segments()
    const insert = async (trx: Trx, text: string) =>
      (await trx.insertInto('messages').values({ room_id: room.id, author_id: a.user.id, text, kind: 'user', created_at: Date.now() }).returning('id').executeTakeFirstOrThrow()).id
    const { store } = server.deps
    // Queued in one turn of the event loop: one group, one transaction (store/sqlite.ts), of enough
    // messages for the index to read them at its end.
    const sent = Array.from({ length: INDEX_EVERY }, (_, i) => store.transaction((trx) => insert(trx, `${w} plain${i}`)))
    const edited = store.transaction(async (trx) => {
      const id = await insert(trx, `${w} draft`)
      await trx.updateTable('messages').set({ text: `${w} final`, edited_at: Date.now() }).where('id', '=', id).execute()
      return id
    })
    const deleted = store.transaction(async (trx) => {
      const id = await insert(trx, `${w} removed`)
      await trx.updateTable('messages').set({ deleted_at: Date.now() }).where('id', '=', id).execute()
      return id
    })
    const failed = store.transaction(async (trx) => {
      await insert(trx, `${w} rolledback`)
      throw new Error('rolled back')
    })
    const ids = await Promise.all(sent)
    await expect(failed).rejects.toThrow('rolled back')
    const [editedId] = await Promise.all([edited, deleted])
    const fresh = [...(await segments())].filter((s) => !before.has(s))
    // One segment flushed for the group (and at most one an automerge made of it): not one per send.
    expect(fresh.length).toBeLessThanOrEqual(2)
    const match = async (q: string) => (await inDb<{ id: number }>(server, `select ${ROWID_BASE} - rowid as id from messages_fts where messages_fts match ? order by rowid desc`, [q])).map((r) => r.id)
    expect(await match(`"${w}"`)).toEqual([...ids, editedId])
    expect(await match(`"${w}" AND "final"`)).toEqual([editedId])
    for (const gone of ['draft', 'removed', 'rolledback']) expect(await match(`"${w}" AND "${gone}"`)).toEqual([])
  })
})
