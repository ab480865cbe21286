// 3. Idle capacity: N held polls, each with its own real session, spread over several client
// processes; server RSS per held poll against a bare node:http server that only holds requests,
// then the time until all N have the one event that wakes them (a room.created broadcast for
// Parley, POST /wake for the bare server).
import { join } from 'node:path'
import { type BenchContext, MB, order, split, startOwnServer, until } from '../lib/common.js'
import { keepAliveAgent, request } from '../lib/http.js'
import { type Child, forkBench } from '../lib/ipc.js'
import { type Guest, signInGuests, startParley } from '../lib/parley.js'
import { cpuMicros, nowMs, rssBytes, settle, sleep } from '../lib/procstat.js'
import { monotonicMicros } from '../lib/profile.js'
import { percentile, sortedCopy } from '../lib/stats.js'
import { cannon } from './send.js'

export type IdleParams = { polls: number; clientProcs: number }
export type IdleSide = {
  held: number
  rssBeforeMB: number
  rssHeldMB: number
  bytesPerPoll: number
  connectMs: number
  woken: number
  wakeAllMs: number
  wakeP50Ms: number
  /** Server CPU from the waking request until every poll had its answer, per poll. */
  wakeCpuUsPerPoll: number
  clientErrors: number
}
export type IdleRound = { parley: IdleSide; bare: IdleSide }

type Counts = { ready: number; wakes: number; errors: number }
type Stopped = { wakes: Float64Array; errors: number }

export async function idle(ctx: BenchContext, p: IdleParams): Promise<IdleRound[]> {
  const dataDir = join(ctx.workDir, 'idle')
  const t = Date.now()
  const setup = await startParley(dataDir)
  // The pollers share no room, so coming online announces presence to nobody: the server is idle.
  const users = await signInGuests(setup.url, Array.from({ length: p.polls + 1 }, (_, i) => `idle${i}`), 32)
  await setup.stop()
  ctx.log(`idle setup: ${users.length} guests signed in in ${Date.now() - t} ms`)
  const [waker, ...pollers] = users as [Guest, ...Guest[]]

  const rounds: IdleRound[] = []
  for (let i = 0; i < ctx.rounds; i++) {
    const round = {} as IdleRound
    for (const side of order(i, 'parley', 'bare') as Array<'parley' | 'bare'>) {
      round[side] = await runSide(ctx, p, side, dataDir, waker, pollers, i)
      const r = round[side]
      ctx.log(
        `idle round ${i + 1} ${side}: ${r.held} held, ${(r.bytesPerPoll / 1024).toFixed(1)} KiB RSS each ` +
          `(${r.rssBeforeMB.toFixed(0)} → ${r.rssHeldMB.toFixed(0)} MB), woke ${r.woken} in ${r.wakeAllMs.toFixed(0)} ms ` +
          `(p50 ${r.wakeP50Ms.toFixed(0)}; server CPU ${r.wakeCpuUsPerPoll.toFixed(0)} µs per poll; connected in ${(r.connectMs / 1000).toFixed(1)} s)`,
      )
    }
    rounds.push(round)
  }
  return rounds
}

async function runSide(ctx: BenchContext, p: IdleParams, side: 'parley' | 'bare', dataDir: string, waker: Guest, pollers: Guest[], round: number): Promise<IdleSide> {
  const server =
    side === 'parley'
      ? await startParley(dataDir, ctx.profDir ? { cpuProfDir: join(ctx.profDir, `idle-${round}`) } : {})
      : await startOwnServer('bare', 'servers/bare-hold.js')
  const clients: Child[] = []
  const agent = keepAliveAgent()
  try {
    // Warm both servers the same way (2 s of immediate answers) so JIT code and heap growth
    // from the first requests are in the baseline, not charged to the held polls.
    await cannon(side === 'parley' ? { url: `${server.url}/api/poll`, headers: { cookie: waker.cookie } } : { url: `${server.url}/?hold=0` }, { connections: 10, durationS: 2, warmupS: 0 }, server.pid)
    await settle(server.pid, { share: 0.02, maxMs: 5000 })
    const rssBefore = await steadyRss(server.pid, 2000)

    const connectStart = performance.now()
    const parts = split(pollers, p.clientProcs)
    const ready = parts.map((_, k) => {
      const c = forkBench(`idle-pollers-${k}`, 'clients/pollers.js')
      clients.push(c)
      return c.next('ready', 180_000)
    })
    await Promise.all(
      parts.map((part, k) =>
        clients[k]!.call('start', { url: server.url, cookies: part.map((u) => u.cookie), mode: side, timeoutS: 55, connectConcurrency: 64, deadlineMs: Date.now() + 5 * 60_000, stopOnWake: true, raw: true }),
      ),
    )
    await Promise.all(ready)
    const connectMs = performance.now() - connectStart
    // Every client has sent its held poll once its cursor came back; give the last ones time to land.
    await settle(server.pid, { share: 0.02, maxMs: 10_000 })
    const rssHeld = await steadyRss(server.pid, 4000)
    const held = side === 'parley' ? await heldPolls(agent, server.url) : await server.child.call<number>('held')

    const cpuBefore = cpuMicros(server.pid)
    const sentAt = nowMs()
    const mono = monotonicMicros()
    const wake =
      side === 'parley'
        ? await request(agent, server.url, 'POST', '/api/rooms', { cookie: waker.cookie, json: { name: `wake ${round}` } })
        : await request(agent, server.url, 'POST', '/wake')
    if (wake.status !== 200 && wake.status !== 201) throw new Error(`wake: HTTP ${wake.status} ${wake.text.slice(0, 200)}`)
    await until(async () => {
      const counts = await Promise.all(clients.map((c) => c.call<Counts>('counts')))
      return counts.reduce((n, c) => n + c.wakes, 0) >= pollers.length
    }, 20_000, 50)
    const wakeCpu = cpuMicros(server.pid) - cpuBefore
    if (side === 'parley') ctx.windows[`idle-${round}`] = [mono, monotonicMicros()]
    const results = await Promise.all(clients.map((c) => c.call<Stopped>('stop')))
    const wakes = sortedCopy(results.flatMap((r) => [...r.wakes]))
    return {
      held,
      rssBeforeMB: rssBefore / MB,
      rssHeldMB: rssHeld / MB,
      bytesPerPoll: (rssHeld - rssBefore) / pollers.length,
      connectMs,
      woken: wakes.length,
      wakeAllMs: wakes.length ? wakes[wakes.length - 1]! - sentAt : NaN,
      wakeP50Ms: percentile(wakes, 50) - sentAt,
      wakeCpuUsPerPoll: wakeCpu / Math.max(1, wakes.length),
      clientErrors: results.reduce((n, r) => n + r.errors, 0),
    }
  } finally {
    agent.destroy()
    await Promise.all(clients.map((c) => c.stop()))
    await server.stop()
  }
}

/**
 * The lowest RSS seen over ms (sampled every 100 ms) once the process is idle: V8 returns memory
 * some seconds after allocation stops, so a single reading depends on when the last GC ran.
 */
async function steadyRss(pid: number, ms: number): Promise<number> {
  let low = rssBytes(pid)
  for (let t = 0; t < ms; t += 100) {
    await sleep(100)
    low = Math.min(low, rssBytes(pid))
  }
  return low
}

/** Parley's own gauge of held polls (GET /metrics from loopback), as a check that all are held. */
async function heldPolls(agent: import('node:http').Agent, url: string): Promise<number> {
  const r = await request(agent, url, 'GET', '/metrics')
  const m = /^parley_held_polls (\d+)/m.exec(r.text)
  return m ? Number(m[1]) : NaN
}
