// API.md §5: kick, ban, unban, silence, lift, moderators, the rank rule, message deletion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError } from './helpers/users.js'
import { cursorOf, eventsAfter, serviceEvents as services } from './helpers/events.js'
import { cast, memberIds, say, siteAdminOf, someone, type Who } from './helpers/moderation.js'
import { join, makeRoom } from './helpers/rooms.js'

let server: TestServer
let site: Who, site2: Who
beforeAll(async () => {
  server = await startTestServer()
  site = await siteAdminOf(server)
  // A second site admin, as `parley admin grant` would make one: equal ranks at the top meet too.
  site2 = await someone(server)
  await server.deps.db.updateTable('users').set({ role: 'admin' }).where('id', '=', site2.user.id).execute()
})
afterAll(() => server.close())

/** A fresh room: admin, one moderator, two members. */
async function room() {
  const [admin, mod, x, y] = [await someone(server), await someone(server), await someone(server), await someone(server)]
  const id = await cast(admin, [mod], [x, y])
  return { id, admin, mod, x, y }
}

describe('kick', () => {
  it('a moderator kicks a member: removed, told (with reason and ref) even after removal, may rejoin', async () => {
    const { id, admin, mod, x, y } = await room()
    const ref = await say(x, id, 'spam spam')
    const cursors = await Promise.all([admin, x, y].map(cursorOf))
    const res = await mod.client.post(`/api/rooms/${id}/kick`, { user_id: x.user.id, reason: 'spam', ref_message_id: ref })
    expect(res.status, JSON.stringify(res.body)).toBe(204)
    expect(await memberIds(admin, id)).not.toContain(x.user.id)
    const expected = { type: 'kicked', user_id: x.user.id, actor_id: mod.user.id, reason: 'spam', ref_message_id: ref }
    for (const [i, who] of [admin, x, y].entries()) expect(services(await eventsAfter(who, cursors[i]!))).toEqual([expected])
    // The kicked member's next send is refused at once; rejoining is allowed.
    expectError(await x.client.post(`/api/rooms/${id}/messages`, { text: 'still here?' }), 403, 'not_member')
    await join(x.client, id)
    await say(x, id, 'back')
    // The service message is in the room's history.
    const history = await admin.client.get(`/api/rooms/${id}/messages`)
    expect(history.body.data.items.map((m: any) => m.service?.type ?? null)).toContain('kicked')
  })

  it('refuses acting on oneself (400), on a user not in the room (404), on an unknown user (404), in an unknown room (404)', async () => {
    const { id, mod, admin } = await room()
    const outsider = await someone(server)
    expectError(await mod.client.post(`/api/rooms/${id}/kick`, { user_id: mod.user.id }), 400, 'invalid_request')
    expectError(await admin.client.post(`/api/rooms/${id}/ban`, { user_id: admin.user.id }), 400, 'invalid_request')
    expectError(await mod.client.post(`/api/rooms/${id}/kick`, { user_id: outsider.user.id }), 404, 'not_found')
    expectError(await mod.client.post(`/api/rooms/${id}/kick`, { user_id: 99999999 }), 404, 'not_found')
    expectError(await mod.client.post('/api/rooms/99999999/kick', { user_id: outsider.user.id }), 404, 'not_found')
  })

  it('refuses a ref_message_id of another room (400), bad bodies (400) and outsiders (403)', async () => {
    const { id, mod, x } = await room()
    const other = (await makeRoom(mod.client)).id
    const elsewhere = await say(mod, other, 'in another room')
    expectError(await mod.client.post(`/api/rooms/${id}/kick`, { user_id: x.user.id, ref_message_id: elsewhere }), 400, 'invalid_request')
    expectError(await mod.client.post(`/api/rooms/${id}/kick`, { user_id: x.user.id, reason: ' ' }), 400, 'invalid_request')
    expectError(await mod.client.post(`/api/rooms/${id}/kick`, { user_id: x.user.id, reason: 'r'.repeat(501) }), 400, 'invalid_request')
    expectError(await mod.client.post(`/api/rooms/${id}/kick`, { user_id: 'x' }), 400, 'invalid_request')
    expectError(await mod.client.post(`/api/rooms/${id}/kick`, { user_id: x.user.id, why: 'r' }), 400, 'unknown_field')
    const outsider = await someone(server)
    expectError(await outsider.client.post(`/api/rooms/${id}/kick`, { user_id: x.user.id }), 403, 'forbidden')
    expect(await memberIds(mod, id)).toContain(x.user.id)
  })

  it('a site admin outside the room may act in it; kicking the room admin hands the room over', async () => {
    const { id, admin, mod } = await room()
    const cAdmin = await cursorOf(admin)
    expect((await site.client.post(`/api/rooms/${id}/kick`, { user_id: admin.user.id })).status).toBe(204)
    const view = await mod.client.get(`/api/rooms/${id}`)
    expect(view.body.data.room.admin_id).toBe(mod.user.id)
    expect(services(await eventsAfter(admin, cAdmin))).toEqual([{ type: 'kicked', user_id: admin.user.id, actor_id: site.user.id }])
  })
})

