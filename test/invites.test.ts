// API.md §3: POST /api/invites and the invite bonus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeIn } from './helpers/accounts.js'
import { cursorOf, eventsAfter } from './helpers/events.js'
import { lastMessageTo, startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest, registerUser, uniqueName } from './helpers/users.js'
import type { Client } from './helpers/client.js'

let server: TestServer
beforeAll(async () => {
  // The daily cap is off here (these tests send 50 at once); 'the daily limit' below has its own server.
  server = await startTestServer({ INVITE_DAILY_LIMIT: '0' })
})
afterAll(() => server.close())

let nextPhone = 1000
const freshPhone = () => `+4420794${String(nextPhone++).padStart(5, '0')}`
const balanceOf = async (c: Client) => (await c.get('/api/me')).body.data.user.balance as number

async function registerAndVerify(email: string) {
  const c = server.client()
  const username = uniqueName()
  expect((await c.post('/api/auth/register', { username, email, password: 'long enough' })).status).toBe(201)
  const token = /verify-email\?token=([\w-]+)/.exec(lastMessageTo(server, email).text)![1]
  return { client: c, username, verify: () => c.get(`/api/auth/verify-email?token=${token}`, { headers: { accept: 'application/json' } }) }
}

async function phoneSignUp(phone: string) {
  const c = server.client()
  expect((await c.post('/api/auth/phone', { phone })).status).toBe(201)
  return { client: c, verify: () => c.post('/api/auth/phone/verify', { phone, code: codeIn(lastMessageTo(server, phone).text) }) }
}

describe('POST /api/invites', () => {
  it('202 {sent}: an email and an SMS per entry, written to the outbox', async () => {
    const { client, user } = await registerUser(server)
    await client.patch('/api/me', { nickname: 'Inviting Ines' })
    const email = `${uniqueName('friend')}@example.test`
    const phone = freshPhone()
    const res = await client.post('/api/invites', { emails: [email], phones: [phone.slice(1)] })
    expect(res.status).toBe(202)
    expect(res.body).toEqual({ data: { sent: 2 } })
    const mail = lastMessageTo(server, email)
    // The inviter's name is in the text; the subject is fixed (no user text in a header, API.md §13).
    expect(mail).toMatchObject({ channel: 'email', subject: 'You are invited to Parley', text: expect.stringContaining('Inviting Ines') })
    expect(lastMessageTo(server, phone)).toMatchObject({ channel: 'sms', text: expect.stringContaining('Inviting Ines') })
    expect(user.id).toBeGreaterThan(0)
  })

  it('more than 50 in all is 400 and sends nothing', async () => {
    const { client } = await registerUser(server)
    const before = server.outbox().length
    const emails = (n: number) => Array.from({ length: n }, (_, i) => `bulk${i}-${uniqueName()}@example.test`)
    const phones = (n: number) => Array.from({ length: n }, () => freshPhone())
    expectError(await client.post('/api/invites', { emails: emails(51) }), 400, 'invalid_request')
    expectError(await client.post('/api/invites', { emails: emails(25), phones: phones(26) }), 400, 'invalid_request')
    expect(server.outbox().length).toBe(before)
    expect((await client.post('/api/invites', { emails: emails(25), phones: phones(25) })).body.data.sent).toBe(50)
    expect(server.outbox().length).toBe(before + 50)
  })

  it('any bad entry is 400 and sends nothing', async () => {
    const { client } = await registerUser(server)
    const before = server.outbox().length
    const good = `${uniqueName()}@example.test`
    const badEmail = await client.post('/api/invites', { emails: [good, 'not-an-email'] })
    expectError(badEmail, 400, 'invalid_request')
    expect(badEmail.body.error.details[0].path).toBe('emails.1')
    const badPhone = await client.post('/api/invites', { emails: [good], phones: [freshPhone(), '12'] })
    expectError(badPhone, 400, 'invalid_phone')
    const invalidPhone = await client.post('/api/invites', { emails: [good], phones: [freshPhone(), '+1 234'] })
    expectError(invalidPhone, 400, 'invalid_phone')
    expect(invalidPhone.body.error.details[0].path).toBe('phones.1')
    expectError(await client.post('/api/invites', {}), 400, 'invalid_request')
    expectError(await client.post('/api/invites', { emails: [] }), 400, 'invalid_request')
    expectError(await client.post('/api/invites', { emails: good }), 400, 'invalid_request')
    expectError(await client.post('/api/invites', { emails: [good], sms: [] }), 400, 'unknown_field')
    expect(server.outbox().length).toBe(before)
  })

  it('guests may not invite: 403 forbidden, nothing sent', async () => {
    const { client } = await guest(server)
    const before = server.outbox().length
    expectError(await client.post('/api/invites', { emails: [`${uniqueName()}@example.test`] }), 403, 'forbidden')
    expect(server.outbox().length).toBe(before)
  })

  it('a nickname never reaches the subject, whatever it holds', async () => {
    const { client } = await registerUser(server)
    expect((await client.patch('/api/me', { nickname: 'Bcc me' })).status).toBe(200)
    const email = `${uniqueName('subject')}@example.test`
    expect((await client.post('/api/invites', { emails: [email] })).status).toBe(202)
    expect(lastMessageTo(server, email).subject).toBe('You are invited to Parley')
  })

  it('401 when signed out', async () => {
    expectError(await server.client().post('/api/invites', { emails: ['a@example.test'] }), 401, 'not_signed_in')
  })
})

