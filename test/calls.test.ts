import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { endMissedCalls, RING_MS } from '../src/calls/calls.js'
import type { Client } from './helpers/client.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest } from './helpers/users.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

const CALL_TYPES = 'call.offer,call.answer,call.candidates,call.ended'
const OFFER = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'
const ANSWER = OFFER.replace('4611731400430051336', '1234')
const CANDIDATE = { candidate: 'candidate:842163049 1 udp 1677729535 203.0.113.5 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0', sdpMid: '0', sdpMLineIndex: 0 }

type Party = { client: Client; user: { id: number }; cursor: string }

async function party(): Promise<Party> {
  const { client, user } = await guest(server)
  const cursor = (await client.get('/api/poll')).body.data.cursor
  return { client, user, cursor }
}

/** Call events since this party's last look (and moves its cursor on). */
async function callEvents(p: Party) {
  const res = await p.client.get(`/api/poll?cursor=${p.cursor}&timeout=0&types=${CALL_TYPES}`)
  expect(res.status).toBe(200)
  p.cursor = res.body.data.cursor
  return res.body.data.events.map((e: any) => ({ type: e.type, data: e.data })) as { type: string; data: any }[]
}

async function ring(caller: Party, callee: Party, extra: Record<string, unknown> = {}) {
  const res = await caller.client.post('/api/calls', { user_id: callee.user.id, sdp: OFFER, ...extra })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.call as { id: number; caller_id: number; callee_id: number; state: string }
}

describe('a call from offer to hang-up', () => {
  it('offer, answer, candidates both ways and end reach only the other party, in order', async () => {
    const [alice, bob, eve] = [await party(), await party(), await party()]
    const res = await alice.client.post('/api/calls', { user_id: bob.user.id, sdp: OFFER, candidates: [CANDIDATE] })
    expect(res.status).toBe(201)
    const call = res.body.data.call
    expect(call).toMatchObject({ id: expect.any(Number), caller_id: alice.user.id, callee_id: bob.user.id, state: 'ringing' })

    const offers = await callEvents(bob)
    expect(offers).toEqual([{ type: 'call.offer', data: { call, sdp: OFFER, candidates: [CANDIDATE] } }])
    expect(await callEvents(alice)).toEqual([])

    const answered = await bob.client.post(`/api/calls/${call.id}/answer`, { sdp: ANSWER })
    expect(answered.status).toBe(200)
    expect(answered.body.data.call).toMatchObject({ id: call.id, state: 'active' })
    expect(answered.body.data.call.answered_at).toEqual(expect.any(String))
    expect(await callEvents(alice)).toEqual([{ type: 'call.answer', data: { call: answered.body.data.call, sdp: ANSWER, candidates: [] } }])

    expect((await alice.client.post(`/api/calls/${call.id}/candidates`, { candidates: [CANDIDATE] })).status).toBe(204)
    expect(await callEvents(bob)).toEqual([{ type: 'call.candidates', data: { call: answered.body.data.call, candidates: [CANDIDATE] } }])
    // A bare candidate line is accepted too.
    expect((await bob.client.post(`/api/calls/${call.id}/candidates`, { candidates: [CANDIDATE.candidate] })).status).toBe(204)
    expect((await callEvents(alice)).map((e) => [e.type, e.data.candidates])).toEqual([['call.candidates', [CANDIDATE.candidate]]])

    const ended = await bob.client.post(`/api/calls/${call.id}/end`, { reason: 'bye' })
    expect(ended.status).toBe(200)
    expect(ended.body.data.call).toMatchObject({ state: 'ended', end_reason: 'bye' })
    expect(await callEvents(alice)).toEqual([{ type: 'call.ended', data: { call: ended.body.data.call, reason: 'bye' } }])
    expect(await callEvents(bob)).toEqual([])
    expect(await callEvents(eve)).toEqual([])
  })

  it('ending without a reason says who ended it: cancelled by the caller, declined by the callee, hangup once active', async () => {
    const [a, b] = [await party(), await party()]
    const c1 = await ring(a, b)
    expect((await a.client.post(`/api/calls/${c1.id}/end`)).body.data.call.end_reason).toBe('cancelled')
    const c2 = await ring(a, b)
    expect((await b.client.post(`/api/calls/${c2.id}/end`, {})).body.data.call.end_reason).toBe('declined')
    const c3 = await ring(a, b)
    await b.client.post(`/api/calls/${c3.id}/answer`, { sdp: ANSWER })
    expect((await a.client.post(`/api/calls/${c3.id}/end`, {})).body.data.call.end_reason).toBe('hangup')
    const told = (await callEvents(b)).filter((e) => e.type === 'call.ended').map((e) => e.data.reason)
    expect(told).toEqual(['cancelled', 'hangup'])
  })
})

