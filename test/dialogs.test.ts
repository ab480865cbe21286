// API.md §6: direct messages, dialogs, history, read receipts, typing, clear and delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import { cursorOf, eventsAfter, type Ev } from './helpers/events.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, registerUser } from './helpers/users.js'

type Who = { client: Client; user: { id: number } }

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
  await registerUser(server) // the first account is the site admin; keep the others plain users
})
afterAll(() => server.close())

const user = () => registerUser(server)



async function dm(from: Who, to: Who, text: string, extra: Record<string, unknown> = {}) {
  const res = await from.client.post(`/api/dialogs/${to.user.id}/messages`, { text, ...extra })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.message as { id: number; text: string; recipient_id: number; author_id: number }
}

async function history(c: Client, peerId: number, query = '') {
  const res = await c.get(`/api/dialogs/${peerId}/messages${query}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data as { items: { id: number; text: string }[]; has_more: boolean }
}

async function dialogs(c: Client, query = '') {
  const res = await c.get(`/api/dialogs${query}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data as { items: { user: any; last_message: any; unread: number }[]; has_more: boolean }
}

describe('sending direct messages', () => {
  it('answers 201 with the message and delivers message.created to both parties only', async () => {
    const [a, b, outsider] = [await user(), await user(), await user()]
    const [ca, cb, co] = [await cursorOf(a.client), await cursorOf(b.client), await cursorOf(outsider.client)]
    const res = await a.client.post(`/api/dialogs/${b.user.id}/messages`, { text: '  hello b  ' })
    expect(res.status).toBe(201)
    const message = res.body.data.message
    expect(message).toMatchObject({ room_id: null, recipient_id: b.user.id, author_id: a.user.id, text: 'hello b', kind: 'user', service: null, attachment: null, reply_to_id: null })
    expect(message.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    for (const [client, cursor] of [[a.client, ca], [b.client, cb]] as const) {
      const events = await eventsAfter(client, cursor)
      expect(events.map((e) => e.type)).toEqual(['message.created'])
      expect(events[0]!.data.message).toEqual(message)
    }
    expect(await eventsAfter(outsider.client, co)).toEqual([])
  })

  it('creates a dialog_state row for both users (presence contacts rely on it)', async () => {
    const [a, b] = [await user(), await user()]
    await dm(a, b, 'hi')
    const rows = await server.deps.db.selectFrom('dialog_state').selectAll().where('user_id', 'in', [a.user.id, b.user.id]).execute()
    expect(rows.map((r) => [r.user_id, r.peer_id]).sort()).toEqual([[a.user.id, b.user.id], [b.user.id, a.user.id]].sort())
  })

  it('refuses a message to oneself (400), to an unknown user (404) and to a deleted user (404); nothing is stored', async () => {
    const a = await user()
    const gone = await user()
    expect((await gone.client.delete('/api/me', { password: gone.password })).status).toBe(204)
    expectError(await a.client.post(`/api/dialogs/${a.user.id}/messages`, { text: 'me' }), 400, 'invalid_request')
    expectError(await a.client.post('/api/dialogs/99999999/messages', { text: 'who' }), 404, 'not_found')
    expectError(await a.client.post(`/api/dialogs/${gone.user.id}/messages`, { text: 'ghost' }), 404, 'not_found')
    expectError(await a.client.post('/api/dialogs/abc/messages', { text: 'x' }), 400, 'invalid_request')
    const stored = await server.deps.db.selectFrom('messages').select('id').where('author_id', '=', a.user.id).execute()
    expect(stored).toEqual([])
  })

  it('refuses a message with neither text nor attachment, blank text, text over 4000, or unknown fields', async () => {
    const [a, b] = [await user(), await user()]
    const path = `/api/dialogs/${b.user.id}/messages`
    expectError(await a.client.post(path, {}), 400, 'invalid_request')
    expectError(await a.client.post(path, { text: '   ' }), 400, 'invalid_request')
    expectError(await a.client.post(path, { text: 'x'.repeat(4001) }), 400, 'invalid_request')
    expectError(await a.client.post(path, { text: 'hi', colour: 'red' }), 400, 'unknown_field')
    expectError(await a.client.post(path, { text: 'hi', client_id: 'x'.repeat(65) }), 400, 'invalid_request')
    expect((await a.client.post(path, { text: 'x'.repeat(4000) })).status).toBe(201)
  })

  it('a retry with the same client_id answers the first message (200) and posts nothing twice', async () => {
    const [a, b, c] = [await user(), await user(), await user()]
    const cb = await cursorOf(b.client)
    const first = await a.client.post(`/api/dialogs/${b.user.id}/messages`, { text: 'once', client_id: 'abc-1' })
    expect(first.status).toBe(201)
    const again = await a.client.post(`/api/dialogs/${b.user.id}/messages`, { text: 'once', client_id: 'abc-1' })
    expect(again.status).toBe(200)
    expect(again.body.data.message).toEqual(first.body.data.message)
    expect((await history(b.client, a.user.id)).items.map((m) => m.id)).toEqual([first.body.data.message.id])
    expect((await eventsAfter(b.client, cb)).length).toBe(1)
    // The same client_id aimed at another chat is a conflict, never a second message.
    expectError(await a.client.post(`/api/dialogs/${c.user.id}/messages`, { text: 'once', client_id: 'abc-1' }), 409, 'conflict')
    // Another author may use the same client_id.
    expect((await b.client.post(`/api/dialogs/${a.user.id}/messages`, { text: 'mine', client_id: 'abc-1' })).status).toBe(201)
  })

  it('accepts reply_to_id in the same dialog and refuses one from another dialog or unknown (400 invalid_reply)', async () => {
    const [a, b, c] = [await user(), await user(), await user()]
    const inAB = await dm(b, a, 'question')
    const inAC = await dm(a, c, 'elsewhere')
    const reply = await dm(a, b, 'answer', { reply_to_id: inAB.id })
    expect(reply).toMatchObject({ reply_to_id: inAB.id })
    expectError(await a.client.post(`/api/dialogs/${b.user.id}/messages`, { text: 'x', reply_to_id: inAC.id }), 400, 'invalid_reply')
    expectError(await a.client.post(`/api/dialogs/${b.user.id}/messages`, { text: 'x', reply_to_id: 99999999 }), 400, 'invalid_reply')
  })

  it('takes an attachment that is one of the sender’s uploads, and refuses anyone else’s', async () => {
    const [a, b] = [await user(), await user()]
    const upload = (owner: number) =>
      server.deps.db
        .insertInto('uploads')
        .values({ owner_id: owner, stored_name: `f${owner}${Date.now()}.png`, content_type: 'image/png', size: 10, created_at: Date.now() })
        .returning('id')
        .executeTakeFirstOrThrow()
    const mine = await upload(a.user.id)
    const theirs = await upload(b.user.id)
    const res = await a.client.post(`/api/dialogs/${b.user.id}/messages`, { attachment_id: mine.id })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.data.message).toMatchObject({ text: null, attachment: { id: mine.id, content_type: 'image/png', size: 10 } })
    expectError(await a.client.post(`/api/dialogs/${b.user.id}/messages`, { attachment_id: theirs.id }), 400, 'invalid_request')
    expectError(await a.client.post(`/api/dialogs/${b.user.id}/messages`, { attachment_id: 99999999 }), 400, 'invalid_request')
  })

  it('limits sends to SEND_RATE_LIMIT per 10 s per user (429 with Retry-After)', async () => {
    const limited = await startTestServer({ SEND_RATE_LIMIT: '3' })
    try {
      const [a, b] = [await registerUser(limited), await registerUser(limited)]
      for (let i = 0; i < 3; i++) expect((await a.client.post(`/api/dialogs/${b.user.id}/messages`, { text: `m${i}` })).status).toBe(201)
      const res = await a.client.post(`/api/dialogs/${b.user.id}/messages`, { text: 'too many' })
      expectError(res, 429, 'rate_limited')
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
      // The other user has a budget of their own; the window passing restores it.
      expect((await b.client.post(`/api/dialogs/${a.user.id}/messages`, { text: 'fine' })).status).toBe(201)
      limited.clock.advance(10_001)
      expect((await a.client.post(`/api/dialogs/${b.user.id}/messages`, { text: 'later' })).status).toBe(201)
    } finally {
      await limited.close()
    }
  })

  it('needs a session', async () => {
    expectError(await server.client().post('/api/dialogs/1/messages', { text: 'x' }), 401, 'not_signed_in')
    expectError(await server.client().get('/api/dialogs'), 401, 'not_signed_in')
  })
})

describe('dialog list', () => {
  it('lists dialogs most recent first with last message and unread count; deleted users as {id, deleted}', async () => {
    const [me, b, c, gone] = [await user(), await user(), await user(), await user()]
    await dm(b, me, 'from b 1')
    await dm(gone, me, 'from gone')
    await dm(c, me, 'from c')
    await dm(b, me, 'from b 2')
    await dm(me, c, 'my reply to c')
    expect((await gone.client.delete('/api/me', { password: gone.password })).status).toBe(204)
    const list = await dialogs(me.client)
    expect(list.items.map((i) => i.user.id)).toEqual([c.user.id, b.user.id, gone.user.id])
    expect(list.items.map((i) => i.unread)).toEqual([1, 2, 1])
    expect(list.items[0]!.last_message).toMatchObject({ text: 'my reply to c', author_id: me.user.id })
    expect(list.items[1]!.last_message).toMatchObject({ text: 'from b 2' })
    expect(list.items[0]!.user).toMatchObject({ id: c.user.id, username: c.user.username })
    expect(list.items[0]!.user.email).toBeUndefined()
    expect(list.items[2]!.user).toEqual({ id: gone.user.id, deleted: true })
    expect(list.has_more).toBe(false)
    const paged = await dialogs(me.client, '?limit=1&offset=1')
    expect(paged.items.map((i) => i.user.id)).toEqual([b.user.id])
    expect(paged.has_more).toBe(true)
    // The other side sees the dialog too, with nothing unread (the reply is from c's side).
    expect((await dialogs(c.client)).items.map((i) => [i.user.id, i.unread])).toEqual([[me.user.id, 1]])
    expectError(await me.client.get('/api/dialogs?limit=500'), 400, 'invalid_request')
  })
})

describe('dialog history', () => {
  it('pages with before/after in ascending order with has_more, as room history', async () => {
    const [a, b] = [await user(), await user()]
    const ids: number[] = []
    for (let i = 1; i <= 5; i++) ids.push((await dm(i % 2 ? a : b, i % 2 ? b : a, `m${i}`)).id)
    const newest = await history(a.client, b.user.id, '?limit=2')
    expect(newest.items.map((m) => m.id)).toEqual(ids.slice(3))
    expect(newest.has_more).toBe(true)
    const older = await history(a.client, b.user.id, `?limit=2&before=${ids[3]}`)
    expect(older.items.map((m) => m.id)).toEqual(ids.slice(1, 3))
    expect(older.has_more).toBe(true)
    const oldest = await history(a.client, b.user.id, `?limit=2&before=${ids[1]}`)
    expect(oldest.items.map((m) => m.id)).toEqual([ids[0]])
    expect(oldest.has_more).toBe(false)
    const after = await history(b.client, a.user.id, `?limit=3&after=${ids[0]}`)
    expect(after.items.map((m) => m.id)).toEqual(ids.slice(1, 4))
    expect(after.has_more).toBe(true)
    const tail = await history(b.client, a.user.id, `?after=${ids[3]}`)
    expect(tail.items.map((m) => m.id)).toEqual([ids[4]])
    expect(tail.has_more).toBe(false)
    expectError(await a.client.get(`/api/dialogs/${b.user.id}/messages?before=1&after=2`), 400, 'invalid_request')
    expectError(await a.client.get(`/api/dialogs/${b.user.id}/messages?limit=0`), 400, 'invalid_request')
    expectError(await a.client.get(`/api/dialogs/${a.user.id}/messages`), 400, 'invalid_request')
    expectError(await a.client.get('/api/dialogs/99999999/messages'), 404, 'not_found')
  })

  it('never shows a dialog to anyone outside it', async () => {
    const [a, b, outsider] = [await user(), await user(), await user()]
    await dm(a, b, 'secret')
    // The outsider only ever reaches their own dialog with a or b: empty.
    expect((await history(outsider.client, a.user.id)).items).toEqual([])
    expect((await history(outsider.client, b.user.id)).items).toEqual([])
    expect((await dialogs(outsider.client)).items).toEqual([])
    const dms = await outsider.client.get('/api/direct-messages')
    expect(dms.body.data.items).toEqual([])
    const msg = (await history(a.client, b.user.id)).items[0]!
    expectError(await outsider.client.post(`/api/messages/${msg.id}/read`), 404, 'not_found')
  })

  it('a deleted user’s dialog stays readable for the other side', async () => {
    const [a, gone] = [await user(), await user()]
    await dm(gone, a, 'last words')
    expect((await gone.client.delete('/api/me', { password: gone.password })).status).toBe(204)
    expect((await history(a.client, gone.user.id)).items.map((m) => m.text)).toEqual(['last words'])
  })
})

describe('read receipts', () => {
  it('reading a dialog zeroes its unread count and sends message.read to the author and the reader’s sessions', async () => {
    const [a, b] = [await user(), await user()]
    const m1 = await dm(a, b, 'one')
    const m2 = await dm(a, b, 'two')
    const m3 = await dm(a, b, 'three')
    const otherTab = server.client() // b signed in on a second device
    expect((await otherTab.post('/api/auth/login', { login: b.user.username, password: b.password })).status).toBe(200)
    const [ca, cb2] = [await cursorOf(a.client), await cursorOf(otherTab)]
    expect((await b.client.post(`/api/dialogs/${a.user.id}/read`, { up_to: m2.id })).status).toBe(204)
    expect((await dialogs(b.client)).items[0]!.unread).toBe(1)
    const expected = { reader_id: b.user.id, user_ids: [a.user.id, b.user.id].sort((x, y) => x - y), up_to: m2.id }
    for (const [c, cur] of [[a.client, ca], [otherTab, cb2]] as const) {
      const events = await eventsAfter(c, cur)
      expect(events.map((e) => [e.type, e.data])).toEqual([['message.read', expected]])
    }
    const ca2 = await cursorOf(a.client)
    expect((await b.client.post(`/api/dialogs/${a.user.id}/read`)).status).toBe(204)
    expect((await dialogs(b.client)).items[0]!.unread).toBe(0)
    expect((await eventsAfter(a.client, ca2)).map((e) => e.data.up_to)).toEqual([m3.id])
    // Nothing left unread: no event. The author's own messages never count for them.
    const ca3 = await cursorOf(a.client)
    expect((await b.client.post(`/api/dialogs/${a.user.id}/read`, {})).status).toBe(204)
    expect(await eventsAfter(a.client, ca3)).toEqual([])
    expect((await dialogs(a.client)).items[0]!.unread).toBe(0)
    expect(m1.id).toBeLessThan(m2.id)
  })

  it('read errors: 400 oneself, 404 unknown user, 400 bad up_to (or one of another dialog) or unknown field', async () => {
    const [a, b, c] = [await user(), await user(), await user()]
    const elsewhere = await dm(b, c, 'not in a–b')
    await dm(b, a, 'in a–b')
    expectError(await a.client.post(`/api/dialogs/${b.user.id}/read`, { up_to: elsewhere.id }), 400, 'invalid_request')
    expect((await dialogs(a.client)).items[0]!.unread).toBe(1)
    expectError(await a.client.post(`/api/dialogs/${a.user.id}/read`, {}), 400, 'invalid_request')
    expectError(await a.client.post('/api/dialogs/99999999/read', {}), 404, 'not_found')
    expectError(await a.client.post('/api/dialogs/1/read', { up_to: 'latest' }), 400, 'invalid_request')
    expectError(await a.client.post('/api/dialogs/1/read', { upto: 3 }), 400, 'unknown_field')
  })

  it('POST /api/messages/:id/read marks one received message read; 404 for the sender, outsiders and unknown ids', async () => {
    const [a, b, outsider] = [await user(), await user(), await user()]
    const m1 = await dm(a, b, 'one')
    const m2 = await dm(a, b, 'two')
    const ca = await cursorOf(a.client)
    expect((await b.client.post(`/api/messages/${m2.id}/read`)).status).toBe(204)
    const events = await eventsAfter(a.client, ca)
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['message.read', { reader_id: b.user.id, user_ids: [a.user.id, b.user.id].sort((x, y) => x - y), up_to: m2.id, message_id: m2.id }],
    ])
    expect((await dialogs(b.client)).items[0]!.unread).toBe(1)
    const unread = await b.client.get(`/api/direct-messages?unread_only=true`)
    expect(unread.body.data.items.map((m: any) => m.id)).toEqual([m1.id])
    // Reading it again is a quiet no-op.
    const ca2 = await cursorOf(a.client)
    expect((await b.client.post(`/api/messages/${m2.id}/read`)).status).toBe(204)
    expect(await eventsAfter(a.client, ca2)).toEqual([])
    expectError(await a.client.post(`/api/messages/${m1.id}/read`), 404, 'not_found')
    expectError(await outsider.client.post(`/api/messages/${m1.id}/read`), 404, 'not_found')
    expectError(await b.client.post('/api/messages/99999999/read'), 404, 'not_found')
  })
})