describe('the rank rule: site admin > room admin > moderator > member', () => {
  type Rank = 'site' | 'admin' | 'mod' | 'member'
  const ranks: Rank[] = ['site', 'admin', 'mod', 'member']
  const order: Record<Rank, number> = { site: 4, admin: 3, mod: 2, member: 1 }
  const pairings = ranks.flatMap((actor) => ranks.map((target) => [actor, target] as const))

  it.each(pairings)('%s acting on %s', async (actorRank, targetRank) => {
    // Each pairing in a fresh room with two of every room rank, so equal ranks can meet.
    const admin = await someone(server)
    const [mod1, mod2, m1, m2] = [await someone(server), await someone(server), await someone(server), await someone(server)]
    const id = await cast(admin, [mod1, mod2], [m1, m2], site)
    await join(site2.client, id)
    const who: Record<Rank, [Who, Who]> = { site: [site, site2], admin: [admin, admin], mod: [mod1, mod2], member: [m1, m2] }
    const actor = who[actorRank][0]
    const target = who[targetRank][1]
    const res = await actor.client.post(`/api/rooms/${id}/kick`, { user_id: target.user.id })
    if (actor === target) expectError(res, 400, 'invalid_request')
    else if (order[actorRank] >= 2 && order[actorRank] > order[targetRank]) {
      expect(res.status, JSON.stringify(res.body)).toBe(204)
      expect(await memberIds(m1, id)).not.toContain(target.user.id)
    } else {
      expectError(res, 403, 'forbidden')
      expect(await memberIds(m1, id)).toContain(target.user.id)
    }
  })
})

describe('ban and unban', () => {
  it('a ban removes the member and blocks rejoining and posting; unban lifts it and tells the user', async () => {
    const { id, admin, mod, x } = await room()
    const cx = await cursorOf(x)
    expect((await admin.client.post(`/api/rooms/${id}/ban`, { user_id: x.user.id, reason: 'abuse' })).status).toBe(204)
    expect(services(await eventsAfter(x, cx))).toEqual([{ type: 'banned', user_id: x.user.id, actor_id: admin.user.id, reason: 'abuse' }])
    expectError(await x.client.post(`/api/rooms/${id}/messages`, { text: 'let me in' }), 403, 'banned')
    expectError(await x.client.post(`/api/rooms/${id}/join`), 403, 'banned')
    expectError(await admin.client.post(`/api/rooms/${id}/members`, { user_id: x.user.id }), 403, 'banned')
    expect((await mod.client.get(`/api/rooms/${id}`)).body.data.room.banned).toEqual([x.user.id])
    // Banning again: no longer a member.
    expectError(await admin.client.post(`/api/rooms/${id}/ban`, { user_id: x.user.id }), 404, 'not_found')

    const cx2 = await cursorOf(x)
    expect((await mod.client.delete(`/api/rooms/${id}/bans/${x.user.id}`)).status).toBe(204)
    expect(services(await eventsAfter(x, cx2))).toEqual([{ type: 'unbanned', user_id: x.user.id, actor_id: mod.user.id }])
    await join(x.client, id)
    await say(x, id, 'behaving now')
  })

  it('unban: 404 when not banned or unknown room, 403 for members and outsiders, 400 for a bad id', async () => {
    const { id, admin, x, y } = await room()
    expect((await admin.client.post(`/api/rooms/${id}/ban`, { user_id: x.user.id })).status).toBe(204)
    expectError(await y.client.delete(`/api/rooms/${id}/bans/${x.user.id}`), 403, 'forbidden')
    expectError(await x.client.delete(`/api/rooms/${id}/bans/${x.user.id}`), 403, 'forbidden')
    expectError(await admin.client.delete(`/api/rooms/${id}/bans/${y.user.id}`), 404, 'not_found')
    expectError(await admin.client.delete(`/api/rooms/99999999/bans/${x.user.id}`), 404, 'not_found')
    expectError(await admin.client.delete(`/api/rooms/${id}/bans/abc`), 400, 'invalid_request')
  })
})

