// API.md §5: complaints — filing about visible messages, who lists them, who resolves them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError } from './helpers/users.js'
import { cast, say, siteAdminOf, someone, type Who } from './helpers/moderation.js'

let server: TestServer
let site: Who
beforeAll(async () => {
  server = await startTestServer()
  site = await siteAdminOf(server)
})
afterAll(() => server.close())

async function complain(who: Who, messageId: number, text?: string) {
  const res = await who.client.post('/api/complaints', { message_id: messageId, ...(text !== undefined && { text }) })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.complaint
}

async function listOf(who: Who, query = '') {
  const res = await who.client.get(`/api/complaints${query}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data as { items: any[]; has_more: boolean }
}

describe('filing complaints', () => {
  it('a member complains about a room message (201): open, with the room and the message', async () => {
    const [admin, x, y] = [await someone(server), await someone(server), await someone(server)]
    const roomId = await cast(admin, [], [x, y])
    const msg = await say(x, roomId, 'rude words')
    const complaint = await complain(y, msg, '  insulting  ')
    expect(complaint).toMatchObject({ message_id: msg, room_id: roomId, reporter_id: y.user.id, text: 'insulting', status: 'open', resolved_by: null, resolved_at: null })
    expect(complaint.message).toMatchObject({ id: msg, text: 'rude words' })
    expect(typeof complaint.id).toBe('number')
  })

  it('a party of a dialog complains about a direct message (201, no room)', async () => {
    const [a, b] = [await someone(server), await someone(server)]
    const sent = await a.client.post(`/api/dialogs/${b.user.id}/messages`, { text: 'creepy' })
    const complaint = await complain(b, sent.body.data.message.id)
    expect(complaint).toMatchObject({ room_id: null, reporter_id: b.user.id, text: null, status: 'open' })
  })

  it('refuses messages the caller cannot see (404): another room, another dialog, deleted, unknown', async () => {
    const [admin, x, outsider, b] = [await someone(server), await someone(server), await someone(server), await someone(server)]
    const roomId = await cast(admin, [], [x])
    const roomMsg = await say(x, roomId, 'members only')
    const dm = (await x.client.post(`/api/dialogs/${b.user.id}/messages`, { text: 'private' })).body.data.message.id
    expectError(await outsider.client.post('/api/complaints', { message_id: roomMsg }), 404, 'not_found')
    expectError(await outsider.client.post('/api/complaints', { message_id: dm }), 404, 'not_found')
    // Even a site admin outside the room or dialog does not see it.
    expectError(await site.client.post('/api/complaints', { message_id: dm }), 404, 'not_found')
    const gone = await say(x, roomId, 'deleted soon')
    expect((await x.client.delete(`/api/messages/${gone}`)).status).toBe(204)
    expectError(await admin.client.post('/api/complaints', { message_id: gone }), 404, 'not_found')
    expectError(await admin.client.post('/api/complaints', { message_id: 99999999 }), 404, 'not_found')
    const stored = await server.deps.db.selectFrom('complaints').select('id').where('reporter_id', 'in', [outsider.user.id, site.user.id, admin.user.id]).execute()
    expect(stored).toEqual([])
  })

  it('refuses a second open complaint about the same message (409), bad bodies (400) and no session (401)', async () => {
    const [admin, x, y] = [await someone(server), await someone(server), await someone(server)]
    const roomId = await cast(admin, [], [x, y])
    const msg = await say(x, roomId, 'again')
    await complain(y, msg)
    expectError(await y.client.post('/api/complaints', { message_id: msg }), 409, 'conflict')
    expectError(await y.client.post('/api/complaints', {}), 400, 'invalid_request')
    expectError(await y.client.post('/api/complaints', { message_id: msg, text: 'x'.repeat(2001) }), 400, 'invalid_request')
    expectError(await y.client.post('/api/complaints', { message_id: msg, status: 'resolved' }), 400, 'unknown_field')
    expectError(await server.client().post('/api/complaints', { message_id: msg }), 401, 'not_signed_in')
  })
})

describe('listing and handling complaints', () => {
  it('site admins see all; room admins their rooms’ only; others nothing; status filter and paging', async () => {
    const [adminA, adminB, x, y] = [await someone(server), await someone(server), await someone(server), await someone(server)]
    const roomA = await cast(adminA, [], [x, y])
    const roomB = await cast(adminB, [], [x, y])
    const inA = await complain(y, await say(x, roomA, 'a1'))
    const inA2 = await complain(x, await say(y, roomA, 'a2'))
    const inB = await complain(y, await say(x, roomB, 'b1'))
    const inDm = await complain(y, (await x.client.post(`/api/dialogs/${y.user.id}/messages`, { text: 'dm' })).body.data.message.id)

    expect((await listOf(adminA)).items.map((c) => c.id)).toEqual([inA2.id, inA.id])
    expect((await listOf(adminB)).items.map((c) => c.id)).toEqual([inB.id])
    expect((await listOf(x)).items).toEqual([])
    const all = (await listOf(site)).items.map((c) => c.id)
    expect(all.slice(0, 4)).toEqual([inDm.id, inB.id, inA2.id, inA.id])

    const page = await listOf(adminA, '?limit=1')
    expect(page.items.map((c) => c.id)).toEqual([inA2.id])
    expect(page.has_more).toBe(true)
    expect((await listOf(adminA, '?limit=1&offset=1')).has_more).toBe(false)

    const resolved = await adminA.client.patch(`/api/complaints/${inA.id}`, { status: 'resolved' })
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200)
    expect(resolved.body.data.complaint).toMatchObject({ id: inA.id, status: 'resolved', resolved_by: adminA.user.id })
    expect(resolved.body.data.complaint.resolved_at).toMatch(/Z$/)
    expect((await listOf(adminA, '?status=open')).items.map((c) => c.id)).toEqual([inA2.id])
    expect((await listOf(adminA, '?status=resolved')).items.map((c) => c.id)).toEqual([inA.id])
    expectError(await adminA.client.get('/api/complaints?status=closed'), 400, 'invalid_request')
    expectError(await adminA.client.get('/api/complaints?limit=201'), 400, 'invalid_request')

    // Site admins handle any complaint, direct-message ones included.
    const dismissed = await site.client.patch(`/api/complaints/${inDm.id}`, { status: 'dismissed' })
    expect(dismissed.body.data.complaint).toMatchObject({ status: 'dismissed', resolved_by: site.user.id })
    expect((await site.client.patch(`/api/complaints/${inB.id}`, { status: 'resolved' })).status).toBe(200)
  })

  it('PATCH: the reporter gets 403, other rooms’ admins and members 404; bad status 400; unknown id 404', async () => {
    const [adminA, adminB, x, y] = [await someone(server), await someone(server), await someone(server), await someone(server)]
    const roomA = await cast(adminA, [y], [x])
    await cast(adminB, [], [])
    const c = await complain(x, await say(y, roomA, 'hmm'))
    expectError(await x.client.patch(`/api/complaints/${c.id}`, { status: 'resolved' }), 403, 'forbidden')
    expectError(await adminB.client.patch(`/api/complaints/${c.id}`, { status: 'resolved' }), 404, 'not_found')
    // A moderator is not the room's admin.
    expectError(await y.client.patch(`/api/complaints/${c.id}`, { status: 'resolved' }), 404, 'not_found')
    expectError(await adminA.client.patch(`/api/complaints/${c.id}`, { status: 'open' }), 400, 'invalid_request')
    expectError(await adminA.client.patch(`/api/complaints/${c.id}`, { status: 'resolved', note: 'x' }), 400, 'unknown_field')
    expectError(await adminA.client.patch('/api/complaints/99999999', { status: 'resolved' }), 404, 'not_found')
    const list = await listOf(adminA)
    expect(list.items.find((i) => i.id === c.id)?.status).toBe('open')
  })
})