describe('typing', () => {
  it('the other side gets an ephemeral typing event, at most one per 3 s', async () => {
    const [a, b] = [await user(), await user()]
    const cb = await cursorOf(b.client)
    expect((await a.client.post(`/api/dialogs/${b.user.id}/typing`)).status).toBe(204)
    expect((await a.client.post(`/api/dialogs/${b.user.id}/typing`)).status).toBe(204)
    const events = await eventsAfter(b.client, cb)
    expect(events.map((e) => [e.type, e.data])).toEqual([['typing', { user_id: a.user.id, recipient_id: b.user.id }]])
    expectError(await a.client.post(`/api/dialogs/${a.user.id}/typing`), 400, 'invalid_request')
    expectError(await a.client.post('/api/dialogs/99999999/typing'), 404, 'not_found')
  })
})

describe('clear and delete', () => {
  it('clear hides the history for the caller only, with chat.cleared to the caller', async () => {
    const [a, b] = [await user(), await user()]
    await dm(a, b, 'old 1')
    const last = await dm(b, a, 'old 2')
    const [ca, cb] = [await cursorOf(a.client), await cursorOf(b.client)]
    expect((await a.client.post(`/api/dialogs/${b.user.id}/clear`, {})).status).toBe(204)
    expect((await history(a.client, b.user.id)).items).toEqual([])
    expect((await history(b.client, a.user.id)).items.length).toBe(2)
    const pair = [a.user.id, b.user.id].sort((x, y) => x - y)
    expect((await eventsAfter(a.client, ca)).map((e) => [e.type, e.data])).toEqual([['chat.cleared', { user_ids: pair, up_to: last.id }]])
    expect(await eventsAfter(b.client, cb)).toEqual([])
    // The dialog stays listed, without a last message and with nothing unread.
    expect((await dialogs(a.client)).items).toMatchObject([{ user: { id: b.user.id }, last_message: null, unread: 0 }])
    const next = await dm(b, a, 'new')
    expect((await history(a.client, b.user.id)).items.map((m) => m.id)).toEqual([next.id])
  })

  it('clear for_everyone hides it for both, and both get chat.cleared', async () => {
    const [a, b] = [await user(), await user()]
    const m = await dm(a, b, 'gone for both')
    const [ca, cb] = [await cursorOf(a.client), await cursorOf(b.client)]
    expect((await b.client.post(`/api/dialogs/${a.user.id}/clear`, { for_everyone: true })).status).toBe(204)
    expect((await history(a.client, b.user.id)).items).toEqual([])
    expect((await history(b.client, a.user.id)).items).toEqual([])
    for (const [c, cur] of [[a.client, ca], [b.client, cb]] as const) {
      expect((await eventsAfter(c, cur)).map((e) => [e.type, e.data.up_to])).toEqual([['chat.cleared', m.id]])
    }
    expectError(await b.client.post(`/api/dialogs/${a.user.id}/clear`, { for_everyone: 'yes' }), 400, 'invalid_request')
    expectError(await b.client.post(`/api/dialogs/${a.user.id}/clear`, { everyone: true }), 400, 'unknown_field')
    expectError(await b.client.post(`/api/dialogs/${b.user.id}/clear`, {}), 400, 'invalid_request')
    expectError(await b.client.post('/api/dialogs/99999999/clear', {}), 404, 'not_found')
  })

  it('delete removes the dialog from the caller’s list; a new message brings it back with only what is new', async () => {
    const [a, b] = [await user(), await user()]
    await dm(b, a, 'before')
    const [ca, cb] = [await cursorOf(a.client), await cursorOf(b.client)]
    expect((await a.client.delete(`/api/dialogs/${b.user.id}`)).status).toBe(204)
    expect((await dialogs(a.client)).items).toEqual([])
    expect((await dialogs(b.client)).items.length).toBe(1)
    const pair = [a.user.id, b.user.id].sort((x, y) => x - y)
    expect((await eventsAfter(a.client, ca)).map((e) => [e.type, e.data])).toEqual([['dialog.deleted', { user_ids: pair }]])
    expect(await eventsAfter(b.client, cb)).toEqual([])
    const after = await dm(b, a, 'after')
    const list = await dialogs(a.client)
    expect(list.items).toMatchObject([{ user: { id: b.user.id }, last_message: { id: after.id }, unread: 1 }])
    expect((await history(a.client, b.user.id)).items.map((m) => m.text)).toEqual(['after'])
  })

  it('delete ?for_everyone=true removes it for both, and both get dialog.deleted', async () => {
    const [a, b] = [await user(), await user()]
    await dm(a, b, 'x')
    const [ca, cb] = [await cursorOf(a.client), await cursorOf(b.client)]
    expect((await a.client.delete(`/api/dialogs/${b.user.id}?for_everyone=true`)).status).toBe(204)
    expect((await dialogs(a.client)).items).toEqual([])
    expect((await dialogs(b.client)).items).toEqual([])
    expect((await history(b.client, a.user.id)).items).toEqual([])
    for (const [c, cur] of [[a.client, ca], [b.client, cb]] as const) {
      expect((await eventsAfter(c, cur)).map((e) => e.type)).toEqual(['dialog.deleted'])
    }
    expectError(await a.client.delete(`/api/dialogs/${b.user.id}?for_everyone=maybe`), 400, 'invalid_request')
    // The flag belongs in the query: a body carrying it is refused rather than ignored.
    expectError(await b.client.delete(`/api/dialogs/${a.user.id}`, { for_everyone: true }), 400, 'unknown_field')
    expectError(await a.client.delete(`/api/dialogs/${a.user.id}`), 400, 'invalid_request')
    expectError(await a.client.delete('/api/dialogs/99999999'), 404, 'not_found')
  })
})