describe('silence', () => {
  it('silences until a time (ISO or epoch ms): sends get 403 silenced with until, listed in silenced; it ends by itself', async () => {
    const { id, mod, x, y } = await room()
    const until = new Date(server.clock.now() + 60_000).toISOString()
    const cx = await cursorOf(x)
    expect((await mod.client.post(`/api/rooms/${id}/silence`, { user_id: x.user.id, until, reason: 'cool down' })).status).toBe(204)
    expect(services(await eventsAfter(x, cx))).toEqual([{ type: 'silenced', user_id: x.user.id, actor_id: mod.user.id, reason: 'cool down', until }])
    const refused = await x.client.post(`/api/rooms/${id}/messages`, { text: 'hush?' })
    expectError(refused, 403, 'silenced')
    expect(refused.body.error.details).toEqual({ until })
    expect((await y.client.get(`/api/rooms/${id}`)).body.data.room.silenced).toEqual({ [x.user.id]: until })
    const ms = server.clock.now() + 30_000
    expect((await mod.client.post(`/api/rooms/${id}/silence`, { user_id: y.user.id, until: ms })).status).toBe(204)
    expectError(await y.client.post(`/api/rooms/${id}/messages`, { text: 'hm' }), 403, 'silenced')
    server.clock.advance(61_000)
    await say(x, id, 'free again')
    await say(y, id, 'me too')
  })

  it('refuses a time in the past, now, or unparseable (400), storing nothing', async () => {
    const { id, mod, x } = await room()
    const path = `/api/rooms/${id}/silence`
    expectError(await mod.client.post(path, { user_id: x.user.id, until: new Date(server.clock.now() - 1000).toISOString() }), 400, 'invalid_request')
    expectError(await mod.client.post(path, { user_id: x.user.id, until: server.clock.now() - 1 }), 400, 'invalid_request')
    expectError(await mod.client.post(path, { user_id: x.user.id, until: 'tomorrow' }), 400, 'invalid_request')
    expectError(await mod.client.post(path, { user_id: x.user.id, until: '2026-13-45T00:00:00Z' }), 400, 'invalid_request')
    expectError(await mod.client.post(path, { user_id: x.user.id, until: 1e300 }), 400, 'invalid_request')
    expectError(await mod.client.post(path, { user_id: x.user.id }), 400, 'invalid_request')
    expect((await mod.client.get(`/api/rooms/${id}`)).body.data.room.silenced).toEqual({})
    await say(x, id, 'not silenced')
  })

  it('lifting a silence early lets the member post and tells them; 404 when none runs', async () => {
    const { id, admin, mod, x, y } = await room()
    const until = server.clock.now() + 3_600_000
    expect((await mod.client.post(`/api/rooms/${id}/silence`, { user_id: x.user.id, until })).status).toBe(204)
    expectError(await y.client.delete(`/api/rooms/${id}/silence/${x.user.id}`), 403, 'forbidden')
    const cx = await cursorOf(x)
    expect((await admin.client.delete(`/api/rooms/${id}/silence/${x.user.id}`)).status).toBe(204)
    expect(services(await eventsAfter(x, cx))).toEqual([{ type: 'unsilenced', user_id: x.user.id, actor_id: admin.user.id }])
    await say(x, id, 'thanks')
    expectError(await admin.client.delete(`/api/rooms/${id}/silence/${x.user.id}`), 404, 'not_found')
    expectError(await admin.client.delete(`/api/rooms/${id}/silence/${y.user.id}`), 404, 'not_found')
    // A moderator may not silence the admin, nor lift a silence the admin is under (site admin did it).
    expect((await site.client.post(`/api/rooms/${id}/silence`, { user_id: admin.user.id, until })).status).toBe(204)
    expectError(await mod.client.delete(`/api/rooms/${id}/silence/${admin.user.id}`), 403, 'forbidden')
    expectError(await mod.client.post(`/api/rooms/${id}/silence`, { user_id: admin.user.id, until }), 403, 'forbidden')
    expectError(await admin.client.post(`/api/rooms/${id}/messages`, { text: 'me?' }), 403, 'silenced')
  })
})

