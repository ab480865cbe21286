// API.md §16: a fresh site's default gift catalogue, its pictures served by the site itself, and
// site admins changing and retiring gifts through the §7 gift routes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrations } from '../migrations/index.js'
import { migrateToLatest } from '../src/db/migrate.js'
import { openDatabase } from '../src/db/open.js'
import { projectRoot } from '../src/paths.js'
import type { Client } from './helpers/client.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'

type Gift = { id: number; name: string; image_url: string; price: number }
let server: TestServer
let admin: Client

beforeAll(async () => {
  server = await startTestServer()
  admin = (await registerUser(server)).client // the first account is site admin
})
afterAll(() => server.close())

const catalogue = async (client: Client) => (await client.get('/api/gifts')).body.data.gifts as Gift[]

describe('a fresh site', () => {
  it('has a few gifts whose pictures the site serves itself, byte for byte as public/ holds them', async () => {
    const { client } = await guest(server)
    const gifts = await catalogue(client)
    expect(gifts.map((g) => g.name)).toEqual(['Heart', 'Coffee', 'Flower', 'Cake', 'Trophy'])
    expect(gifts.map((g) => g.price)).toEqual([1, 2, 3, 5, 10])
    for (const g of gifts) {
      expect(g.image_url).toMatch(/^\/img\/gifts\/[a-z]+\.svg$/)
      const res = await fetch(server.url + g.image_url)
      expect(res.status, g.image_url).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/)
      const bytes = Buffer.from(await res.arrayBuffer())
      expect(bytes.equals(readFileSync(join(projectRoot(), 'public', g.image_url)))).toBe(true)
      expect(bytes.toString()).not.toMatch(/<script|on[a-z]+=|href=/i)
    }
  })

  it('a default gift costs coins like any other: a new account cannot send one (402)', async () => {
    const giver = await guest(server)
    const to = await guest(server)
    const [heart] = await catalogue(giver.client)
    expectError(await giver.client.post(`/api/gifts/${heart!.id}/send`, { user_id: to.user.id }), 402, 'insufficient_funds')
  })
})

describe('site admins change the catalogue', () => {
  it('PATCH /api/gifts/:id changes a gift; the answer and the catalogue show it', async () => {
    const created = (await admin.post('/api/gifts', { name: 'Star', image_url: '/img/gifts/heart.svg', price: 4 })).body.data.gift as Gift
    const res = await admin.patch(`/api/gifts/${created.id}`, { name: 'Gold star', price: 6 })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.data.gift).toEqual({ ...created, name: 'Gold star', price: 6 })
    expect(await catalogue(admin)).toContainEqual({ ...created, name: 'Gold star', price: 6 })
  })

  it('a user who is not a site admin, or a guest, gets 403 forbidden on PATCH and DELETE, and nothing changes', async () => {
    const before = await catalogue(admin)
    const target = before[0]!
    for (const { client } of [await registerUser(server), await guest(server)]) {
      expectError(await client.patch(`/api/gifts/${target.id}`, { price: 0 }), 403, 'forbidden')
      expectError(await client.delete(`/api/gifts/${target.id}`), 403, 'forbidden')
    }
    expectError(await server.client().delete(`/api/gifts/${target.id}`), 401, 'not_signed_in')
    expect(await catalogue(admin)).toEqual(before)
  })

  it('bad PATCH bodies are 400; an unknown gift is 404', async () => {
    const target = (await catalogue(admin))[0]!
    expectError(await admin.patch(`/api/gifts/${target.id}`, {}), 400, 'invalid_request')
    expectError(await admin.patch(`/api/gifts/${target.id}`, { price: -1 }), 400, 'invalid_request')
    expectError(await admin.patch(`/api/gifts/${target.id}`, { image_url: 'javascript:alert(1)' }), 400, 'invalid_request')
    expectError(await admin.patch(`/api/gifts/${target.id}`, { colour: 'red' }), 400, 'unknown_field')
    expectError(await admin.patch('/api/gifts/999999', { price: 1 }), 404, 'not_found')
    expectError(await admin.delete('/api/gifts/999999'), 404, 'not_found')
    expectError(await admin.delete('/api/gifts/abc'), 400, 'invalid_request')
  })

  it('DELETE retires a gift: gone from the catalogue, no longer sent, still shown where it was received', async () => {
    const gift = (await admin.post('/api/gifts', { name: 'Free hug', image_url: '/img/gifts/heart.svg', price: 0 })).body.data.gift as Gift
    const giver = await guest(server)
    const to = await guest(server)
    expect((await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: to.user.id })).status).toBe(201)
    expect((await admin.delete(`/api/gifts/${gift.id}`)).status).toBe(204)
    expect((await catalogue(admin)).map((g) => g.id)).not.toContain(gift.id)
    expectError(await giver.client.post(`/api/gifts/${gift.id}/send`, { user_id: to.user.id }), 404, 'not_found')
    expectError(await admin.patch(`/api/gifts/${gift.id}`, { price: 1 }), 404, 'not_found')
    expectError(await admin.delete(`/api/gifts/${gift.id}`), 404, 'not_found')
    const received = (await to.client.get(`/api/users/${to.user.id}/gifts`)).body.data.items
    expect(received.map((s: { gift: Gift }) => s.gift)).toEqual([gift])
  })

  it('the routes are in /api/openapi.json', async () => {
    const doc = (await server.client().get('/api/openapi.json')).body
    expect(Object.keys(doc.paths['/api/gifts/{id}']).sort()).toEqual(['delete', 'patch'])
    expect(doc.paths['/api/gifts/{id}'].patch.requestBody.content['application/json'].schema.description).toMatch(/site admins/i)
  })
})

describe('the defaults are added once', () => {
  it('gifts an admin retired are never put back, across restarts', async () => {
    let site = await startTestServer()
    try {
      const owner = (await registerUser(site)).client
      const defaults = await catalogue(owner)
      expect(defaults.length).toBeGreaterThan(0)
      for (const g of defaults) expect((await owner.delete(`/api/gifts/${g.id}`)).status).toBe(204)
      expect(await catalogue(owner)).toEqual([])
      site = await site.restart()
      expect(await catalogue(owner)).toEqual([])
    } finally {
      await site.close()
    }
  })

  it('a site whose catalogue already had gifts when it upgraded gets no defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-gifts-'))
    const opened = openDatabase(join(dir, 'p.db'))
    try {
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0010'))
      await migrateToLatest(opened.db, before)
      await sql`insert into gifts (name, image_url, price, created_at) values ('Own gift', '/files/x.png', 7, 0)`.execute(opened.db)
      expect(await migrateToLatest(opened.db)).toContain('0010_gift_catalogue')
      const names = await opened.db.selectFrom('gifts').select('name').execute()
      expect(names).toEqual([{ name: 'Own gift' }])
    } finally {
      await opened.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