describe('GET /api/chats, dialog half', () => {
  it('lists rooms and dialogs together by latest activity, dialogs as {kind, user, last_message, unread}', async () => {
    const [me, b, c] = [await user(), await user(), await user()]
    const mkRoom = async () => {
      const res = await me.client.post('/api/rooms', { name: `chats ${Math.random().toString(36).slice(2, 8)}` })
      expect(res.status, JSON.stringify(res.body)).toBe(201)
      return res.body.data.room.id as number
    }
    const room1 = await mkRoom()
    await dm(b, me, 'from b')
    const room2 = await mkRoom()
    expect((await me.client.post(`/api/rooms/${room2}/messages`, { text: 'in room 2' })).status).toBe(201)
    await dm(c, me, 'from c')
    await dm(c, me, 'from c again')
    expect((await me.client.post(`/api/rooms/${room1}/messages`, { text: 'in room 1' })).status).toBe(201)

    const res = await me.client.get('/api/chats')
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const items = res.body.data.items as any[]
    const key = (i: any) => (i.kind === 'room' ? `room:${i.room.id}` : `dialog:${i.user.id}`)
    expect(items.map(key)).toEqual([`room:${room1}`, `dialog:${c.user.id}`, `room:${room2}`, `dialog:${b.user.id}`])
    expect(items[1]).toMatchObject({ kind: 'dialog', user: { id: c.user.id }, last_message: { text: 'from c again' }, unread: 2 })
    expect(items[1].room).toBeUndefined()
    expect(res.body.data.has_more).toBe(false)

    const page = await me.client.get('/api/chats?limit=2&offset=1')
    expect(page.body.data.items.map(key)).toEqual([`dialog:${c.user.id}`, `room:${room2}`])
    expect(page.body.data.has_more).toBe(true)

    // A deleted dialog leaves the list; reading one zeroes its unread.
    expect((await me.client.delete(`/api/dialogs/${b.user.id}`)).status).toBe(204)
    expect((await me.client.post(`/api/dialogs/${c.user.id}/read`, {})).status).toBe(204)
    const after = (await me.client.get('/api/chats')).body.data.items as any[]
    expect(after.map(key)).toEqual([`room:${room1}`, `dialog:${c.user.id}`, `room:${room2}`])
    expect(after[1].unread).toBe(0)
    // The other side sees its dialog with me.
    const theirs = (await b.client.get('/api/chats')).body.data.items as any[]
    expect(theirs).toMatchObject([{ kind: 'dialog', user: { id: me.user.id }, last_message: { text: 'from b' }, unread: 0 }])
  })
})