describe('moderators', () => {
  it('the room admin appoints (201) and removes (204) moderators, with service messages to the room', async () => {
    const { id, admin, x, y } = await room()
    const cy = await cursorOf(y)
    const res = await admin.client.post(`/api/rooms/${id}/moderators`, { user_id: x.user.id })
    expect(res.status).toBe(201)
    expect(res.body.data.member).toMatchObject({ user: { id: x.user.id }, role: 'moderator' })
    expect((await y.client.get(`/api/rooms/${id}`)).body.data.room.moderators).toContain(x.user.id)
    // The new moderator can moderate at once.
    expect((await x.client.post(`/api/rooms/${id}/silence`, { user_id: y.user.id, until: server.clock.now() + 60_000 })).status).toBe(204)
    expect((await admin.client.delete(`/api/rooms/${id}/moderators/${x.user.id}`)).status).toBe(204)
    expect((await y.client.get(`/api/rooms/${id}`)).body.data.room.moderators).not.toContain(x.user.id)
    expectError(await x.client.post(`/api/rooms/${id}/kick`, { user_id: y.user.id }), 403, 'forbidden')
    expect(services(await eventsAfter(y, cy)).map((s) => [s.type, s.user_id, s.actor_id])).toEqual([
      ['moderator_added', x.user.id, admin.user.id],
      ['silenced', y.user.id, x.user.id],
      ['moderator_removed', x.user.id, admin.user.id],
    ])
  })

  it('only the room admin manages moderators: moderators, members and a site admin get 403', async () => {
    const { id, mod, x, y } = await room()
    await join(site.client, id)
    expectError(await mod.client.post(`/api/rooms/${id}/moderators`, { user_id: x.user.id }), 403, 'forbidden')
    expectError(await x.client.post(`/api/rooms/${id}/moderators`, { user_id: y.user.id }), 403, 'forbidden')
    expectError(await site.client.post(`/api/rooms/${id}/moderators`, { user_id: x.user.id }), 403, 'forbidden')
    expectError(await site.client.delete(`/api/rooms/${id}/moderators/${mod.user.id}`), 403, 'forbidden')
    expectError(await x.client.delete(`/api/rooms/${id}/moderators/${mod.user.id}`), 403, 'forbidden')
  })

  it('refuses oneself (400), a non-member (404), an existing moderator (409), a non-moderator on removal (404), a site admin (403)', async () => {
    const { id, admin, mod, x } = await room()
    const outsider = await someone(server)
    expectError(await admin.client.post(`/api/rooms/${id}/moderators`, { user_id: admin.user.id }), 400, 'invalid_request')
    expectError(await admin.client.post(`/api/rooms/${id}/moderators`, { user_id: outsider.user.id }), 404, 'not_found')
    expectError(await admin.client.post(`/api/rooms/${id}/moderators`, { user_id: mod.user.id }), 409, 'conflict')
    expectError(await admin.client.delete(`/api/rooms/${id}/moderators/${x.user.id}`), 404, 'not_found')
    expectError(await admin.client.delete(`/api/rooms/${id}/moderators/${admin.user.id}`), 400, 'invalid_request')
    expectError(await admin.client.post(`/api/rooms/${id}/moderators`, { user_id: x.user.id, role: 'admin' }), 400, 'unknown_field')
    expectError(await admin.client.post('/api/rooms/99999999/moderators', { user_id: x.user.id }), 404, 'not_found')
    await join(site.client, id)
    expectError(await admin.client.post(`/api/rooms/${id}/moderators`, { user_id: site.user.id }), 403, 'forbidden')
  })
})

