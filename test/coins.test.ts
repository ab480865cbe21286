import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import { cursorOf, eventsAfter } from './helpers/events.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'

const SECRET = 'payment-secret-for-tests'
let server: TestServer
let admin: Client
let nonceCounter = 0

beforeAll(async () => {
  server = await startTestServer({ PAYMENT_SECRET: SECRET, FREE_COINS_AMOUNT: '5' })
  admin = (await registerUser(server)).client // the first account is site admin
})
afterAll(() => server.close())

const sign = (userId: number, amount: number | string, nonce: string, key = SECRET) =>
  createHmac('sha256', key).update(`${userId}:${amount}:${nonce}`).digest('hex')
const freshNonce = () => `nonce-${process.pid}-${++nonceCounter}`

async function topUp(client: Client, userId: number, amount: number) {
  const nonce = freshNonce()
  const res = await client.post('/api/balance/top-up', { amount, nonce, signature: sign(userId, amount, nonce) })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data.balance as number
}

async function balanceOf(client: Client): Promise<number> {
  return (await client.get('/api/me')).body.data.user.balance
}



async function newGift(price: number, name = `gift${price}`) {
  const res = await admin.post('/api/gifts', { name, image_url: 'https://cdn.example.test/rose.png', price })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.gift as { id: number; name: string; image_url: string; price: number }
}

describe('gift catalogue', () => {
  it('a site admin adds a gift (201) and everyone signed in sees it in the catalogue', async () => {
    const gift = await newGift(7, 'Rose')
    expect(gift).toEqual({ id: expect.any(Number), name: 'Rose', image_url: 'https://cdn.example.test/rose.png', price: 7 })
    const { client } = await guest(server)
    const list = await client.get('/api/gifts')
    expect(list.status).toBe(200)
    expect(list.body.data.gifts).toContainEqual(gift)
  })

  it('a site path such as an upload url is accepted as image_url; a free gift (price 0) too', async () => {
    const res = await admin.post('/api/gifts', { name: 'Free hug', image_url: '/files/abc.png', price: 0 })
    expect(res.status).toBe(201)
    expect(res.body.data.gift.price).toBe(0)
  })

  it('a user who is not a site admin gets 403 forbidden and nothing is added', async () => {
    const { client } = await registerUser(server)
    const before = (await client.get('/api/gifts')).body.data.gifts.length
    expectError(await client.post('/api/gifts', { name: 'Mine', image_url: 'https://x.test/a.png', price: 1 }), 403, 'forbidden')
    expect((await client.get('/api/gifts')).body.data.gifts.length).toBe(before)
  })

  it('rejects a negative, fractional or textual price, a bad image_url, a blank name and unknown fields', async () => {
    const ok = { name: 'Star', image_url: 'https://x.test/star.png', price: 3 }
    expectError(await admin.post('/api/gifts', { ...ok, price: -1 }), 400, 'invalid_request')
    expectError(await admin.post('/api/gifts', { ...ok, price: 1.5 }), 400, 'invalid_request')
    expectError(await admin.post('/api/gifts', { ...ok, price: '3' }), 400, 'invalid_request')
    expectError(await admin.post('/api/gifts', { ...ok, image_url: 'javascript:alert(1)' }), 400, 'invalid_request')
    expectError(await admin.post('/api/gifts', { ...ok, image_url: '//evil.test/x.png' }), 400, 'invalid_request')
    expectError(await admin.post('/api/gifts', { ...ok, name: '   ' }), 400, 'invalid_request')
    expectError(await admin.post('/api/gifts', { ...ok, id: 5 }), 400, 'unknown_field')
  })

  it('needs a session: 401 not_signed_in', async () => {
    expectError(await server.client().get('/api/gifts'), 401, 'not_signed_in')
  })
})

