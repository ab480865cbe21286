// 1. Fan-out: N receivers long-polling one room, one sender at `rate` messages/s; Parley's
// GET /api/poll against its peers, socket.io 4 restricted to polling and Faye held to long-polling,
// and the bare node:http floor. Server CPU per delivery, delivery latency (sender's timestamp in
// the text → arrival, one machine clock), server RSS, and the receivers' HTTP requests per delivery
// (through the one shared client agent, lib/http.ts).
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { type BenchContext, split, startOwnServer, until } from '../lib/common.js'
import { type Child, forkBench } from '../lib/ipc.js'
import { createRoom, joinRoom, type Guest, signInGuests, startParley } from '../lib/parley.js'
import { cpuMicros, rssBytes, settle, sleep, storageWriteBytes } from '../lib/procstat.js'
import { monotonicMicros } from '../lib/profile.js'
import { percentile, sortedCopy } from '../lib/stats.js'

export type FanoutParams = { receivers: number; rate: number; length: number; warmupS: number; measureS: number; clientProcs: number }
export type FanoutSide = {
  deliveries: number
  expected: number
  sent: number
  sendFailures: number
  cpuUsPerDelivery: number
  /** Bytes the server wrote to storage per message sent (database and WAL). */
  writeBytesPerMessage: number
  p50: number
  p99: number
  max: number
  rssMB: number
  windowMs: number
  /** Server CPU over the window as a share of one core: near 1, the server is the bottleneck. */
  cpuShare: number
  settleMs: number
  /** 1-minute load average at the end of the window (other work on the machine shows here). */
  load1: number
  clientErrors: number
  /**
   * Measured deliveries per poll answered in the window (above 1: polls batch). A poll is a GET
   * /api/poll (Parley, bare), a GET of engine.io (socket.io), a /meta/connect answer (Faye).
   */
  eventsPerPoll: number
  /**
   * HTTP requests the receivers made in the window ÷ deliveries, counted by the shared agent in
   * every receiver process: polls, and whatever else a side needs (socket.io's pongs).
   */
  requestsPerDelivery: number
  /**
   * CPU of the receiver processes per delivery: a side whose clients fall behind batches (and
   * waits) more, whatever its server costs.
   */
  clientCpuUsPerDelivery: number
  /** Faye: the clients that connected with each connection type (all must be 'long-polling'). */
  connectionTypes?: Record<string, number>
}
/** bare: the cheapest possible long-poll server (servers/bare-hold.ts), the floor for reference. */
export type FanoutRound = { parley: FanoutSide; socketio: FanoutSide; faye?: FanoutSide; bare?: FanoutSide }
export type FanoutSideName = keyof FanoutRound
type Side = FanoutSideName
const ALL_SIDES: Side[] = ['parley', 'socketio', 'faye', 'bare']
const SIDES = sidesFrom(process.env.BENCH_FANOUT_SIDES)

/** BENCH_FANOUT_SIDES: a subset of the sides (the report leaves the others' columns empty). */
function sidesFrom(list: string | undefined): Side[] {
  if (list === undefined) return ALL_SIDES
  const sides = list.split(',').map((s) => s.trim())
  const unknown = sides.filter((s) => !(ALL_SIDES as string[]).includes(s))
  if (unknown.length || sides.length === 0) throw new Error(`BENCH_FANOUT_SIDES: unknown ${unknown.join(', ')} (known: ${ALL_SIDES.join(', ')})`)
  return sides as Side[]
}
/** The peers a user would pick instead of Parley; the best is the one with the lower CPU per delivery. */
export const PEERS = ['socketio', 'faye'] as const

const SERVER: Record<Exclude<Side, 'parley'>, string> = { socketio: 'servers/sio.js', faye: 'servers/faye.js', bare: 'servers/bare-hold.js' }
const RECEIVERS: Record<Side, string> = { parley: 'clients/pollers.js', bare: 'clients/pollers.js', socketio: 'clients/sio-receivers.js', faye: 'clients/faye-receivers.js' }

