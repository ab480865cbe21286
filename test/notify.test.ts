// API.md §3 outgoing mail and SMS: the real @sendgrid/mail and Twilio REST code against local
// fakes, and the outbox files used without them (and always when OUTBOX_DIR is set).
import { statSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeIn } from './helpers/accounts.js'
import { formOf, jsonOf, startFakeSendGrid, startFakeTwilio, type FakeProvider } from './helpers/fakes.js'
import { lastMessageTo, startTestServer, type TestServer } from './helpers/server.js'

let sendgrid: FakeProvider
let twilio: FakeProvider
beforeAll(async () => {
  sendgrid = await startFakeSendGrid()
  twilio = await startFakeTwilio()
})
afterAll(async () => {
  await sendgrid.close()
  await twilio.close()
})

const SENDGRID = (url: string) => ({ SENDGRID_KEY: 'SG.fake-key-for-tests', SENDGRID_API_URL: url, MAIL_FROM: 'Parley <noreply@parley.test>' })
const TWILIO = (url: string) => ({ TWILIO_ACCOUNT_SID: 'AC0123456789abcdef', TWILIO_AUTH_TOKEN: 'twilio-secret', TWILIO_FROM: '+15005550006', TWILIO_API_URL: url })

async function withServer(env: Record<string, string>, fn: (s: TestServer) => Promise<void>) {
  const s = await startTestServer({ PUBLIC_URL: 'https://chat.example.test', ...env })
  try {
    await fn(s)
  } finally {
    await s.close()
  }
}

describe('email through SendGrid when SENDGRID_KEY is set', () => {
  it('posts the verification email to /v3/mail/send with the Bearer key and the link in the text', async () => {
    await withServer({ ...SENDGRID(sendgrid.url), OUTBOX_DIR: '' }, async (s) => {
      const before = sendgrid.requests.length
      const res = await s.client().post('/api/auth/register', { username: 'mailed', email: 'Mailed@Example.test', password: 'long enough' })
      expect(res.status).toBe(201)
      const [req] = (await sendgrid.waitFor(before + 1)).slice(before)
      expect(req!.method).toBe('POST')
      expect(req!.path).toBe('/v3/mail/send')
      expect(req!.headers.authorization).toBe('Bearer SG.fake-key-for-tests')
      expect(req!.headers['content-type']).toMatch(/^application\/json/)
      const body = jsonOf(req!)
      expect(body.personalizations).toEqual([{ to: [{ email: 'mailed@example.test' }] }])
      expect(body.from).toEqual({ email: 'noreply@parley.test', name: 'Parley' })
      expect(body.subject).toMatch(/confirm/i)
      const text = body.content.find((c: { type: string }) => c.type === 'text/plain').value as string
      const token = /https:\/\/chat\.example\.test\/api\/auth\/verify-email\?token=([\w-]+)/.exec(text)![1]
      // Without OUTBOX_DIR nothing is written to the outbox when a provider is configured.
      expect(s.outbox()).toEqual([])
      // And the link from the provider's copy works.
      const verified = await s.client().get(`/api/auth/verify-email?token=${token}`, { headers: { accept: 'application/json' } })
      expect(verified.status).toBe(200)
    })
  })

  it('also writes the outbox when OUTBOX_DIR is set', async () => {
    await withServer(SENDGRID(sendgrid.url), async (s) => {
      const before = sendgrid.requests.length
      await s.client().post('/api/auth/register', { username: 'both', email: 'both@example.test', password: 'long enough' })
      await sendgrid.waitFor(before + 1)
      expect(lastMessageTo(s, 'both@example.test').text).toContain('/api/auth/verify-email?token=')
    })
  })

  it('a refusing provider does not fail the registration; invitations count only what was sent', async () => {
    // Without verification, so the registered user can sign in although its email never left.
    await withServer({ ...SENDGRID(sendgrid.url), OUTBOX_DIR: '', REQUIRE_EMAIL_VERIFICATION: 'false' }, async (s) => {
      sendgrid.respondWith(500)
      try {
        const client = s.client()
        const res = await client.post('/api/auth/register', { username: 'unlucky', email: 'unlucky@example.test', password: 'long enough' })
        expect(res.status).toBe(201)
        // Guests may not invite (API.md §13): a registered user does.
        expect((await client.post('/api/auth/login', { login: 'unlucky', password: 'long enough' })).status).toBe(200)
        const invite = await client.post('/api/invites', { emails: ['friend1@example.test', 'friend2@example.test'] })
        expect(invite.status).toBe(202)
        expect(invite.body.data.sent).toBe(0)
      } finally {
        sendgrid.respondWith(202)
      }
    })
  })
})

