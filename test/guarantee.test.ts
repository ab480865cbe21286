// API.md §10's guarantee, end to end: several senders and several pollers of the same users (two
// tabs each), random disconnects mid-poll and a real server restart on the same data directory.
// Every tab must receive exactly the events meant for it, in order, no gap, no duplicate.
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { guest } from './helpers/users.js'

/** mulberry32: a small seeded PRNG, so a failure replays the same schedule. */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SEED = 20261121
const MESSAGES = 150

type Tab = { user: number; client: Client; cursor: string; got: number[]; ids: string[]; stop: boolean; aborts: number; errors: number }

let server: TestServer
afterAll(() => server?.close())

describe('delivery guarantee', () => {
  it('each tab receives exactly its events, in order, across disconnects and a restart', { timeout: 60_000 }, async () => {
    const rand = prng(SEED)
    server = await startTestServer({ SEND_RATE_LIMIT: '0' })
    const users = await Promise.all([0, 1, 2, 3].map((i) => guest(server, `g${i}x${SEED}`)))
    // Room A: users 0,1,2. Room B: users 1,2,3.
    const roomA = (await users[0]!.client.post('/api/rooms', { name: 'room A' })).body.data.room.id as number
    const roomB = (await users[3]!.client.post('/api/rooms', { name: 'room B' })).body.data.room.id as number
    for (const [u, r] of [[1, roomA], [2, roomA], [1, roomB], [2, roomB]] as const) {
      expect((await users[u]!.client.post(`/api/rooms/${r}/join`)).status).toBe(200)
    }
    const membersOf: Record<number, number[]> = { [roomA]: [0, 1, 2], [roomB]: [1, 2, 3] }

    // Two tabs per user, each with its own cursor taken before any message is sent.
    const tabs: Tab[] = []
    for (const [i, u] of users.entries()) {
      for (let t = 0; t < 2; t++) {
        const client = server.client()
        client.cookies.set('parley_session', u.client.cookies.get('parley_session')!)
        const cursor = (await client.get('/api/poll')).body.data.cursor as string
        tabs.push({ user: i, client, cursor, got: [], ids: [], stop: false, aborts: 0, errors: 0 })
      }
    }

    const pollLoop = async (tab: Tab, r: () => number) => {
      while (!tab.stop) {
        const ctrl = new AbortController()
        // One poll in four is cut mid-flight, as a flaky proxy or a closed laptop would.
        const cut = r() < 0.25 ? setTimeout(() => ctrl.abort(), Math.floor(r() * 40)) : undefined
        try {
          const res = await tab.client.get(`/api/poll?cursor=${tab.cursor}&timeout=${Math.floor(r() * 3)}&types=message.created`, {
            signal: ctrl.signal,
          })
          if (res.status !== 200) throw new Error(`poll answered ${res.status}: ${res.text}`)
          for (const e of res.body.data.events) {
            tab.got.push(e.data.message.id)
            tab.ids.push(e.id)
          }
          tab.cursor = res.body.data.cursor
        } catch (err) {
          if (ctrl.signal.aborted) tab.aborts++
          else {
            tab.errors++ // the server is restarting: retry from the same cursor
            await sleep(20)
          }
        } finally {
          clearTimeout(cut)
        }
      }
    }
    const pollers = tabs.map((tab, i) => pollLoop(tab, prng(SEED + i + 1)))

    // Senders: random users to random rooms of theirs; a send cut by the restart is retried with
    // the same client_id, so it is stored once.
    const sent: { id: number; room: number }[] = []
    const send = async (k: number) => {
      const u = Math.floor(rand() * 4)
      const rooms = Object.entries(membersOf).filter(([, m]) => m.includes(u)).map(([r]) => Number(r))
      const room = rooms[Math.floor(rand() * rooms.length)]!
      for (let attempt = 0; attempt < 100; attempt++) {
        try {
          const res = await users[u]!.client.post(`/api/rooms/${room}/messages`, { text: `m${k}`, client_id: `c${k}` })
          if (res.status === 201 || res.status === 200) {
            sent.push({ id: res.body.data.message.id, room })
            return
          }
          throw new Error(`send answered ${res.status}: ${res.text}`)
        } catch (err) {
          if (err instanceof Error && err.message.startsWith('send answered')) throw err
          await sleep(20)
        }
      }
      throw new Error(`message ${k} never sent`)
    }
    const batch = async (from: number, to: number) => {
      for (let k = from; k < to; k += 3) {
        await Promise.all([k, k + 1, k + 2].filter((n) => n < to).map(send))
        if (rand() < 0.3) await sleep(Math.floor(rand() * 15))
      }
    }
    await batch(0, MESSAGES / 2)
    server = await server.restart()
    await batch(MESSAGES / 2, MESSAGES)

    // Expected: every message of the user's rooms, in id order.
    const expected = (u: number) => sent.filter((m) => membersOf[m.room]!.includes(u)).map((m) => m.id).sort((a, b) => a - b)
    for (let i = 0; i < 300 && tabs.some((t) => t.got.length < expected(t.user).length); i++) await sleep(20)
    for (const t of tabs) t.stop = true
    await Promise.all(pollers)

    expect(new Set(sent.map((m) => m.id)).size).toBe(MESSAGES)
    for (const tab of tabs) {
      expect(tab.got, `tab of user ${tab.user}`).toEqual(expected(tab.user))
      expect([...tab.ids].sort()).toEqual(tab.ids)
    }
    // The schedule really did cut polls mid-flight.
    expect(tabs.reduce((n, t) => n + t.aborts, 0)).toBeGreaterThan(0)
  })
})