describe('the daily limit (INVITE_DAILY_LIMIT)', () => {
  it('20 addresses or phones per 24 h by default: a request that would pass it is 429 with Retry-After and sends nothing', async () => {
    const capped = await startTestServer()
    try {
      const { client } = await registerUser(capped)
      const emails = (n: number) => Array.from({ length: n }, () => `${uniqueName('daily')}@example.test`)
      expect((await client.post('/api/invites', { emails: emails(15) })).body.data.sent).toBe(15)
      const before = capped.outbox().length
      const over = await client.post('/api/invites', { emails: emails(3), phones: [`+4420795${String(nextPhone++).padStart(5, '0')}`, `+4420795${String(nextPhone++).padStart(5, '0')}`, `+4420795${String(nextPhone++).padStart(5, '0')}`] })
      expectError(over, 429, 'rate_limited')
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(23 * 3600)
      expect(capped.outbox().length).toBe(before)
      expect((await client.post('/api/invites', { emails: emails(5) })).body.data.sent).toBe(5)
      expectError(await client.post('/api/invites', { emails: emails(1) }), 429, 'rate_limited')
      capped.clock.advance(24 * 3600_000 + 1000)
      expect((await client.post('/api/invites', { emails: emails(20) })).body.data.sent).toBe(20)
    } finally {
      await capped.close()
    }
  })
})

