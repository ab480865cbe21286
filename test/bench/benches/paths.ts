// 5. Fast paths: each request node:http answers ahead of the router (poll, room history, room
// send), against the same request answered by the router (the app without its fast paths) and
// by plain Hono (a single-handler route per request): one process, the three listeners sharing
// its database and caches, the sides taking turns under the same load (servers/parley-paths.ts).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchContext } from '../lib/common.js'
import { keepAliveAgent, request, waitHealthy } from '../lib/http.js'
import { forkBench } from '../lib/ipc.js'
import { createRoom, joinRoom, SECRET_KEY, signInGuests } from '../lib/parley.js'
import { type CannonParams, type CannonResult, cannon } from './send.js'

export const SIDES = ['fast', 'router', 'plain'] as const
export type Side = (typeof SIDES)[number]
export type PathsRound = Record<string, Record<Side, CannonResult>>

export async function paths(ctx: BenchContext, p: CannonParams): Promise<PathsRound[]> {
  const dataDir = join(ctx.workDir, 'paths')
  mkdirSync(dataDir, { recursive: true })
  const env = { NODE_ENV: 'production', DATA_DIR: dataDir, SECRET_KEY, SEND_RATE_LIMIT: '0', SIGNIN_RATE_LIMIT: '0', LOG_LEVEL: 'warn', OUTBOX_DIR: join(dataDir, 'outbox') }
  const server = forkBench('parley-paths', 'servers/parley-paths.js', { env })
  try {
    const { ports } = await server.next<{ ports: Record<Side, number> }>('listening', 30_000)
    const url = (side: Side) => `http://127.0.0.1:${ports[side]}`
    const agent = keepAliveAgent()
    await waitHealthy(agent, url('fast'), '/healthz', 10_000, () => true)
    const users = await signInGuests(url('fast'), Array.from({ length: p.connections }, (_, i) => `pather${i}`))
    const roomId = await createRoom(url('fast'), users[0]!, 'paths', Math.max(p.connections, 2))
    await joinRoom(url('fast'), roomId, users.slice(1))
    for (let i = 0; i < 50; i++) {
      await request(agent, url('fast'), 'POST', `/api/rooms/${roomId}/messages`, { cookie: users[0]!.cookie, json: { text: `seed ${i} `.repeat(10) } })
    }
    agent.destroy()
    // A fresh cursor for each run: a poll with nothing after its cursor answers at once, empty.
    const freshCursor = async () => {
      const a = keepAliveAgent()
      try {
        return (await request(a, url('fast'), 'GET', '/api/poll', { cookie: users[0]!.cookie })).body.data.cursor as string
      } finally {
        a.destroy()
      }
    }
    const cookies = users.map((u) => u.cookie)
    const body = JSON.stringify({ text: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore e' })
    // Sends last in each round: they add events and messages the other two would then carry.
    const targets: Record<string, (side: Side) => Promise<Record<string, unknown>> | Record<string, unknown>> = {
      poll: async (side) => ({ url: `${url(side)}/api/poll?cursor=${await freshCursor()}&timeout=0`, cookies }),
      history: (side) => ({ url: `${url(side)}/api/rooms/${roomId}/messages`, cookies }),
      send: (side) => ({ url: `${url(side)}/api/rooms/${roomId}/messages`, method: 'POST', body, headers: { 'content-type': 'application/json' }, cookies }),
    }
    const rounds: PathsRound[] = []
    for (let i = 0; i < ctx.rounds; i++) {
      const round: PathsRound = {}
      for (const [name, target] of Object.entries(targets)) {
        const r = {} as Record<Side, CannonResult>
        // The order rotates each round, so drift of the machine hits every side alike.
        for (const side of SIDES.map((_, k) => SIDES[(k + i) % SIDES.length]!)) {
          r[side] = await cannon(await target(side), p, server.pid)
          ctx.log(`paths round ${i + 1} ${name} ${side}: ${r[side].perSecond.toFixed(0)}/s, ${r[side].cpuUsPerOk.toFixed(1)} µs server CPU each (non-2xx ${r[side].non2xx}, p99 ${r[side].p99} ms)`)
        }
        round[name] = r
      }
      rounds.push(round)
    }
    return rounds
  } finally {
    await server.stop()
  }
}