describe('sending gifts', () => {
  it('the giver pays, the recipient gets gift.received, the giver gets balance.changed; the recipient balance stays', async () => {
    const gift = await newGift(4)
    const giver = await registerUser(server)
    const taker = await registerUser(server)
    await topUp(giver.client, giver.user.id, 10)
    const giverCursor = await cursorOf(giver.client)
    const takerCursor = await cursorOf(taker.client)

    const res = await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: taker.user.id, text: '  for you  ' })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.data.balance).toBe(6)
    const sent = res.body.data.sent_gift
    expect(sent).toMatchObject({ id: expect.any(Number), gift, from_id: giver.user.id, to_id: taker.user.id, text: 'for you', price: 4, room_id: null })
    expect(new Date(sent.created_at).toISOString()).toBe(sent.created_at)

    expect(await balanceOf(giver.client)).toBe(6)
    expect(await balanceOf(taker.client)).toBe(0)
    const takerEvents = await eventsAfter(taker.client, takerCursor)
    expect(takerEvents.map((e) => e.type)).toEqual(['gift.received'])
    expect(takerEvents[0]!.data).toEqual({ sent_gift: sent })
    const giverEvents = await eventsAfter(giver.client, giverCursor)
    expect(giverEvents.map((e) => e.type)).toEqual(['balance.changed'])
    expect(giverEvents[0]!.data).toEqual({ balance: 6 })
  })

  it('402 insufficient_funds when the balance is short: nothing stored, no event, balance unchanged', async () => {
    const gift = await newGift(5)
    const giver = await registerUser(server)
    const taker = await registerUser(server)
    await topUp(giver.client, giver.user.id, 4)
    const takerCursor = await cursorOf(taker.client)
    expectError(await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: taker.user.id }), 402, 'insufficient_funds')
    expect(await balanceOf(giver.client)).toBe(4)
    expect((await taker.client.get(`/api/users/${taker.user.id}/gifts`)).body.data.items).toEqual([])
    expect(await eventsAfter(taker.client, takerCursor)).toEqual([])
  })

  it('a new account starts at balance 0 and cannot send a priced gift', async () => {
    const gift = await newGift(1)
    const giver = await guest(server)
    const taker = await guest(server)
    expect(await balanceOf(giver.client)).toBe(0)
    expectError(await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: taker.user.id }), 402, 'insufficient_funds')
  })

  it('10 concurrent sends with coins for 3: exactly 3 succeed, the balance ends at 0, never below', async () => {
    const gift = await newGift(2)
    const giver = await registerUser(server)
    const taker = await registerUser(server)
    await topUp(giver.client, giver.user.id, 6)
    const results = await Promise.all(
      Array.from({ length: 10 }, () => giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: taker.user.id })),
    )
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([201, 201, 201, 402, 402, 402, 402, 402, 402, 402])
    expect(results.filter((r) => r.status === 201).map((r) => r.body.data.balance).sort()).toEqual([0, 2, 4])
    expect(await balanceOf(giver.client)).toBe(0)
    const received = await taker.client.get(`/api/users/${taker.user.id}/gifts`)
    expect(received.body.data.items).toHaveLength(3)
  })

  it('a gift to oneself is 400; to an unknown or deleted user 404; an unknown gift 404; nothing is paid', async () => {
    const gift = await newGift(1)
    const giver = await registerUser(server)
    await topUp(giver.client, giver.user.id, 3)
    expectError(await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: giver.user.id }), 400, 'invalid_request')
    expectError(await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: 999_999 }), 404, 'not_found')
    const gone = await registerUser(server)
    expect((await gone.client.request('DELETE', '/api/me', { password: gone.password })).status).toBe(204)
    expectError(await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: gone.user.id }), 404, 'not_found')
    const other = await guest(server)
    expectError(await giver.client.post('/api/gifts/999999/send', { user_id: other.user.id }), 404, 'not_found')
    expect(await balanceOf(giver.client)).toBe(3)
  })

  it('validates the body: missing user_id, a string id, over-long text, unknown fields', async () => {
    const gift = await newGift(0)
    const { client } = await guest(server)
    const other = await guest(server)
    expectError(await client.post(`/api/gifts/${gift.id}/send`, {}), 400, 'invalid_request')
    expectError(await client.post(`/api/gifts/${gift.id}/send`, { user_id: String(other.user.id) }), 400, 'invalid_request')
    expectError(await client.post(`/api/gifts/${gift.id}/send`, { user_id: other.user.id, text: 'x'.repeat(1001) }), 400, 'invalid_request')
    expectError(await client.post(`/api/gifts/${gift.id}/send`, { user_id: other.user.id, amount: 1 }), 400, 'unknown_field')
    expectError(await client.post('/api/gifts/abc/send', { user_id: other.user.id }), 400, 'invalid_request')
  })

  it('a room that does not exist is 404 and nothing is paid', async () => {
    const gift = await newGift(1)
    const giver = await registerUser(server)
    const taker = await guest(server)
    await topUp(giver.client, giver.user.id, 1)
    expectError(await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: taker.user.id, room_id: 999_999 }), 404, 'not_found')
    expect(await balanceOf(giver.client)).toBe(1)
  })
})

