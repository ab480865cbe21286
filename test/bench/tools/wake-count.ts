// node dist/test/bench/tools/wake-count.js [options] — the idle benchmark's wake, counted instead
// of timed: the server's cost of answering one held poll when one event wakes many. A diagnostic,
// not a benchmark (its figures go in the README's Benchmarks section, never in code).
//
// The server (Parley as `npm start` runs it, or the bare node:http floor) runs under valgrind's
// callgrind, instrumentation off. N receivers hold one poll each; then, instrumented, an event
// wakes them (Parley: a room created; bare: POST /wake) and the count runs until every receiver
// has its answer and the server is idle. The same is done once with no poll held (the waking
// request alone): per woken poll = the difference ÷ N. Receivers do not poll again inside a
// counted window (their next polls are made with instrumentation off), so only the answers count.
// Several windows of each kind alternate; the figures are from the lowest of each kind (windows
// with a major collection or an optimizing compile in them count several times more) and from
// their medians.
//
// --tool none: the same without valgrind, the server's CPU time (utime + stime, the kernel's part
// of the writes included) instead of instructions.
//
// Options: --root DIR (the checkout whose server runs), --side parley|bare, --receivers N (1000),
// --rounds N (3), --warmup N (5 uncounted wakes), --tool callgrind|none, --out DIR (callgrind's dumps, kept for callgrind_annotate).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { callgrindPrefix, dumpedInstructions, idle, type Server, startBareHold, startParleyAt, VGDB_ENV } from '../lib/callgrind.js'
import { keepAliveAgent, request } from '../lib/http.js'
import { ROOT, signInGuests, type Guest } from '../lib/parley.js'
import { cpuMicros, sleep } from '../lib/procstat.js'
import { spread } from '../lib/stats.js'

const { values: opt } = parseArgs({
  options: {
    root: { type: 'string', default: ROOT },
    side: { type: 'string', default: 'parley' },
    receivers: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '5' },
    tool: { type: 'string', default: 'callgrind' },
    out: { type: 'string' },
  },
})
const root = resolve(opt.root)
const side = opt.side as 'parley' | 'bare'
const receiverCount = Number(opt.receivers)
const rounds = Number(opt.rounds)
const warmup = Number(opt.warmup)
const tool = opt.tool as 'callgrind' | 'none'

async function startServer(dataDir: string, outDir: string | undefined): Promise<Server> {
  const { cmd, args } = outDir && tool === 'callgrind' ? callgrindPrefix(outDir) : { cmd: process.execPath, args: [] }
  if (side === 'bare') return startBareHold(cmd, args)
  // The waker creates a room per wake, more than the hourly limit; and no request timeout (under
  // valgrind a wake can keep the server busy for longer than it).
  return startParleyAt(root, dataDir, cmd, args, { ROOM_CREATE_RATE_LIMIT: '0', REQUEST_TIMEOUT: '0' })
}

/** One receiver: one poll at a time, made when asked; its answer awaited. */
class Receiver {
  cursor = ''
  constructor(
    private readonly agent: http.Agent,
    private readonly url: string,
    private readonly cookie: string,
  ) {}

  private async get(path: string): Promise<{ data: { events: unknown[]; cursor: string } }> {
    const r = await request(this.agent, this.url, 'GET', path, { cookie: this.cookie, timeoutMs: 600_000 })
    if (r.status !== 200) throw new Error(`HTTP ${r.status} ${r.text.slice(0, 200)}`)
    return r.body
  }

  async start(): Promise<void> {
    // Also opens this receiver's connection, kept by the agent: a held poll never waits on a connect.
    this.cursor = (await this.get(side === 'parley' ? '/api/poll' : '/?hold=0')).data.cursor
  }