type Counts = { ready: number; measured: number; errors: number; polls: number; requests: number }
type Stopped = { latencies: Float64Array; measured: number; errors: number }

export async function fanout(ctx: BenchContext, p: FanoutParams): Promise<FanoutRound[]> {
  const dataDir = join(ctx.workDir, 'fanout')
  // Setup once: real guest sessions, one room everybody joined; each round restarts the server.
  const t = Date.now()
  const server = await startParley(dataDir)
  let sender: Guest
  let receivers: Guest[]
  let roomId: number
  try {
    const users = await signInGuests(server.url, Array.from({ length: p.receivers + 1 }, (_, i) => `fan${i}`))
    sender = users[0]!
    receivers = users.slice(1)
    roomId = await createRoom(server.url, sender, 'fan-out', Math.max(p.receivers + 1, 2))
    await joinRoom(server.url, roomId, receivers)
  } finally {
    await server.stop()
  }
  ctx.log(`fan-out setup: ${p.receivers + 1} guests signed in and joined in ${Date.now() - t} ms`)

  const rounds: FanoutRound[] = []
  for (let i = 0; i < ctx.rounds; i++) {
    const round = {} as FanoutRound
    // Rotate the order each round, so drift on the machine hits every side alike.
    for (const side of [...SIDES.slice(i % SIDES.length), ...SIDES.slice(0, i % SIDES.length)]) {
      round[side] = await runSide(ctx, p, side, { dataDir, sender, receivers, roomId }, i)
      const r = round[side]
      ctx.log(
        `fan-out round ${i + 1} ${side}: ${r.deliveries}/${r.expected} deliveries, ${r.cpuUsPerDelivery.toFixed(1)} µs CPU each, ${(r.writeBytesPerMessage / 1024).toFixed(0)} KiB written per message, ` +
          `p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} max ${r.max.toFixed(1)} ms, RSS ${r.rssMB.toFixed(0)} MB, server ${(r.cpuShare * 100).toFixed(0)}% of a core, ` +
          `${r.eventsPerPoll.toFixed(2)} messages per poll, ${r.requestsPerDelivery.toFixed(2)} requests and ${r.clientCpuUsPerDelivery.toFixed(1)} µs receivers' CPU per delivery (settled in ${r.settleMs} ms; load ${r.load1.toFixed(1)})`,
      )
    }
    rounds.push(round)
  }
  return rounds
}