describe('gifts received', () => {
  it('lists newest first with the gift, giver, text and price; limit/offset page with has_more', async () => {
    const a = await newGift(0, 'First')
    const b = await newGift(0, 'Second')
    const giver = await guest(server)
    const taker = await guest(server)
    const viewer = await guest(server)
    await giver.client.post(`/api/gifts/${a.id}/send`, { user_id: taker.user.id, text: 'one' })
    await giver.client.post(`/api/gifts/${b.id}/send`, { user_id: taker.user.id })
    const all = await viewer.client.get(`/api/users/${taker.user.id}/gifts`)
    expect(all.status).toBe(200)
    expect(all.body.data.has_more).toBe(false)
    expect(all.body.data.items.map((i: any) => [i.gift.name, i.from_id, i.text, i.price])).toEqual([
      ['Second', giver.user.id, null, 0],
      ['First', giver.user.id, 'one', 0],
    ])
    const page = await viewer.client.get(`/api/users/${taker.user.id}/gifts?limit=1`)
    expect(page.body.data).toMatchObject({ has_more: true, items: [{ gift: { name: 'Second' } }] })
    const next = await viewer.client.get(`/api/users/${taker.user.id}/gifts?limit=1&offset=1`)
    expect(next.body.data).toMatchObject({ has_more: false, items: [{ gift: { name: 'First' } }] })
  })

  it('an unknown user is 404; a limit out of range is 400; the accounts route /api/users/:id still answers', async () => {
    const { client, user } = await guest(server)
    expectError(await client.get('/api/users/999999/gifts'), 404, 'not_found')
    expectError(await client.get(`/api/users/${user.id}/gifts?limit=500`), 400, 'invalid_request')
    const profile = await client.get(`/api/users/${user.id}`)
    expect(profile.status).toBe(200)
    expect(profile.body.data.user.id).toBe(user.id)
  })
})