  /** Holds a poll; resolves with the answer. */
  async hold(): Promise<void> {
    const body = await this.get(side === 'parley' ? `/api/poll?cursor=${this.cursor}&timeout=55` : '/?hold=1')
    if (body.data.events.length !== 1) throw new Error(`an answer with ${body.data.events.length} events`)
    this.cursor = body.data.cursor
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'parley-wake-'))
  const outDir = opt.out ? resolve(opt.out) : join(dir, 'out')
  mkdirSync(outDir, { recursive: true })
  const dataDir = join(dir, 'data')
  try {
    let guests: Guest[]
    if (side === 'parley') {
      const setup = await startServer(dataDir, undefined)
      try {
        guests = await signInGuests(setup.url, Array.from({ length: receiverCount + 1 }, (_, i) => `wake${i}`))
      } finally {
        await setup.stop()
      }
    } else guests = Array.from({ length: receiverCount + 1 }, (_, i) => ({ id: i, cookie: `c=${i}` }))
    const server = await startServer(dataDir, outDir)
    const agent = keepAliveAgent()
    const [waker, ...rest] = guests as [Guest, ...Guest[]]
    const receivers = rest.map((g) => new Receiver(agent, server.url, g.cookie))
    let woken = 0
    const wake = async () => {
      const r = side === 'parley' ? await request(agent, server.url, 'POST', '/api/rooms', { cookie: waker.cookie, json: { name: `wake ${++woken}` }, timeoutMs: 600_000 }) : await request(agent, server.url, 'POST', '/wake', { timeoutMs: 600_000 })
      if (r.status !== 200 && r.status !== 201) throw new Error(`wake: HTTP ${r.status} ${r.text.slice(0, 200)}`)
    }
    const instr = (on: boolean) => tool === 'callgrind' && execFileSync('callgrind_control', [`--instr=${on ? 'on' : 'off'}`, String(server.pid)], { stdio: 'ignore', env: VGDB_ENV })
    /** Waits until the server holds every receiver's poll (Parley's gauge; the bare server: a second later). */
    const allHeld = async (n: number) => {
      for (;;) {
        await sleep(side === 'bare' ? 1000 : 100)
        if (side === 'bare') return
        const m = /^parley_held_polls (\d+)/m.exec((await request(agent, server.url, 'GET', '/metrics', { timeoutMs: 600_000 })).text)
        if (Number(m?.[1]) >= n) return
      }
    }
    let dumps = 0
    /** One counted window: the wake, every held poll answered, the server idle. */
    const window = async (held: Promise<void>[]): Promise<number> => {
      await idle(server.pid)
      const cpu = cpuMicros(server.pid)
      instr(true)
      await wake()
      await Promise.all(held)
      await idle(server.pid)
      if (tool === 'none') return cpuMicros(server.pid) - cpu
      execFileSync('callgrind_control', [`--dump=w${dumps}`, String(server.pid)], { stdio: 'ignore', env: VGDB_ENV })
      instr(false)
      return dumpedInstructions(outDir, ++dumps)
    }
    try {
      for (let i = 0; i < receivers.length; i += 16) await Promise.all(receivers.slice(i, i + 16).map((r) => r.start()))
      /** Every receiver's next poll, once all are held. A rejection is seen when awaited. */
      const holdEach = async (receiving = receivers, before: Promise<void>[] = []) => {
        const held = [...before, ...receiving.map((r) => r.hold())]
        for (const p of held) p.catch(() => undefined)
        await allHeld(held.length)
        return held
      }
      // The first polls in steps of 50, each held before the next (each needs a connection of
      // its own, and 2,000 coming at once were dropped by a server under valgrind).
      let held: Promise<void>[] = []
      for (let i = 0; i < receivers.length; i += 50) held = await holdEach(receivers.slice(i, i + 50), held)
      // Uncounted wakes first: the code paths compiled (the counts fall over several wakes of a
      // thousand polls), the bare server's queues made.
      for (let k = 0; k < warmup; k++) {
        if (k > 0) held = await holdEach()
        await wake()
        await Promise.all(held)
      }
      const withPolls: number[] = []
      const without: number[] = []
      for (let k = 0; k < rounds; k++) {
        without.push(await window([]))
        // That wake's event waits for every receiver (queued, or after its cursor): taken uncounted.
        // Every receiver has its connection in the agent's pool by now: no steps needed.
        await Promise.all(receivers.map((r) => r.hold()))
        withPolls.push(await window(await holdEach()))
      }
      const unit = tool === 'callgrind' ? 'instructions' : 'µs of CPU'
      const digits = tool === 'callgrind' ? 0 : 1
      const [a, b] = [spread(withPolls), spread(without)]
      const perMedian = (a.median - b.median) / receivers.length
      // The lowest windows: those without a major collection or an optimizing compile in them.
      const perLowest = (a.min - b.min) / receivers.length
      console.log(`${side} ${root} (${receivers.length} receivers, ${rounds} rounds, load ${loadavg()[0]!.toFixed(2)}): wake with polls ${withPolls.join(', ')}; without ${without.join(', ')} ${unit}`)
      console.log(`${side}: ${perLowest.toFixed(digits)} ${unit} per woken poll from the lowest windows, ${perMedian.toFixed(digits)} from the medians (difference ÷ receivers)`)
    } catch (err) {
      console.error(`the server's last output:\n${server.stderr().slice(-3000)}`)
      throw err
    } finally {
      agent.destroy()
      await server.stop()
    }
  } finally {
    rmSync(join(dir, 'data'), { recursive: true, force: true })
    if (!opt.out) rmSync(dir, { recursive: true, force: true })
  }
}

await main()