async function runSide(
  ctx: BenchContext,
  p: FanoutParams,
  side: Side,
  s: { dataDir: string; sender: Guest; receivers: Guest[]; roomId: number },
  round: number,
): Promise<FanoutSide> {
  const server =
    side === 'parley'
      ? await startParley(s.dataDir, ctx.profDir ? { cpuProfDir: join(ctx.profDir, `fanout-${round}`) } : {})
      : await startOwnServer(side, SERVER[side])
  const clients: Child[] = []
  let senderProc: Child | undefined
  try {
    const parts = split(s.receivers, p.clientProcs)
    const clientsCpu = () => clients.reduce((n, c) => n + cpuMicros(c.pid), 0)
    const ready = parts.map((part, k) => {
      const c = forkBench(`receivers-${k}`, RECEIVERS[side])
      clients.push(c)
      return c.next('ready', 90_000).then(() => part.length)
    })
    for (const [k, part] of parts.entries()) {
      const args =
        side === 'socketio' || side === 'faye'
          ? { url: server.url, count: part.length, connectConcurrency: 32 }
          : { url: server.url, cookies: part.map((u) => u.cookie), mode: side, timeoutS: 25, connectConcurrency: 32, deadlineMs: Date.now() + 5 * 60_000 }
      await clients[k]!.call('start', args)
    }
    await Promise.all(ready)
    // Coming online announces presence to every member: let that burst pass before measuring.
    const settleMs = await settle(server.pid, { share: 0.05, maxMs: 30_000 })
    await sleep(300)

    senderProc = forkBench('sender', 'clients/sender.js')
    const started = senderProc.next<{ at: number }>('measure-start', 60_000).then(async () => {
      const at = { cpu: cpuMicros(server.pid), clientCpu: clientsCpu(), io: storageWriteBytes(server.pid), at: performance.now(), mono: monotonicMicros() }
      const counts = await Promise.all(clients.map((c) => c.call<Counts>('counts')))
      return { ...at, polls: counts.reduce((n, c) => n + c.polls, 0), requests: counts.reduce((n, c) => n + c.requests, 0) }
    })
    const rss: number[] = []
    const sampler = setInterval(() => rss.push(rssBytes(server.pid)), 250)
    const run = await senderProc.call<{ sent: number; failures: number }>(
      'run',
      side === 'socketio' || side === 'faye'
        ? { target: side === 'faye' ? 'faye' : 'sio', url: server.url, rate: p.rate, length: p.length, warmupS: p.warmupS, measureS: p.measureS }
        : // The bare server takes the same POST as Parley (any room path; the cookie is ignored).
          { target: 'parley', url: server.url, cookie: s.sender.cookie, roomId: s.roomId, rate: p.rate, length: p.length, warmupS: p.warmupS, measureS: p.measureS },
      (p.warmupS + p.measureS) * 1000 + 60_000,
    )
    const start = await started
    const expected = run.sent * s.receivers.length
    let delivered = 0
    let polls = 0
    let requests = 0
    // Drain: wait (bounded) until every receiver has every measured message.
    await until(async () => {
      const counts = await Promise.all(clients.map((c) => c.call<Counts>('counts')))
      delivered = counts.reduce((n, c) => n + c.measured, 0)
      polls = counts.reduce((n, c) => n + c.polls, 0)
      requests = counts.reduce((n, c) => n + c.requests, 0)
      return delivered >= expected
    }, 15_000)
    const cpu = cpuMicros(server.pid) - start.cpu
    const clientCpu = clientsCpu() - start.clientCpu
    const written = storageWriteBytes(server.pid) - start.io
    const windowMs = performance.now() - start.at
    if (side === 'parley') ctx.windows[`fanout-${round}`] = [start.mono, monotonicMicros()]
    clearInterval(sampler)
    rss.push(rssBytes(server.pid))
    const connectionTypes = side === 'faye' ? await longPollingOnly(server.child, s.receivers.length) : undefined
    const results = await Promise.all(clients.map((c) => c.call<Stopped>('stop')))
    const lat = sortedCopy(results.flatMap((r) => [...r.latencies]))
    return {
      deliveries: lat.length,
      expected,
      sent: run.sent,
      sendFailures: run.failures,
      cpuUsPerDelivery: cpu / Math.max(1, lat.length),
      writeBytesPerMessage: written / Math.max(1, run.sent),
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      max: lat.length ? lat[lat.length - 1]! : NaN,
      rssMB: Math.max(...rss) / (1024 * 1024),
      windowMs,
      cpuShare: cpu / (windowMs * 1000),
      settleMs,
      load1: loadavg()[0]!,
      clientErrors: results.reduce((n, r) => n + r.errors, 0),
      eventsPerPoll: lat.length / Math.max(1, polls - start.polls),
      clientCpuUsPerDelivery: clientCpu / Math.max(1, lat.length),
      requestsPerDelivery: (requests - start.requests) / Math.max(1, lat.length),
      ...(connectionTypes ? { connectionTypes } : {}),
    }
  } finally {
    await Promise.all([...clients, ...(senderProc ? [senderProc] : [])].map((c) => c.stop()))
    await server.stop()
  }
}

/** Faye's server says which connection type each client used: every one must have long-polled. */
async function longPollingOnly(server: Child, receivers: number): Promise<Record<string, number>> {
  const types = await server.call<Record<string, number>>('connectionTypes')
  const others = Object.keys(types).filter((t) => t !== 'long-polling')
  // Receivers plus the sender; a client that lost its session would connect again under a new id.
  if (others.length || (types['long-polling'] ?? 0) < receivers) throw new Error(`Faye clients did not all long-poll: ${JSON.stringify(types)}`)
  return types
}
