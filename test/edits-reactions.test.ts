// API.md §16: editing a message, reactions, mentions and mention_count; message.updated (§10).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import { cursorOf, eventsAfter } from './helpers/events.js'
import { roomWith, send, startRoomsServer } from './helpers/rooms.js'
import type { TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'

let server: TestServer
beforeAll(async () => {
  server = await startRoomsServer({ SEND_RATE_LIMIT: '0' })
  await registerUser(server) // the site admin, so every guest below is a plain user
})
afterAll(() => server.close())

const react = (c: Client, id: number, emoji: string, method: 'PUT' | 'DELETE' = 'PUT') =>
  c.request(method, `/api/messages/${id}/reactions/${encodeURIComponent(emoji)}`)
const historyOf = async (c: Client, roomId: number) => (await c.get(`/api/rooms/${roomId}/messages`)).body.data.items as any[]
const updates = async (who: { client: Client }, cursor: string) => (await eventsAfter(who, cursor)).filter((e) => e.type === 'message.updated').map((e) => e.data.message)
const chatOf = async (c: Client, pred: (i: any) => boolean) => (await c.get('/api/chats')).body.data.items.find(pred)

async function dm(from: { client: Client }, to: { user: { id: number } }, text: string) {
  const res = await from.client.post(`/api/dialogs/${to.user.id}/messages`, { text })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.message
}

describe('PATCH /api/messages/:id', () => {
  it('the author edits (200, edited_at set, text trimmed); every member gets message.updated; history shows the edit', async () => {
    const [a, b, outsider] = [await guest(server), await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client)
    const sent = await send(a.client, room.id, 'first draft')
    expect(sent).toMatchObject({ edited_at: null, reactions: [], mentions: [] })
    await historyOf(b.client, room.id) // the newest page is now kept in memory: the edit must replace it
    const [ca, cb, cx] = (await Promise.all([a, b, outsider].map(cursorOf))) as [string, string, string]
    const res = await a.client.patch(`/api/messages/${sent.id}`, { text: '  second draft  ' })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const message = res.body.data.message
    expect(message).toEqual({ ...sent, text: 'second draft', edited_at: expect.stringMatching(/Z$/) })
    expect(await updates(a, ca)).toEqual([message])
    expect(await updates(b, cb)).toEqual([message])
    expect(await eventsAfter(outsider, cx)).toEqual([])
    expect((await historyOf(b.client, room.id)).find((m) => m.id === sent.id)).toEqual(message)
  })

  it("refuses others' messages and service messages (403 forbidden), invisible ones and deleted ones (404), bad text (400)", async () => {
    const [a, b, outsider] = [await guest(server), await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client)
    const sent = await send(a.client, room.id, 'mine')
    expectError(await b.client.patch(`/api/messages/${sent.id}`, { text: 'hijack' }), 403, 'forbidden')
    expectError(await outsider.client.patch(`/api/messages/${sent.id}`, { text: 'hijack' }), 404, 'not_found')
    const joined = (await historyOf(b.client, room.id)).find((m) => m.kind === 'service' && m.author_id === b.user.id)
    expectError(await b.client.patch(`/api/messages/${joined.id}`, { text: 'rewritten' }), 403, 'forbidden')
    for (const body of [{ text: '   ' }, { text: 'x'.repeat(4001) }, { text: 'bell\u0007' }, {}, { text: 5 }]) {
      expectError(await a.client.patch(`/api/messages/${sent.id}`, body), 400, 'invalid_request')
    }
    expectError(await a.client.patch(`/api/messages/${sent.id}`, { text: 'ok', extra: 1 }), 400, 'unknown_field')
    expectError(await a.client.patch('/api/messages/99999999', { text: 'ok' }), 404, 'not_found')
    expect((await a.client.delete(`/api/messages/${sent.id}`)).status).toBe(204)
    expectError(await a.client.patch(`/api/messages/${sent.id}`, { text: 'back' }), 404, 'not_found')
    expect((await historyOf(a.client, room.id)).map((m) => m.text)).not.toContain('hijack')
  })

  it('a silenced member may not edit (403 silenced)', async () => {
    const [a, b] = [await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client)
    const sent = await send(b.client, room.id, 'before the silence')
    expect((await a.client.post(`/api/rooms/${room.id}/silence`, { user_id: b.user.id, until: Date.now() + 60_000 })).status).toBe(204)
    expectError(await b.client.patch(`/api/messages/${sent.id}`, { text: 'sneaky' }), 403, 'silenced')
  })

  it('edits a direct message: both parties get message.updated; the recipient may not edit it', async () => {
    const [a, b] = [await guest(server), await guest(server)]
    const sent = await dm(a, b, 'hello')
    const [ca, cb] = (await Promise.all([a, b].map(cursorOf))) as [string, string]
    const res = await a.client.patch(`/api/messages/${sent.id}`, { text: `hello @${b.user.name}` })
    expect(res.status).toBe(200)
    expect(res.body.data.message).toMatchObject({ text: `hello @${b.user.name}`, mentions: [b.user.id] })
    expect(await updates(a, ca)).toEqual([res.body.data.message])
    expect(await updates(b, cb)).toEqual([res.body.data.message])
    expectError(await b.client.patch(`/api/messages/${sent.id}`, { text: 'not yours' }), 403, 'forbidden')
  })
})

describe('PUT/DELETE /api/messages/:id/reactions/:emoji', () => {
  it('reactions sent at the same moment by many members all end up on the message (none lost to a concurrent one)', async () => {
    const members = await Promise.all(Array.from({ length: 8 }, () => guest(server)))
    const [a, ...others] = members as [Awaited<ReturnType<typeof guest>>, ...Awaited<ReturnType<typeof guest>>[]]
    const room = await roomWith(a.client, ...others.map((m) => m.client))
    const sent = await send(a.client, room.id, 'react to this')
    const emoji = ['👍', '🎉']
    const results = await Promise.all(members.map((m, i) => react(m.client, sent.id, emoji[i % 2]!)))
    expect(results.map((r) => r.status)).toEqual(members.map(() => 204))
    const [shown] = (await historyOf(a.client, room.id)).filter((m) => m.id === sent.id)
    const ids = (i: number) => members.filter((_, j) => j % 2 === i).map((m) => m.user.id).sort((x, y) => x - y)
    expect(shown.reactions.map((r: { emoji: string; user_ids: number[] }) => [r.emoji, [...r.user_ids].sort((x, y) => x - y)]).sort()).toEqual(
      [[emoji[0], ids(0)], [emoji[1], ids(1)]].sort(),
    )
  })

  it('adds reactions in order of first use (204, message.updated to members); a repeat changes and sends nothing', async () => {
    const [a, b, outsider] = [await guest(server), await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client)
    const sent = await send(a.client, room.id, 'react to me')
    const [ca, cx] = (await Promise.all([a, outsider].map(cursorOf))) as [string, string]
    expect((await react(b.client, sent.id, '👍')).status).toBe(204)
    expect((await react(a.client, sent.id, '❤️')).status).toBe(204)
    expect((await react(a.client, sent.id, '👍')).status).toBe(204)
    const c2 = await cursorOf(a)
    expect((await react(a.client, sent.id, '👍')).status).toBe(204)
    expect(await updates(a, c2)).toEqual([])
    const expected = [
      { emoji: '👍', user_ids: [b.user.id, a.user.id] },
      { emoji: '❤️', user_ids: [a.user.id] },
    ]
    const events = await updates(a, ca)
    expect(events.map((m) => m.reactions)).toEqual([[{ emoji: '👍', user_ids: [b.user.id] }], [{ emoji: '👍', user_ids: [b.user.id] }, { emoji: '❤️', user_ids: [a.user.id] }], expected])
    expect(events.at(-1)).toEqual({ ...sent, reactions: expected })
    expect(await eventsAfter(outsider, cx)).toEqual([])
    expect((await historyOf(b.client, room.id)).find((m) => m.id === sent.id).reactions).toEqual(expected)
  })

  it('DELETE removes only the caller’s own reaction; without one it is 204 and sends nothing', async () => {
    const [a, b] = [await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client)
    const sent = await send(a.client, room.id, 'react to me')
    await react(a.client, sent.id, '🎉')
    await react(b.client, sent.id, '🎉')
    const ca = await cursorOf(a)
    expect((await react(b.client, sent.id, '🎉', 'DELETE')).status).toBe(204)
    expect((await updates(a, ca)).map((m) => m.reactions)).toEqual([[{ emoji: '🎉', user_ids: [a.user.id] }]])
    const ca2 = await cursorOf(a)
    expect((await react(b.client, sent.id, '🎉', 'DELETE')).status).toBe(204)
    expect((await react(b.client, sent.id, '🚀', 'DELETE')).status).toBe(204)
    expect(await updates(a, ca2)).toEqual([])
    expect((await react(a.client, sent.id, '🎉', 'DELETE')).status).toBe(204)
    expect((await historyOf(a.client, room.id)).find((m) => m.id === sent.id).reactions).toEqual([])
  })

  it('refuses what is not one emoji (400 invalid_emoji), a 21st distinct emoji (409), invisible and deleted messages (404)', async () => {
    const [a, b, outsider] = [await guest(server), await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client)
    const sent = await send(a.client, room.id, 'many reactions')
    for (const bad of ['a', '1', '👍👍', 'ok', '\u0007', '\u200b', '%', '/', '\u{1F44D}'.repeat(9), 'x'.repeat(40)]) {
      expectError(await react(a.client, sent.id, bad), 400, 'invalid_emoji')
      expectError(await react(a.client, sent.id, bad, 'DELETE'), 400, 'invalid_emoji')
    }
    expectError(await a.client.request('PUT', `/api/messages/${sent.id}/reactions/%E0%A4%A`), 400, 'invalid_emoji')
    // Sequences are one grapheme each: a family (25 bytes), a flag, a keycap, a skin tone.
    for (const good of ['👨‍👩‍👧‍👦', '🇫🇷', '1️⃣', '👍🏽']) expect((await react(a.client, sent.id, good)).status, good).toBe(204)
    const twenty = Array.from({ length: 16 }, (_, i) => String.fromCodePoint(0x1f600 + i))
    for (const e of twenty) expect((await react(b.client, sent.id, e)).status).toBe(204)
    expectError(await react(b.client, sent.id, '🚀'), 409, 'too_many_reactions')
    // Joining an emoji already there is still fine.
    expect((await react(b.client, sent.id, '🇫🇷')).status).toBe(204)
    const reactions = (await historyOf(a.client, room.id)).find((m) => m.id === sent.id).reactions
    expect(reactions).toHaveLength(20)
    expectError(await react(outsider.client, sent.id, '👍'), 404, 'not_found')
    expectError(await react(a.client, 99999999, '👍'), 404, 'not_found')
    expect((await a.client.delete(`/api/messages/${sent.id}`)).status).toBe(204)
    expectError(await react(b.client, sent.id, '👍'), 404, 'not_found')
    expectError(await react(b.client, sent.id, '👍', 'DELETE'), 404, 'not_found')
  })

  it('reactions on a direct message reach both parties only', async () => {
    const [a, b, c] = [await guest(server), await guest(server), await guest(server)]
    const sent = await dm(a, b, 'hi')
    const [ca, cc] = (await Promise.all([a, c].map(cursorOf))) as [string, string]
    expect((await react(b.client, sent.id, '👋')).status).toBe(204)
    expect((await updates(a, ca)).map((m) => m.reactions)).toEqual([[{ emoji: '👋', user_ids: [b.user.id] }]])
    expect(await eventsAfter(c, cc)).toEqual([])
    expectError(await react(c.client, sent.id, '👋'), 404, 'not_found')
  })
})

describe('mentions and mention_count', () => {
  it('@name of a room member is in mentions (not of a stranger, not inside an address); mention_count resets on read', async () => {
    const [a, b, c, stranger] = [await guest(server), await guest(server), await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client, c.client)
    const m1 = await send(a.client, room.id, `@${b.user.name.toUpperCase()} and @${c.user.name}. and @${stranger.user.name} and x@${b.user.name}`)
    expect(m1.mentions).toEqual([b.user.id, c.user.id].sort((x, y) => x - y))
    await send(a.client, room.id, `again @${b.user.name}`)
    await send(a.client, room.id, 'nobody here')
    const bChat = await chatOf(b.client, (i) => i.room?.id === room.id)
    expect({ unread: bChat.unread, mention_count: bChat.mention_count }).toEqual({ unread: 3, mention_count: 2 })
    expect((await chatOf(c.client, (i) => i.room?.id === room.id)).mention_count).toBe(1)
    expect((await chatOf(a.client, (i) => i.room?.id === room.id)).mention_count).toBe(0)
    expect((await b.client.post(`/api/rooms/${room.id}/read`, {})).status).toBe(204)
    expect((await chatOf(b.client, (i) => i.room?.id === room.id)).mention_count).toBe(0)
  })

  it('in a dialog the other party is mentioned; the dialog’s mention_count resets on read', async () => {
    const [a, b] = [await guest(server), await guest(server)]
    const m = await dm(a, b, `hey @${b.user.name}`)
    expect(m.mentions).toEqual([b.user.id])
    expect((await dm(a, b, `@${a.user.name} talks to himself`)).mentions).toEqual([])
    const chat = await chatOf(b.client, (i) => i.user?.id === a.user.id)
    expect({ unread: chat.unread, mention_count: chat.mention_count }).toEqual({ unread: 2, mention_count: 1 })
    expect((await b.client.post(`/api/dialogs/${a.user.id}/read`, {})).status).toBe(204)
    expect((await chatOf(b.client, (i) => i.user?.id === a.user.id)).mention_count).toBe(0)
  })

  it('an edit recomputes mentions', async () => {
    const [a, b] = [await guest(server), await guest(server)]
    const room = await roomWith(a.client, b.client)
    const sent = await send(a.client, room.id, `hi @${b.user.name}`)
    expect(sent.mentions).toEqual([b.user.id])
    const res = await a.client.patch(`/api/messages/${sent.id}`, { text: 'hi all' })
    expect(res.body.data.message.mentions).toEqual([])
    expect((await chatOf(b.client, (i) => i.room?.id === room.id)).mention_count).toBe(0)
  })
})

describe('/api/openapi.json', () => {
  it('describes the new routes (the emoji as a string), the message fields and the message.updated event', async () => {
    const doc = (await server.client().get('/api/openapi.json')).body
    for (const [path, method] of [
      ['/api/messages/{id}', 'patch'],
      ['/api/messages/{id}/reactions/{emoji}', 'put'],
      ['/api/messages/{id}/reactions/{emoji}', 'delete'],
      ['/api/search', 'get'],
      ['/api/auth/verify-email/resend', 'post'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined()
    }
    const put = doc.paths['/api/messages/{id}/reactions/{emoji}'].put
    expect(put.parameters.find((p: any) => p.name === 'emoji').schema.type).toBe('string')
    expect(put.parameters.find((p: any) => p.name === 'id').schema.type).toBe('integer')
    expect(doc.paths['/api/messages/{id}'].patch.requestBody.content['application/json'].schema.required).toEqual(['text'])
    expect(doc.paths['/api/search'].get.parameters.map((p: any) => p.name)).toEqual(['q', 'room_id', 'with_user_id', 'before', 'limit'])
    expect(doc.paths['/api/auth/verify-email/resend'].post.requestBody.content['application/json'].schema.required).toEqual(['email'])
    expect(Object.keys(doc.components.schemas.Message.properties)).toEqual(expect.arrayContaining(['edited_at', 'reactions', 'mentions']))
    expect(doc.components.schemas['Event.message.updated'].properties.data.properties.message.$ref).toBe('#/components/schemas/Message')
  })
})