describe('the invite bonus', () => {
  it('the first inviter of an email gets INVITE_BONUS once the invitee verifies it, with balance.changed; later inviters get nothing', async () => {
    const first = await registerUser(server)
    const second = await registerUser(server)
    const email = `${uniqueName('invitee')}@example.test`
    expect((await first.client.post('/api/invites', { emails: [email] })).status).toBe(202)
    expect((await second.client.post('/api/invites', { emails: [email] })).status).toBe(202)
    const cursor = await cursorOf(first.client)
    const invitee = await registerAndVerify(email)
    // Registering alone proves nothing: anyone can type an address.
    expect(await balanceOf(first.client)).toBe(0)
    expect((await invitee.verify()).status).toBe(200)
    expect(await balanceOf(first.client)).toBe(1)
    expect(await balanceOf(second.client)).toBe(0)
    const events = await eventsAfter(first.client, cursor)
    expect(events.filter((e) => e.type === 'balance.changed').map((e) => e.data)).toEqual([{ balance: 1 }])
  })

  it('is paid once per address, even if the account is deleted and made again', async () => {
    const inviter = await registerUser(server)
    const email = `${uniqueName('again')}@example.test`
    await inviter.client.post('/api/invites', { emails: [email] })
    const once = await registerAndVerify(email)
    await once.verify()
    expect(await balanceOf(inviter.client)).toBe(1)
    expect((await once.client.post('/api/auth/login', { login: email, password: 'long enough' })).status).toBe(200)
    expect((await once.client.delete('/api/me', { password: 'long enough' })).status).toBe(204)
    await inviter.client.post('/api/invites', { emails: [email] })
    await (await registerAndVerify(email)).verify()
    expect(await balanceOf(inviter.client)).toBe(1)
  })

  it('an invitation to an address that already had an account earns nothing', async () => {
    const inviter = await registerUser(server)
    const email = `${uniqueName('existing')}@example.test`
    const existing = await registerAndVerify(email)
    await inviter.client.post('/api/invites', { emails: [email] })
    await existing.verify()
    expect(await balanceOf(inviter.client)).toBe(0)
  })

  it('the first inviter of a phone gets the bonus when the phone signs in with its code', async () => {
    const inviter = await registerUser(server)
    const phone = freshPhone()
    expect((await inviter.client.post('/api/invites', { phones: [phone] })).status).toBe(202)
    const cursor = await cursorOf(inviter.client)
    const signUp = await phoneSignUp(phone)
    expect(await balanceOf(inviter.client)).toBe(0)
    expect((await signUp.verify()).status).toBe(200)
    expect(await balanceOf(inviter.client)).toBe(1)
    expect((await eventsAfter(inviter.client, cursor)).filter((e) => e.type === 'balance.changed')).toHaveLength(1)
    // Signing in again later pays nothing more.
    await signUp.client.post('/api/auth/phone', { phone })
    expect((await signUp.verify()).status).toBe(200)
    expect(await balanceOf(inviter.client)).toBe(1)
  })

  it('pays the configured INVITE_BONUS', async () => {
    const rich = await startTestServer({ INVITE_BONUS: '5' })
    try {
      const inviter = await registerUser(rich)
      const email = 'bonus-five@example.test'
      await inviter.client.post('/api/invites', { emails: [email] })
      const c = rich.client()
      await c.post('/api/auth/register', { username: 'bonusfive', email, password: 'long enough' })
      const token = /verify-email\?token=([\w-]+)/.exec(lastMessageTo(rich, email).text)![1]
      expect((await c.get(`/api/auth/verify-email?token=${token}`, { headers: { accept: 'application/json' } })).status).toBe(200)
      expect(await balanceOf(inviter.client)).toBe(5)
    } finally {
      await rich.close()
    }
  })
})

describe('GET /api/invites', () => {
  it('lists the caller’s invitations newest first; joined_at is set once the invited address proves a new account', async () => {
    const inviter = await registerUser(server)
    const other = await registerUser(server)
    const email = `${uniqueName('joiner')}@example.test`
    const phone = freshPhone()
    expect((await inviter.client.post('/api/invites', { emails: [email], phones: [phone] })).status).toBe(202)
    expect((await other.client.post('/api/invites', { emails: [`${uniqueName('theirs')}@example.test`] })).status).toBe(202)
    const before = await inviter.client.get('/api/invites')
    expect(before.status).toBe(200)
    expect(before.body.data.has_more).toBe(false)
    expect(before.body.data.items.map((i: any) => [i.email, i.phone, i.joined_at])).toEqual([
      [null, phone, null],
      [email, null, null],
    ])
    expect(before.body.data.items[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

    const invitee = await registerAndVerify(email)
    expect((await inviter.client.get('/api/invites')).body.data.items[1].joined_at).toBeNull() // registered, not proven
    expect((await invitee.verify()).status).toBe(200)
    const after = (await inviter.client.get('/api/invites')).body.data.items
    expect(after[1]).toMatchObject({ email, joined_at: expect.stringMatching(/Z$/) })
    expect(after[0].joined_at).toBeNull()
    // Paging, and nobody else's invitations.
    const page = (await inviter.client.get('/api/invites?limit=1&offset=1')).body.data
    expect(page).toMatchObject({ items: [{ email }], has_more: false })
    expect((await inviter.client.get('/api/invites?limit=1')).body.data.has_more).toBe(true)
    expect((await other.client.get('/api/invites')).body.data.items.map((i: any) => i.email)).not.toContain(email)
  })

  it('401 when signed out; a limit out of range is 400', async () => {
    expectError(await server.client().get('/api/invites'), 401, 'not_signed_in')
    const { client } = await registerUser(server)
    expectError(await client.get('/api/invites?limit=500'), 400, 'invalid_request')
    expectError(await client.get('/api/invites?offset=-1'), 400, 'invalid_request')
  })
})
