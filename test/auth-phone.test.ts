// API.md §3: phone sign-in by a 6-digit SMS code (E.164, 10 min, 5 tries, codes stored hashed).
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeIn, inDb, sessionCookieLine } from './helpers/accounts.js'
import { lastMessageTo, startTestServer, type TestServer } from './helpers/server.js'
import { expectError } from './helpers/users.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

// Valid numbers in distinct countries' plans (libphonenumber checks the ranges).
let next = 2671
const freshPhone = () => `+1415555${String(next++).padStart(4, '0')}`

async function requestCode(phone: string, asTyped = phone) {
  const res = await server.client().post('/api/auth/phone', { phone: asTyped })
  return { res, code: codeIn(lastMessageTo(server, phone).text) }
}

describe('POST /api/auth/phone', () => {
  it('201 when it creates the account, 200 when the phone is known, and an SMS with the 6-digit code', async () => {
    const phone = freshPhone()
    const first = await requestCode(phone)
    expect(first.res.status).toBe(201)
    const sms = lastMessageTo(server, phone)
    expect(sms.channel).toBe('sms')
    expect(sms.subject).toBeUndefined()
    expect(sms.text.match(/\d{6}/g)).toEqual([first.code])
    const again = await requestCode(phone)
    expect(again.res.status).toBe(200)
  })

  it('takes the number with or without +, with spaces or a 00 prefix, and normalizes it to E.164', async () => {
    const phone = freshPhone()
    const digits = phone.slice(1)
    expect((await requestCode(phone, digits)).res.status).toBe(201)
    expect((await requestCode(phone, `+${digits.slice(0, 1)} ${digits.slice(1, 4)} ${digits.slice(4, 7)}-${digits.slice(7)}`)).res.status).toBe(200)
    expect((await requestCode(phone, `00${digits}`)).res.status).toBe(200)
    const { code } = await requestCode(phone)
    const res = await server.client().post('/api/auth/phone/verify', { phone: digits, code })
    expect(res.status).toBe(200)
    expect(res.body.data.user).toMatchObject({ kind: 'phone', phone })
  })

  it('400 invalid_phone for something that is not a phone number', async () => {
    const c = server.client()
    // Any string that is not a phone, whatever its length ("12", "not a phone", a paragraph), is invalid_phone.
    for (const phone of ['abc', '+1234', '+1 415 555', '12345678901234567890', '+999 123 456 789', 'not a phone', '12', '', ' ', '+1'.padEnd(40, '5')]) {
      const res = await c.post('/api/auth/phone', { phone })
      expectError(res, 400, 'invalid_phone')
      expect(res.body.error.details[0].path).toBe('phone')
    }
    expectError(await c.post('/api/auth/phone', {}), 400, 'invalid_request')
    expectError(await c.post('/api/auth/phone', { phone: 14155552671 }), 400, 'invalid_request')
    expectError(await c.post('/api/auth/phone', { phone: '+14155552671', code: '1' }), 400, 'unknown_field')
  })
})

describe('POST /api/auth/phone/verify', () => {
  it('the right code signs in with a cookie; a phone account is not an email account', async () => {
    const phone = freshPhone()
    const { code } = await requestCode(phone)
    const c = server.client()
    const res = await c.post('/api/auth/phone/verify', { phone, code })
    expect(res.status).toBe(200)
    sessionCookieLine(res.headers)
    expect(res.body.data.user).toMatchObject({ kind: 'phone', phone, email: null, username: null })
    expect((await c.get('/api/me')).body.data.user.phone).toBe(phone)
  })

  it('a code works once', async () => {
    const phone = freshPhone()
    const { code } = await requestCode(phone)
    expect((await server.client().post('/api/auth/phone/verify', { phone, code })).status).toBe(200)
    expectError(await server.client().post('/api/auth/phone/verify', { phone, code }), 401, 'invalid_code')
  })

  it('401 invalid_code for a wrong code, an unknown phone, or a malformed code (400)', async () => {
    const phone = freshPhone()
    const { code } = await requestCode(phone)
    const wrong = code === '000000' ? '000001' : '000000'
    const c = server.client()
    expectError(await c.post('/api/auth/phone/verify', { phone, code: wrong }), 401, 'invalid_code')
    expectError(await c.post('/api/auth/phone/verify', { phone: freshPhone(), code }), 401, 'invalid_code')
    expectError(await c.post('/api/auth/phone/verify', { phone, code: '12345' }), 400, 'invalid_request')
    expectError(await c.post('/api/auth/phone/verify', { phone, code: 123456 }), 400, 'invalid_request')
    expectError(await c.post('/api/auth/phone/verify', { phone: 'nope', code }), 400, 'invalid_phone')
    expectError(await c.post('/api/auth/phone/verify', { phone: 'no', code }), 400, 'invalid_phone')
    expectError(await c.get('/api/me'), 401, 'not_signed_in')
  })

  it('a new code replaces the old one', async () => {
    const phone = freshPhone()
    const old = await requestCode(phone)
    let fresh = await requestCode(phone)
    while (fresh.code === old.code) fresh = await requestCode(phone)
    expectError(await server.client().post('/api/auth/phone/verify', { phone, code: old.code }), 401, 'invalid_code')
    expect((await server.client().post('/api/auth/phone/verify', { phone, code: fresh.code })).status).toBe(200)
  })

  it('a code expires after 10 minutes', async () => {
    const phone = freshPhone()
    const { code } = await requestCode(phone)
    server.clock.advance(10 * 60_000 + 1000)
    expectError(await server.client().post('/api/auth/phone/verify', { phone, code }), 401, 'invalid_code')
  })

  it('after 5 wrong tries even the right code fails, until a new code is sent', async () => {
    const phone = freshPhone()
    const { code } = await requestCode(phone)
    const wrong = code === '999999' ? '999998' : '999999'
    const c = server.client()
    for (let i = 0; i < 5; i++) expectError(await c.post('/api/auth/phone/verify', { phone, code: wrong }), 401, 'invalid_code')
    expectError(await c.post('/api/auth/phone/verify', { phone, code }), 401, 'invalid_code')
    const fresh = await requestCode(phone)
    expect((await c.post('/api/auth/phone/verify', { phone, code: fresh.code })).status).toBe(200)
  })

  it('stores the code only as a hash', async () => {
    const phone = freshPhone()
    const { code } = await requestCode(phone)
    const row = (await inDb(server, 'select * from phone_codes where phone = ?', [phone]))[0]!
    expect(JSON.stringify(row)).not.toContain(code)
    expect(row.code_hash).toBe(createHash('sha256').update(code).digest('hex'))
  })
})