describe('top-up', () => {
  it('a valid signature credits the amount (200 {balance}) and sends balance.changed to every session of the user', async () => {
    const { client, user, password } = await registerUser(server)
    const second = server.client()
    expect((await second.post('/api/auth/login', { login: user.username, password })).status).toBe(200)
    const c1 = await cursorOf(client)
    const c2 = await cursorOf(second)
    const nonce = freshNonce()
    const res = await client.post('/api/balance/top-up', { amount: 25, nonce, signature: sign(user.id, 25, nonce) })
    expect(res.status).toBe(200)
    expect(res.body.data).toEqual({ balance: 25 })
    for (const [c, cur] of [[client, c1], [second, c2]] as const) {
      const evs = await eventsAfter(c, cur)
      expect(evs.map((e) => [e.type, e.data])).toEqual([['balance.changed', { balance: 25 }]])
    }
  })

  it('an upper-case hex signature is the same signature', async () => {
    const { client, user } = await guest(server)
    const nonce = freshNonce()
    const res = await client.post('/api/balance/top-up', { amount: 2, nonce, signature: sign(user.id, 2, nonce).toUpperCase() })
    expect(res.status).toBe(200)
  })

  it('a replayed nonce is 409 nonce_used and credits nothing', async () => {
    const { client, user } = await guest(server)
    const nonce = freshNonce()
    const body = { amount: 10, nonce, signature: sign(user.id, 10, nonce) }
    expect((await client.post('/api/balance/top-up', body)).status).toBe(200)
    expectError(await client.post('/api/balance/top-up', body), 409, 'nonce_used')
    expect(await balanceOf(client)).toBe(10)
  })

  it('10 concurrent replays of one signed top-up: exactly one credits', async () => {
    const { client, user } = await guest(server)
    const nonce = freshNonce()
    const body = { amount: 7, nonce, signature: sign(user.id, 7, nonce) }
    const results = await Promise.all(Array.from({ length: 10 }, () => client.post('/api/balance/top-up', body)))
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 409, 'nonce_used')
    expect(await balanceOf(client)).toBe(7)
  })

  it('a forged signature is 403 bad_signature: wrong key, another user, another amount, garbage', async () => {
    const { client, user } = await guest(server)
    const other = await guest(server)
    const nonce = freshNonce()
    const tries = [
      sign(user.id, 5, nonce, 'wrong-secret'),
      sign(other.user.id, 5, nonce),
      sign(user.id, 50, nonce),
      'not-a-signature',
      createHmac('md5', SECRET).update(`${user.id}:5:${nonce}`).digest('hex'),
    ]
    for (const signature of tries) expectError(await client.post('/api/balance/top-up', { amount: 5, nonce, signature }), 403, 'bad_signature')
    expect(await balanceOf(client)).toBe(0)
    // The nonce was never consumed by the failures.
    expect((await client.post('/api/balance/top-up', { amount: 5, nonce, signature: sign(user.id, 5, nonce) })).status).toBe(200)
  })

  it('a negative, zero, fractional, textual or huge amount is 400 and nothing is credited', async () => {
    const { client, user } = await guest(server)
    for (const amount of [-5, 0, 1.5, '5', 1e12, Number.MAX_SAFE_INTEGER + 2]) {
      const nonce = freshNonce()
      const res = await client.post('/api/balance/top-up', { amount, nonce, signature: sign(user.id, amount, nonce) })
      expectError(res, 400, 'invalid_request')
    }
    expectError(await client.post('/api/balance/top-up', { amount: 1, nonce: 'has space', signature: 'x' }), 400, 'invalid_request')
    expectError(await client.post('/api/balance/top-up', { amount: 1, nonce: 'n', signature: 'x', user_id: 1 }), 400, 'unknown_field')
    expect(await balanceOf(client)).toBe(0)
  })

  it('without PAYMENT_SECRET every top-up is 403 bad_signature', async () => {
    const bare = await startTestServer()
    try {
      const { client, user } = await guest(bare)
      const nonce = 'abc'
      expectError(await client.post('/api/balance/top-up', { amount: 5, nonce, signature: sign(user.id, 5, nonce) }), 403, 'bad_signature')
      expectError(await client.post('/api/balance/top-up', { amount: 5, nonce, signature: createHmac('sha256', '').update(`${user.id}:5:${nonce}`).digest('hex') }), 403, 'bad_signature')
    } finally {
      await bare.close()
    }
  })
})

describe('free coins', () => {
  it('adds FREE_COINS_AMOUNT once per network per 24 h; 429 too_soon with Retry-After in between', async () => {
    const { client } = await guest(server)
    const cursor = await cursorOf(client)
    const first = await client.post('/api/me/free-coins', { network: 'vk' })
    expect(first.status).toBe(200)
    expect(first.body.data.balance).toBe(5)
    const nextAt = Date.parse(first.body.data.next_at)
    expect(nextAt - server.clock.now()).toBeGreaterThan(23.9 * 3600_000)
    expect((await eventsAfter(client, cursor)).map((e) => [e.type, e.data])).toEqual([['balance.changed', { balance: 5 }]])

    const again = await client.post('/api/me/free-coins', { network: 'vk' })
    expectError(again, 429, 'too_soon')
    const retry = Number(again.headers.get('retry-after'))
    expect(retry).toBeGreaterThan(23 * 3600)
    expect(retry).toBeLessThanOrEqual(24 * 3600)

    // Another network is its own clock.
    expect((await client.post('/api/me/free-coins', { network: 'facebook' })).body.data.balance).toBe(10)

    server.clock.advance(23 * 3600_000)
    const later = await client.post('/api/me/free-coins', { network: 'vk' })
    expectError(later, 429, 'too_soon')
    expect(Number(later.headers.get('retry-after'))).toBeLessThanOrEqual(3600)
    server.clock.advance(3600_000)
    const next = await client.post('/api/me/free-coins', { network: 'vk' })
    expect(next.status).toBe(200)
    expect(next.body.data.balance).toBe(15)
  })

  it('concurrent claims for one network credit once', async () => {
    const { client } = await guest(server)
    const results = await Promise.all(Array.from({ length: 5 }, () => client.post('/api/me/free-coins', { network: 'twitter' })))
    expect(results.filter((r) => r.status === 200)).toHaveLength(1)
    expect(await balanceOf(client)).toBe(5)
  })

  it('an unknown network is 400', async () => {
    const { client } = await guest(server)
    expectError(await client.post('/api/me/free-coins', { network: 'myspace' }), 400, 'invalid_request')
    expectError(await client.post('/api/me/free-coins', {}), 400, 'invalid_request')
  })
})

