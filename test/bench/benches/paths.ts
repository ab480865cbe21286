// 5. Fast paths: each request node:http answers ahead of the router (poll, room history, room
// send), measured against the same request answered by the router, on one server, alternating.
import { join } from 'node:path'
import type { BenchContext } from '../lib/common.js'
import { order } from '../lib/common.js'
import { keepAliveAgent, request } from '../lib/http.js'
import { createRoom, joinRoom, signInGuests, startParley } from '../lib/parley.js'
import { type CannonParams, type CannonResult, cannon } from './send.js'

export type PathsRound = Record<string, { fast: CannonResult; router: CannonResult }>

export async function paths(ctx: BenchContext, p: CannonParams): Promise<PathsRound[]> {
  const dataDir = join(ctx.workDir, 'paths')
  const server = await startParley(dataDir)
  try {
    const users = await signInGuests(server.url, Array.from({ length: p.connections }, (_, i) => `pather${i}`))
    const roomId = await createRoom(server.url, users[0]!, 'paths', Math.max(p.connections, 2))
    await joinRoom(server.url, roomId, users.slice(1))
    const agent = keepAliveAgent()
    for (let i = 0; i < 50; i++) {
      await request(agent, server.url, 'POST', `/api/rooms/${roomId}/messages`, { cookie: users[0]!.cookie, json: { text: `seed ${i} `.repeat(10) } })
    }
    agent.destroy()
    // A fresh cursor for each run: a poll with nothing after its cursor answers at once, empty.
    const freshCursor = async () => {
      const a = keepAliveAgent()
      try {
        return (await request(a, server.url, 'GET', '/api/poll', { cookie: users[0]!.cookie })).body.data.cursor as string
      } finally {
        a.destroy()
      }
    }
    const cookies = users.map((u) => u.cookie)
    const body = JSON.stringify({ text: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore e' })
    // The router's form of each request: one more (ignored) query parameter.
    const targets: Record<string, (router: boolean) => Promise<Record<string, unknown>> | Record<string, unknown>> = {
      poll: async (router) => ({ url: `${server.url}/api/poll?cursor=${await freshCursor()}&timeout=0${router ? '&x=1' : ''}`, cookies }),
      history: (router) => ({ url: `${server.url}/api/rooms/${roomId}/messages${router ? '?limit=50&x=1' : ''}`, cookies }),
      send: (router) => ({
        url: `${server.url}/api/rooms/${roomId}/messages${router ? '?x=1' : ''}`,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        cookies,
      }),
    }
    const rounds: PathsRound[] = []
    for (let i = 0; i < ctx.rounds; i++) {
      const round: PathsRound = {}
      for (const [name, target] of Object.entries(targets)) {
        const r = {} as PathsRound[string]
        for (const side of order(i, 'fast', 'router') as Array<'fast' | 'router'>) {
          r[side] = await cannon(await target(side === 'router'), p, server.pid)
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
