// POST /api/auth/verify-email/resend (API.md §16): 202 always; a new link only for an unverified
// account; at most 3 sends per address per hour.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, registerUser, uniqueName } from './helpers/users.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
  await registerUser(server) // the site admin
})
afterAll(() => server.close())

const mailsTo = (to: string) => server.outbox().filter((e) => e.to === to)
const resend = (email: string) => server.client().post('/api/auth/verify-email/resend', { email })
const linkIn = (text: string) => /\/api\/auth\/verify-email\?token=([\w-]+)/.exec(text)![1]!

async function unverified() {
  const username = uniqueName()
  const email = `${username}@example.test`
  const client = server.client()
  expect((await client.post('/api/auth/register', { username, email, password: 'correct horse battery' })).status).toBe(201)
  return { client, username, email }
}

// The mail is sent after the answer (its latency must not tell anything): wait for it.
async function waitForMails(to: string, count: number) {
  for (let i = 0; i < 100 && mailsTo(to).length < count; i++) await new Promise((r) => setTimeout(r, 20))
  return mailsTo(to)
}

describe('POST /api/auth/verify-email/resend', () => {
  it('sends a new working link to an unverified account (202)', async () => {
    const u = await unverified()
    const res = await resend(u.email.toUpperCase())
    expect(res.status).toBe(202)
    const mails = await waitForMails(u.email, 2)
    expect(mails).toHaveLength(2)
    const [first, second] = mails.map((m) => linkIn(m.text))
    expect(second).not.toBe(first)
    const verified = await server.client().get(`/api/auth/verify-email?token=${second}`, { headers: { accept: 'application/json' } })
    expect(verified.status).toBe(200)
    expect((await u.client.post('/api/auth/login', { login: u.username, password: 'correct horse battery' })).status).toBe(200)
  })

  it('answers 202 and sends nothing for a verified account or an unknown address', async () => {
    const v = await registerUser(server)
    const before = mailsTo(v.email).length
    expect((await resend(v.email)).status).toBe(202)
    const nobody = `${uniqueName()}@example.test`
    expect((await resend(nobody)).status).toBe(202)
    // A send for an unverified account, after both, shows the outbox is written by now.
    const u = await unverified()
    await resend(u.email)
    await waitForMails(u.email, 2)
    expect(mailsTo(v.email)).toHaveLength(before)
    expect(mailsTo(nobody)).toHaveLength(0)
  })

  it('a flood gets 202 every time but at most 3 emails an hour per address; the next hour sends again', async () => {
    const u = await unverified()
    for (let i = 0; i < 10; i++) expect((await resend(u.email)).status).toBe(202)
    // The registration's email and three more.
    expect(await waitForMails(u.email, 4)).toHaveLength(4)
    server.clock.advance(3600_000 + 1000)
    expect((await resend(u.email)).status).toBe(202)
    // The hour's fifth send came after the flood's: a fourth of the flood would be here by now.
    expect(await waitForMails(u.email, 5)).toHaveLength(5)
  })

  it('refuses a body that is not one email address (400)', async () => {
    expectError(await server.client().post('/api/auth/verify-email/resend', { email: 'not an address' }), 400, 'invalid_request')
    expectError(await server.client().post('/api/auth/verify-email/resend', {}), 400, 'invalid_request')
    expectError(await server.client().post('/api/auth/verify-email/resend', { email: 'a@example.test', x: 1 }), 400, 'unknown_field')
  })
})
