// API.md §13: names refuse control and format characters; message text may hold newlines and
// tabs but no other control characters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest } from './helpers/users.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

// CR, LF, tab, NUL, ESC, DEL, a C1 control; zero-width space and joiner, soft hyphen, the byte
// order mark, right-to-left override and isolate; a lone surrogate.
const BAD_IN_NAMES = ['\r', '\n', '\t', '\u0000', '\u001b', '\u007f', '\u0085', '\u200b', '\u200d', '\u00ad', '\ufeff', '\u202e', '\u2067', '\ud800']
const GOOD_NAMES = ['Café ☕', 'Чат', '日本語の部屋', 'thumbs 👍🏽', 'a-b_c.d (e)']

function expectInvalidAt(res: { status: number; body: any }, path: string) {
  expectError(res, 400, 'invalid_request')
  expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path)
}

describe('names', () => {
  it('guest names, nicknames, locations, room names and topics refuse control and format characters', async () => {
    const { client } = await guest(server)
    const roomId = (await client.post('/api/rooms', { name: 'names room' })).body.data.room.id
    for (const bad of BAD_IN_NAMES) {
      const name = `General${bad}x`
      expectInvalidAt(await server.client().post('/api/auth/guest', { name }), 'name')
      expectInvalidAt(await client.patch('/api/me', { nickname: name }), 'nickname')
      expectInvalidAt(await client.patch('/api/me', { location: name }), 'location')
      expectInvalidAt(await client.post('/api/rooms', { name }), 'name')
      expectInvalidAt(await client.post('/api/rooms', { name: 'ok', topic: name }), 'topic')
      expectInvalidAt(await client.patch(`/api/rooms/${roomId}`, { name }), 'name')
      expectInvalidAt(await client.patch(`/api/rooms/${roomId}`, { topic: name }), 'topic')
    }
    // Nothing was stored by any of them.
    const me = (await client.get('/api/me')).body.data.user
    expect([me.nickname, me.location]).toEqual([null, null])
    expect((await client.get(`/api/rooms/${roomId}`)).body.data.room).toMatchObject({ name: 'names room', topic: null })
    expect((await client.get('/api/rooms?count_only=true')).body.data.total).toBe(1)
  })

  it('letters, symbols and emoji of any script are fine', async () => {
    const { client } = await guest(server)
    for (const name of GOOD_NAMES) {
      expect((await client.patch('/api/me', { nickname: name })).body.data.user.nickname).toBe(name)
      expect((await client.post('/api/rooms', { name, topic: name })).body.data.room).toMatchObject({ name, topic: name })
    }
  })
})

describe('message text', () => {
  it('keeps newlines and tabs (CRLF and CR become LF), and emoji joined with zero-width joiners', async () => {
    const { client } = await guest(server)
    const peer = await guest(server)
    const roomId = (await client.post('/api/rooms', { name: 'text room' })).body.data.room.id
    const cases: [string, string][] = [
      ['line one\nline two', 'line one\nline two'],
      ['a\tb', 'a\tb'],
      ['windows\r\nline\rold mac', 'windows\nline\nold mac'],
      ['family 👨‍👩‍👧', 'family 👨‍👩‍👧'],
    ]
    for (const [text, stored] of cases) {
      // A room send (answered ahead of Hono) and a direct message (a Hono route).
      expect((await client.post(`/api/rooms/${roomId}/messages`, { text })).body.data.message.text).toBe(stored)
      expect((await client.post(`/api/dialogs/${peer.user.id}/messages`, { text })).body.data.message.text).toBe(stored)
    }
  })

  it('refuses every other control character, in rooms and dialogs alike', async () => {
    const { client } = await guest(server)
    const peer = await guest(server)
    const roomId = (await client.post('/api/rooms', { name: 'controls room' })).body.data.room.id
    for (const bad of ['\u0000', '\u0007', '\u001b[31m', '\u007f', '\u0085', '\ud800']) {
      const text = `before${bad}after`
      expectInvalidAt(await client.post(`/api/rooms/${roomId}/messages`, { text }), 'text')
      expectInvalidAt(await client.post(`/api/dialogs/${peer.user.id}/messages`, { text }), 'text')
    }
    expect((await client.get(`/api/rooms/${roomId}/messages`)).body.data.items.filter((m: { kind: string }) => m.kind === 'user')).toEqual([])
  })
})