describe('who may do what', () => {
  it('a third party answering, sending candidates or ending someone else’s call gets 404, and nothing changes', async () => {
    const [a, b, eve] = [await party(), await party(), await party()]
    const call = await ring(a, b)
    expectError(await eve.client.post(`/api/calls/${call.id}/answer`, { sdp: ANSWER }), 404, 'not_found')
    expectError(await eve.client.post(`/api/calls/${call.id}/candidates`, { candidates: [CANDIDATE] }), 404, 'not_found')
    expectError(await eve.client.post(`/api/calls/${call.id}/end`, {}), 404, 'not_found')
    await callEvents(b)
    expect(await callEvents(a)).toEqual([])
    expect(await callEvents(b)).toEqual([])
    // The call still rings for its callee.
    expect((await b.client.post(`/api/calls/${call.id}/answer`, { sdp: ANSWER })).status).toBe(200)
  })

  it('an unknown call is 404', async () => {
    const a = await party()
    expectError(await a.client.post('/api/calls/999999/answer', { sdp: ANSWER }), 404, 'not_found')
    expectError(await a.client.post('/api/calls/999999/end', {}), 404, 'not_found')
  })

  it('the caller cannot answer their own call: 403', async () => {
    const [a, b] = [await party(), await party()]
    const call = await ring(a, b)
    expectError(await a.client.post(`/api/calls/${call.id}/answer`, { sdp: ANSWER }), 403, 'forbidden')
  })

  it('answering a call that is active or ended is 409; so are candidates for and ending an ended call', async () => {
    const [a, b] = [await party(), await party()]
    const call = await ring(a, b)
    expect((await b.client.post(`/api/calls/${call.id}/answer`, { sdp: ANSWER })).status).toBe(200)
    expectError(await b.client.post(`/api/calls/${call.id}/answer`, { sdp: ANSWER }), 409, 'conflict')
    expect((await a.client.post(`/api/calls/${call.id}/end`, {})).status).toBe(200)
    expectError(await b.client.post(`/api/calls/${call.id}/answer`, { sdp: ANSWER }), 409, 'conflict')
    expectError(await b.client.post(`/api/calls/${call.id}/candidates`, { candidates: [CANDIDATE] }), 409, 'conflict')
    expectError(await b.client.post(`/api/calls/${call.id}/end`, {}), 409, 'conflict')
  })

  it('calling oneself is 400; calling an unknown user is 404; no session is 401', async () => {
    const a = await party()
    expectError(await a.client.post('/api/calls', { user_id: a.user.id, sdp: OFFER }), 400, 'invalid_request')
    expectError(await a.client.post('/api/calls', { user_id: 999_999, sdp: OFFER }), 404, 'not_found')
    expectError(await server.client().post('/api/calls', { user_id: a.user.id, sdp: OFFER }), 401, 'not_signed_in')
  })
})