describe('gifts in a room', () => {
  async function roomWith(owner: Client, ...members: Client[]) {
    const res = await owner.post('/api/rooms', { name: `gifts ${freshNonce()}` })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const roomId = res.body.data.room.id as number
    for (const m of members) expect((await m.post(`/api/rooms/${roomId}/join`, {})).status).toBe(200)
    return roomId
  }

  it('with room_id both are in, the room gets a gift service message (recipient as user_id, giver as actor_id)', async () => {
    const gift = await newGift(3)
    const giver = await registerUser(server)
    const taker = await guest(server)
    const watcher = await guest(server)
    const roomId = await roomWith(giver.client, taker.client, watcher.client)
    await topUp(giver.client, giver.user.id, 3)
    const cursor = await cursorOf(watcher.client)
    const res = await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: taker.user.id, room_id: roomId, text: 'cheers' })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.data).toMatchObject({ balance: 0, sent_gift: { room_id: roomId, to_id: taker.user.id } })

    const service = { type: 'gift', user_id: taker.user.id, actor_id: giver.user.id }
    const events = (await eventsAfter(watcher.client, cursor)).filter((e) => e.type === 'message.created')
    expect(events.map((e) => e.data.message)).toEqual([expect.objectContaining({ room_id: roomId, kind: 'service', service })])
    const history = await taker.client.get(`/api/rooms/${roomId}/messages`)
    expect(history.body.data.items.at(-1)).toMatchObject({ kind: 'service', service })
  })

  it('a room the giver or the recipient is not in is 403 not_member; nothing is paid or posted', async () => {
    const gift = await newGift(1)
    const giver = await registerUser(server)
    const taker = await guest(server)
    const outsider = await guest(server)
    await topUp(giver.client, giver.user.id, 1)
    const takersRoom = await roomWith(taker.client)
    expectError(await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: taker.user.id, room_id: takersRoom }), 403, 'not_member')
    const giversRoom = await roomWith(giver.client, outsider.client)
    expectError(await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: taker.user.id, room_id: giversRoom }), 403, 'not_member')
    expect(await balanceOf(giver.client)).toBe(1)
    const history = await giver.client.get(`/api/rooms/${giversRoom}/messages`)
    expect(history.body.data.items.filter((m: any) => m.service?.type === 'gift')).toEqual([])
    expect((await taker.client.get(`/api/users/${taker.user.id}/gifts`)).body.data.items).toEqual([])
  })

  it('a giver silenced in the room gets 403 silenced and pays nothing', async () => {
    const gift = await newGift(1)
    const owner = await guest(server)
    const giver = await registerUser(server)
    const taker = await guest(server)
    const roomId = await roomWith(owner.client, giver.client, taker.client)
    await topUp(giver.client, giver.user.id, 1)
    const until = new Date(server.clock.now() + 3600_000).toISOString()
    expect((await owner.client.post(`/api/rooms/${roomId}/silence`, { user_id: giver.user.id, until })).status).toBeLessThan(300)
    expectError(await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: taker.user.id, room_id: roomId }), 403, 'silenced')
    expect(await balanceOf(giver.client)).toBe(1)
  })
})
