// 5. Fast paths: each request node:http answers ahead of the router (poll, room history, room
// send), against the same request answered by the router (the app without its fast paths) and by
// plain Hono (a single-handler route per request): one process, the three listeners sharing its
// database and caches, the sides taking turns under the same load (servers/parley-paths.ts). A
// request without a fast path would be measured as the app serves it, by its router route (its
// 'router' side), against plain Hono.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchContext } from '../lib/common.js'
import { keepAliveAgent, pool, request, waitHealthy } from '../lib/http.js'
import { forkBench } from '../lib/ipc.js'
import { createRoom, joinRoom, SECRET_KEY, signInGuests } from '../lib/parley.js'
import { type CannonParams, type CannonResult, cannon } from './send.js'

export const SIDES = ['fast', 'router', 'plain'] as const
export type Side = (typeof SIDES)[number]
/** Per request, each side measured: no 'fast' for a request the app answers by its router. */
export type PathsRound = Record<string, Partial<Record<Side, CannonResult>>>

export async function paths(ctx: BenchContext, p: CannonParams): Promise<PathsRound[]> {
  const dataDir = join(ctx.workDir, 'paths')
  mkdirSync(dataDir, { recursive: true })
  const env = { NODE_ENV: 'production', DATA_DIR: dataDir, SECRET_KEY, SEND_RATE_LIMIT: '0', SIGNIN_RATE_LIMIT: '0', LOG_LEVEL: 'warn', OUTBOX_DIR: join(dataDir, 'outbox') }
  const server = forkBench('parley-paths', 'servers/parley-paths.js', { env })
  const agent = keepAliveAgent()
  try {
    const { ports } = await server.next<{ ports: Record<Side, number> }>('listening', 30_000)
    const url = (side: Side) => `http://127.0.0.1:${ports[side]}`
    await waitHealthy(agent, url('fast'), '/healthz', 10_000, () => true)
    const users = await signInGuests(url('fast'), Array.from({ length: p.connections }, (_, i) => `pather${i}`))
    const roomId = await createRoom(url('fast'), users[0]!, 'paths', Math.max(p.connections, 2))
    await joinRoom(url('fast'), roomId, users.slice(1))
    for (let i = 0; i < 50; i++) {
      await request(agent, url('fast'), 'POST', `/api/rooms/${roomId}/messages`, { cookie: users[0]!.cookie, json: { text: `seed ${i} `.repeat(10) } })
    }
    const cookies = users.map((u) => u.cookie)
    const poll = (cursor?: string) => request(agent, url('fast'), 'GET', `/api/poll${cursor ? `?cursor=${cursor}&timeout=0` : ''}`, { cookie: users[0]!.cookie })
    // Every poll of a run carries one cursor, as caught-up clients do, and nothing may come after
    // it during the run: each user polls once first, so that no one comes online (an event to every
    // member of the room, which every later poll with that cursor would carry) while it runs.
    // (A coming online is announced once the room's members are read: the cursor is taken again
    // until nothing follows it for a moment.)
    const settledCursor = async () => {
      await pool(cookies, 16, (cookie) => request(agent, url('fast'), 'GET', '/api/poll', { cookie }))
      for (;;) {
        const cursor = (await poll()).body.data.cursor as string
        await new Promise((r) => setTimeout(r, 200))
        if (((await poll(cursor)).body.data.events as unknown[]).length === 0) return cursor
      }
    }
    const cursors = new Map<Side, string>()
    const body = JSON.stringify({ text: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore e' })
    // Sends last in each round: they add events and messages the other two would then carry.
    const targets: Record<string, { sides: readonly Side[]; target: (side: Side) => Promise<Record<string, unknown>> | Record<string, unknown> }> = {
      poll: {
        sides: SIDES,
        target: async (side) => {
          const cursor = await settledCursor()
          cursors.set(side, cursor)
          return { url: `${url(side)}/api/poll?cursor=${cursor}&timeout=0`, cookies }
        },
      },
      history: { sides: SIDES, target: (side) => ({ url: `${url(side)}/api/rooms/${roomId}/messages`, cookies }) },
      send: { sides: SIDES, target: (side) => ({ url: `${url(side)}/api/rooms/${roomId}/messages`, method: 'POST', body, headers: { 'content-type': 'application/json' }, cookies }) },
    }
    const rounds: PathsRound[] = []
    for (let i = 0; i < ctx.rounds; i++) {
      const round: PathsRound = {}
      for (const [t, [name, { sides, target }]] of Object.entries(targets).entries()) {
        const r: Partial<Record<Side, CannonResult>> = {}
        // The order rotates each round and each request (a quick run has one round), so drift of
        // the machine and whatever the first run of a request pays hit every side alike.
        for (const side of sides.map((_, k) => sides[(k + i + t) % sides.length]!)) {
          const got = await cannon(await target(side), p, server.pid)
          r[side] = got
          ctx.log(`paths round ${i + 1} ${name} ${side}: ${got.perSecond.toFixed(0)}/s, ${got.cpuUsPerOk.toFixed(1)} µs server CPU each (non-2xx ${got.non2xx}, p99 ${got.p99} ms)`)
          const cursor = name === 'poll' ? cursors.get(side) : undefined
          const late = cursor ? ((await poll(cursor)).body.data.events as unknown[]).length : 0
          if (late > 0) ctx.log(`paths round ${i + 1} poll ${side}: ${late} events came after its cursor during the run; its polls carried them`)
        }
        round[name] = r
      }
      rounds.push(round)
    }
    return rounds
  } finally {
    agent.destroy()
    await server.stop()
  }
}