describe('SMS through Twilio when TWILIO_* are set', () => {
  it('posts the sign-in code as a form with Basic auth to the Messages resource', async () => {
    await withServer({ ...TWILIO(twilio.url), OUTBOX_DIR: '' }, async (s) => {
      const before = twilio.requests.length
      const c = s.client()
      expect((await c.post('/api/auth/phone', { phone: '14155552671' })).status).toBe(201)
      const [req] = (await twilio.waitFor(before + 1)).slice(before)
      expect(req!.method).toBe('POST')
      expect(req!.path).toBe('/2010-04-01/Accounts/AC0123456789abcdef/Messages.json')
      expect(req!.headers.authorization).toBe(`Basic ${Buffer.from('AC0123456789abcdef:twilio-secret').toString('base64')}`)
      expect(req!.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/)
      const form = formOf(req!)
      expect(form.get('To')).toBe('+14155552671')
      expect(form.get('From')).toBe('+15005550006')
      const code = codeIn(form.get('Body')!)
      expect(s.outbox()).toEqual([])
      expect((await c.post('/api/auth/phone/verify', { phone: '+14155552671', code })).status).toBe(200)
    })
  })

  it('a refusing provider is logged, not turned into a failed request', async () => {
    await withServer({ ...TWILIO(twilio.url), OUTBOX_DIR: '' }, async (s) => {
      twilio.respondWith(400)
      try {
        expect((await s.client().post('/api/auth/phone', { phone: '+14155552672' })).status).toBe(201)
      } finally {
        twilio.respondWith(201)
      }
    })
  })
})

describe('the outbox without providers', () => {
  it('writes each email and SMS as one JSON file {channel, to, subject?, text, html?, created_at}', async () => {
    await withServer({}, async (s) => {
      await s.client().post('/api/auth/register', { username: 'boxed', email: 'boxed@example.test', password: 'long enough' })
      await s.client().post('/api/auth/phone', { phone: '+14155552673' })
      const [mail, sms] = s.outbox()
      const { file: mailFile, ...mailEntry } = mail!
      expect(Object.keys(mailEntry).sort()).toEqual(['channel', 'created_at', 'subject', 'text', 'to'])
      expect(mailEntry).toMatchObject({ channel: 'email', to: 'boxed@example.test', subject: expect.any(String) })
      expect(mailEntry.text).toContain('https://chat.example.test/api/auth/verify-email?token=')
      expect(new Date(mailEntry.created_at).toISOString()).toBe(mailEntry.created_at)
      const { file: _smsFile, ...smsEntry } = sms!
      expect(Object.keys(smsEntry).sort()).toEqual(['channel', 'created_at', 'text', 'to'])
      expect(smsEntry).toMatchObject({ channel: 'sms', to: '+14155552673' })
      codeIn(smsEntry.text)
      // Codes and links are secrets: the files are readable by the owner only.
      expect(statSync(`${s.outboxDir}/${mailFile}`).mode & 0o077).toBe(0)
    })
  })

  it('uses DATA_DIR/outbox when OUTBOX_DIR is not set', async () => {
    await withServer({ OUTBOX_DIR: '' }, async (s) => {
      expect(s.deps.config.outboxDir).toBeUndefined()
      await s.client().post('/api/auth/phone', { phone: '+14155552674' })
      expect(lastMessageTo(s, '+14155552674').channel).toBe('sms')
    })
  })
})
