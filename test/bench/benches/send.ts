// 2. Send throughput: `connections` users, one keep-alive connection each, posting 100-character
// messages to one room they all belong to, against Hono's hello world; both driven by autocannon.
import { join } from 'node:path'
import { type BenchContext, order, startOwnServer } from '../lib/common.js'
import { forkBench } from '../lib/ipc.js'
import { createRoom, joinRoom, signInGuests, startParley } from '../lib/parley.js'
import { cpuMicros, storageWriteBytes } from '../lib/procstat.js'
import { monotonicMicros, type Window } from '../lib/profile.js'

export type CannonResult = {
  ok: number
  perSecond: number
  total: number
  non2xx: number
  errors: number
  timeouts: number
  p50: number
  p99: number
  duration: number
  /** Server CPU (user + system) per successful request, over the measured run. */
  cpuUsPerOk: number
  /** Bytes the server wrote to storage per successful request (database and WAL). */
  writeBytesPerOk: number
}
export type ThroughputRound = { parley: CannonResult; hello: CannonResult }
export type CannonParams = { connections: number; durationS: number; warmupS: number }

/** Runs autocannon (in its own process) against one target. */
export async function cannon(target: Record<string, unknown>, p: CannonParams, serverPid: number, window?: (w: Window) => void): Promise<CannonResult> {
  const c = forkBench('autocannon', 'clients/cannon.js')
  try {
    const start = c.next('measure-start', (p.warmupS + 30) * 1000).then(() => ({ cpu: cpuMicros(serverPid), io: storageWriteBytes(serverPid), mono: monotonicMicros() }))
    const r = await c.call<Omit<CannonResult, 'cpuUsPerOk' | 'writeBytesPerOk'>>(
      'run',
      { ...target, connections: p.connections, durationS: p.durationS, warmupS: p.warmupS },
      (p.durationS + p.warmupS) * 1000 + 60_000,
    )
    const s = await start
    const cpu = cpuMicros(serverPid) - s.cpu
    const io = storageWriteBytes(serverPid) - s.io
    window?.([s.mono, monotonicMicros()])
    return { ...r, cpuUsPerOk: cpu / Math.max(1, r.ok), writeBytesPerOk: io / Math.max(1, r.ok) }
  } finally {
    await c.stop()
  }
}

export async function helloSide(p: CannonParams): Promise<CannonResult> {
  const hello = await startOwnServer('hello', 'servers/hello.js')
  try {
    return await cannon({ url: hello.url + '/' }, p, hello.pid)
  } finally {
    await hello.stop()
  }
}

export async function send(ctx: BenchContext, p: CannonParams): Promise<ThroughputRound[]> {
  const dataDir = join(ctx.workDir, 'send')
  const t = Date.now()
  const setup = await startParley(dataDir)
  const users = await signInGuests(setup.url, Array.from({ length: p.connections }, (_, i) => `sender${i}`))
  const roomId = await createRoom(setup.url, users[0]!, 'send throughput', Math.max(p.connections, 2))
  await joinRoom(setup.url, roomId, users.slice(1))
  await setup.stop()
  ctx.log(`send setup: ${users.length} guests in one room in ${Date.now() - t} ms`)

  const body = JSON.stringify({ text: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore e' })
  return throughputRounds(ctx, p, 'send', dataDir, (url, pid, onWindow) =>
    cannon(
      {
        url: `${url}/api/rooms/${roomId}/messages`,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
        cookies: users.map((u) => u.cookie),
      },
      p,
      pid,
      onWindow,
    ),
  )
}

/**
 * Rounds of Parley against the hello world, alternating which goes first. `load` drives the
 * Parley side (a fresh server on `dataDir` each round) and returns its result.
 */
export async function throughputRounds(
  ctx: BenchContext,
  p: CannonParams,
  name: 'send' | 'history',
  dataDir: string,
  load: (url: string, pid: number, onWindow: (w: Window) => void) => Promise<CannonResult>,
): Promise<ThroughputRound[]> {
  const rounds: ThroughputRound[] = []
  for (let i = 0; i < ctx.rounds; i++) {
    const round = {} as ThroughputRound
    for (const side of order(i, 'parley', 'hello') as Array<'parley' | 'hello'>) {
      if (side === 'hello') round.hello = await helloSide(p)
      else {
        const server = await startParley(dataDir, ctx.profDir ? { cpuProfDir: join(ctx.profDir, `${name}-${i}`) } : {})
        try {
          round.parley = await load(server.url, server.pid, (w) => (ctx.windows[`${name}-${i}`] = w))
        } finally {
          await server.stop()
        }
      }
      const r = round[side]
      const written = name === 'send' ? ` and ${(r.writeBytesPerOk / 1024).toFixed(1)} KiB written` : ''
      ctx.log(`${name} round ${i + 1} ${side}: ${r.perSecond.toFixed(0)}/s, ${r.cpuUsPerOk.toFixed(0)} µs server CPU${written} each (non-2xx ${r.non2xx}, errors ${r.errors}, p99 ${r.p99} ms)`)
    }
    rounds.push(round)
  }
  return rounds
}