describe('deleting messages', () => {
  it('the author deletes their room message (204): gone from history, members get message.deleted', async () => {
    const { id, admin, x, y } = await room()
    const msg = await say(x, id, 'oops')
    const cy = await cursorOf(y)
    expect((await x.client.delete(`/api/messages/${msg}`)).status).toBe(204)
    expect((await eventsAfter(y, cy)).map((e) => [e.type, e.data])).toEqual([['message.deleted', { message_id: msg, room_id: id }]])
    const history = await admin.client.get(`/api/rooms/${id}/messages`)
    expect(history.body.data.items.map((m: any) => m.id)).not.toContain(msg)
    expectError(await x.client.delete(`/api/messages/${msg}`), 404, 'not_found')
  })

  it('staff delete messages of lower ranks only; members cannot delete others’; outsiders get 404', async () => {
    const { id, admin, mod, x, y } = await room()
    const byX = await say(x, id, 'x says')
    const byAdmin = await say(admin, id, 'admin says')
    const byMod = await say(mod, id, 'mod says')
    const outsider = await someone(server)
    expectError(await y.client.delete(`/api/messages/${byX}`), 403, 'forbidden')
    expectError(await outsider.client.delete(`/api/messages/${byX}`), 404, 'not_found')
    expectError(await mod.client.delete(`/api/messages/${byAdmin}`), 403, 'forbidden')
    expect((await mod.client.delete(`/api/messages/${byX}`)).status).toBe(204)
    expect((await admin.client.delete(`/api/messages/${byMod}`)).status).toBe(204)
    expect((await site.client.delete(`/api/messages/${byAdmin}`)).status).toBe(204)
    expectError(await x.client.delete('/api/messages/99999999'), 404, 'not_found')
    expectError(await x.client.delete('/api/messages/0'), 400, 'invalid_request')
  })

  it('a direct message is deleted by its sender for both sides; the recipient gets 403, anyone else 404', async () => {
    const [a, b, outsider] = [await someone(server), await someone(server), await someone(server)]
    const sent = await a.client.post(`/api/dialogs/${b.user.id}/messages`, { text: 'regret' })
    const id = sent.body.data.message.id
    expectError(await b.client.delete(`/api/messages/${id}`), 403, 'forbidden')
    expectError(await outsider.client.delete(`/api/messages/${id}`), 404, 'not_found')
    expectError(await site.client.delete(`/api/messages/${id}`), 404, 'not_found')
    const [ca, cb] = [await cursorOf(a), await cursorOf(b)]
    expect((await a.client.delete(`/api/messages/${id}`)).status).toBe(204)
    const user_ids = [a.user.id, b.user.id].sort((p, q) => p - q)
    for (const [who, cur] of [[a, ca], [b, cb]] as const) {
      expect((await eventsAfter(who, cur)).map((e) => [e.type, e.data])).toEqual([['message.deleted', { message_id: id, user_ids }]])
    }
    for (const [who, peer] of [[a, b], [b, a]] as const) {
      expect((await who.client.get(`/api/dialogs/${peer.user.id}/messages`)).body.data.items).toEqual([])
    }
    expect((await b.client.get('/api/direct-messages?count_only=true')).body.data).toEqual({ count: 0 })
    expectError(await b.client.post(`/api/messages/${id}/read`), 404, 'not_found')
  })

  it('POST /api/messages/:id/read is for direct messages only: a room message is 404', async () => {
    const { id, x, y } = await room()
    const msg = await say(x, id, 'room text')
    expectError(await y.client.post(`/api/messages/${msg}/read`), 404, 'not_found')
  })
})