describe('missed calls', () => {
  it('a call unanswered for 60 s ends as missed and both sides are told', async () => {
    const [a, b] = [await party(), await party()]
    const call = await ring(a, b)
    await callEvents(b)
    server.clock.advance(RING_MS - 1000)
    await endMissedCalls(server.deps)
    expect(await callEvents(a)).toEqual([])
    server.clock.advance(1000)
    expect(await endMissedCalls(server.deps)).toBeGreaterThanOrEqual(1)
    for (const p of [a, b]) {
      const evs = await callEvents(p)
      expect(evs).toEqual([{ type: 'call.ended', data: { call: expect.objectContaining({ id: call.id, state: 'ended', end_reason: 'missed' }), reason: 'missed' } }])
    }
    expectError(await b.client.post(`/api/calls/${call.id}/answer`, { sdp: ANSWER }), 409, 'conflict')
    // A second sweep finds nothing more to tell.
    await endMissedCalls(server.deps)
    expect(await callEvents(a)).toEqual([])
  })

  it('answering after 60 s, before the sweep ran, is 409 and the call is missed for both', async () => {
    const [a, b] = [await party(), await party()]
    const call = await ring(a, b)
    await callEvents(b)
    server.clock.advance(RING_MS)
    expectError(await b.client.post(`/api/calls/${call.id}/answer`, { sdp: ANSWER }), 409, 'conflict')
    for (const p of [a, b]) expect((await callEvents(p)).map((e) => [e.type, e.data.reason])).toEqual([['call.ended', 'missed']])
  })

  it('an answered call is not swept as missed', async () => {
    const [a, b] = [await party(), await party()]
    const call = await ring(a, b)
    await b.client.post(`/api/calls/${call.id}/answer`, { sdp: ANSWER })
    server.clock.advance(RING_MS * 2)
    await endMissedCalls(server.deps)
    expect(await callEvents(a)).toEqual([{ type: 'call.answer', data: expect.anything() }])
    expect((await a.client.post(`/api/calls/${call.id}/candidates`, { candidates: [CANDIDATE] })).status).toBe(204)
  })
})

describe('bounds', () => {
  it('an over-long SDP, too many or too long candidates, and unknown fields are 400', async () => {
    const [a, b] = [await party(), await party()]
    const long = 'a'.repeat(49 * 1024)
    expectError(await a.client.post('/api/calls', { user_id: b.user.id, sdp: long }), 400, 'invalid_request')
    expectError(await a.client.post('/api/calls', { user_id: b.user.id, sdp: '' }), 400, 'invalid_request')
    expectError(await a.client.post('/api/calls', { user_id: b.user.id, sdp: OFFER, candidates: new Array(33).fill(CANDIDATE) }), 400, 'invalid_request')
    expectError(await a.client.post('/api/calls', { user_id: b.user.id, sdp: OFFER, candidates: ['c'.repeat(513)] }), 400, 'invalid_request')
    expectError(await a.client.post('/api/calls', { user_id: b.user.id, sdp: OFFER, candidates: [{ ...CANDIDATE, extra: 1 }] }), 400, 'unknown_field')
    expectError(await a.client.post('/api/calls', { user_id: b.user.id, sdp: OFFER, video: true }), 400, 'unknown_field')
    const call = await ring(a, b)
    expectError(await a.client.post(`/api/calls/${call.id}/candidates`, { candidates: [] }), 400, 'invalid_request')
    expectError(await a.client.post(`/api/calls/${call.id}/end`, { reason: 'x'.repeat(201) }), 400, 'invalid_request')
    expect(await callEvents(b)).toHaveLength(1) // only the valid offer
  })

  it('a body over 64 KiB is 413', async () => {
    const [a, b] = [await party(), await party()]
    expectError(await a.client.post('/api/calls', { user_id: b.user.id, sdp: 'a'.repeat(65 * 1024) }), 413, 'payload_too_large')
  })

  it('more than 20 calls a minute from one caller is 429 rate_limited with Retry-After', async () => {
    const [a, b] = [await party(), await party()]
    for (let i = 0; i < 20; i++) await ring(a, b)
    const res = await a.client.post('/api/calls', { user_id: b.user.id, sdp: OFFER })
    expectError(res, 429, 'rate_limited')
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
  })
})
