// node dist/test/bench/tools/fanout-count.js [options] — the fan-out's server cost per delivery,
// counted instead of timed: a diagnostic, not a benchmark (its figures go in the README's
// Benchmarks section, never in code).
//
// The server (Parley as `npm start` runs it, or the bare node:http floor) runs under valgrind's
// callgrind, which counts the instructions it executes on every thread (JIT code, GC threads,
// libuv, system call wrappers; not the kernel): a count that the machine's load does not move.
// Receivers long-poll one room and a sender posts one message at a time, in lockstep: the next
// message goes only once every receiver has the last one and the server is idle again with their
// next polls held, so every answer carries exactly one message. Instructions are dumped at the
// end of each window (callgrind_control -d); per delivery = the difference between the last two
// windows (different message counts) ÷ the difference in deliveries, which cancels what a window
// costs whatever its length (the dump, the idle waits' timers).
//
// --tool none runs the server without valgrind and with --trace-gc-nvp instead: bytes allocated
// on V8's heap and young/old collections per delivery, by window, and the RSS at the end.
//
// Options: --root DIR (the checkout whose server runs; default this one), --side parley|bare,
// --receivers N (200), --warmup N (30 messages, not counted), --windows 20,60 (messages in each
// counted window), --tool callgrind|none, --out DIR (callgrind's dumps, kept for callgrind_annotate).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { callgrindPrefix, dumpedInstructions, idle, type Server, startBareHold, startParleyAt, VGDB_ENV } from '../lib/callgrind.js'
import { keepAliveAgent, request } from '../lib/http.js'
import { createRoom, joinRoom, ROOT, signInGuests, type Guest } from '../lib/parley.js'
import { rssBytes, sleep } from '../lib/procstat.js'

const { values: opt } = parseArgs({
  options: {
    root: { type: 'string', default: ROOT },
    side: { type: 'string', default: 'parley' },
    receivers: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '30' },
    windows: { type: 'string', default: '20,60' },
    tool: { type: 'string', default: 'callgrind' },
    out: { type: 'string' },
  },
})
const root = resolve(opt.root)
const side = opt.side as 'parley' | 'bare'
const receiverCount = Number(opt.receivers)
const warmup = Number(opt.warmup)
const windows = opt.windows.split(',').map(Number)
const tool = opt.tool as 'callgrind' | 'none'

/**
 * --tool none: on SIGUSR2 the server collects its garbage and says so, so the GC trace's
 * "allocated" figures (bytes allocated since the collection before) add up to a window exactly.
 */
const PROBE = `import v8 from 'node:v8'
process.on('SIGUSR2', () => {
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, [s.space_size, s.space_used_size]]))
  const m = process.memoryUsage()
  globalThis.gc()
  if (process.env.PROBE_SNAPSHOT_DIR) v8.writeHeapSnapshot(process.env.PROBE_SNAPSHOT_DIR + '/' + Date.now() + '.heapsnapshot')
  process.stderr.write('PROBE ' + JSON.stringify({ rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, spaces }) + '\\n')
})`

/** valgrind's command line before node's, or none (--tool none: V8's GC trace instead). */
function prefix(outDir: string | undefined): { cmd: string; args: string[] } {
  if (outDir === undefined) return { cmd: process.execPath, args: [] }
  return tool === 'callgrind'
    ? callgrindPrefix(outDir)
    : { cmd: process.execPath, args: ['--trace-gc-nvp', '--expose-gc', `--import=data:text/javascript,${encodeURIComponent(PROBE)}`] }
}

/** The server, under the tool (outDir given) or plain (setup). */
async function startServer(dataDir: string, outDir: string | undefined): Promise<Server> {
  const { cmd, args } = prefix(outDir)
  if (side === 'bare') return startBareHold(cmd, args)
  return startParleyAt(root, dataDir, cmd, args, outDir && process.env.PROBE_SNAPSHOT_DIR ? { PROBE_SNAPSHOT_DIR: process.env.PROBE_SNAPSHOT_DIR } : {})
}

/** One receiver: polls on with its cursor and counts what each answer carries. */
class Receiver {
  messages = 0
  answers = 0
  /** Answers that did not carry exactly one message (timeouts, presence, batches). */
  odd = 0
  cursor = ''
  stopped = false
  constructor(
    private readonly agent: http.Agent,
    private readonly base: URL,
    private readonly cookie: string,
  ) {}

  private get(path: string): Promise<string> {
    return new Promise((resolvePoll, reject) => {
      const req = http.request({ agent: this.agent, host: this.base.hostname, port: this.base.port, path, headers: side === 'parley' || this.cookie ? { cookie: this.cookie } : {} }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => (res.statusCode === 200 ? resolvePoll(text) : reject(new Error(`HTTP ${res.statusCode} ${text.slice(0, 200)}`))))
      })
      req.on('error', reject)
      req.end()
    })
  }

  async start(): Promise<void> {
    const first = JSON.parse(await this.get(side === 'parley' ? '/api/poll' : '/?hold=0')) as { data: { cursor: string } }
    this.cursor = first.data.cursor
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      const text = await this.get(side === 'parley' ? `/api/poll?cursor=${this.cursor}&timeout=55` : '/?hold=1').catch((err: unknown) => {
        if (!this.stopped) throw err
        return undefined
      })
      if (text === undefined) return
      const body = JSON.parse(text) as { data: { events: Array<{ type: string }>; cursor: string } }
      this.cursor = body.data.cursor
      this.answers++
      const n = body.data.events.filter((e) => e.type === 'message.created').length
      this.messages += n
      if (n !== 1 || body.data.events.length !== 1) this.odd++
    }
  }
}

type Window = { messages: number; deliveries: number; odd: number; instructions?: number; allocated?: number; scavenges?: number; markCompacts?: number; rssMB: number; memory?: string; survived?: number }

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'parley-count-'))
  const outDir = opt.out ? resolve(opt.out) : join(dir, 'out')
  mkdirSync(outDir, { recursive: true })
  const dataDir = join(dir, 'data')
  try {
    let guests: Guest[] = []
    let roomId = 0
    if (side === 'parley') {
      // Setup by the same checkout's server, without the tool: guests signed in, one room all joined.
      const setup = await startServer(dataDir, undefined)
      try {
        guests = await signInGuests(setup.url, Array.from({ length: receiverCount + 1 }, (_, i) => `fan${i}`))
        roomId = await createRoom(setup.url, guests[0]!, 'fan-out', receiverCount + 1)
        await joinRoom(setup.url, roomId, guests.slice(1))
      } finally {
        await setup.stop()
      }
    } else {
      guests = Array.from({ length: receiverCount + 1 }, (_, i) => ({ id: i, cookie: `c=${i}` }))
    }
    const server = await startServer(dataDir, outDir)
    const agent = keepAliveAgent()
    const base = new URL(server.url)
    const receivers = guests.slice(1).map((g) => new Receiver(agent, base, g.cookie))
    const sender = guests[0]!
    let sent = 0
    const send = async () => {
      sent++
      const r = await request(agent, server.url, 'POST', `/api/rooms/${roomId}/messages`, { cookie: sender.cookie, json: { text: `m${sent} ${'x'.repeat(94)}` }, timeoutMs: 300_000 })
      if (r.status !== 201) throw new Error(`send: HTTP ${r.status} ${r.text.slice(0, 200)}`)
    }
    const runs: Promise<void>[] = []
    try {
      for (let i = 0; i < receivers.length; i += 16) await Promise.all(receivers.slice(i, i + 16).map((r) => r.start()))
      for (const r of receivers) runs.push(r.run())
      const failed = Promise.all(runs).then(() => {
        throw new Error('receivers stopped')
      })
      // Lockstep: one message, every receiver has it, the server idle again (next polls held).
      const one = async () => {
        await Promise.race([send(), failed])
        while (receivers.some((r) => r.messages < sent)) await Promise.race([sleep(20), failed])
        await idle(server.pid)
      }
      await idle(server.pid)
      for (let i = 0; i < warmup; i++) await one()
      let gcSeen = 0
      if (tool === 'none') gcSeen = (await probe(server)).length
      // Counted from here: the warm-up ran uninstrumented (several times faster under valgrind).
      if (tool === 'callgrind') execFileSync('callgrind_control', ['--instr=on', String(server.pid)], { stdio: 'ignore', env: VGDB_ENV })
      const results: Window[] = []
      for (const [k, count] of windows.entries()) {
        const before = { messages: sum(receivers, 'messages'), odd: sum(receivers, 'odd') }
        for (let i = 0; i < count; i++) await one()
        const w: Window = { messages: count, deliveries: sum(receivers, 'messages') - before.messages, odd: sum(receivers, 'odd') - before.odd, rssMB: rssBytes(server.pid) / 2 ** 20 }
        if (tool === 'callgrind') {
          execFileSync('callgrind_control', ['--dump=window' + k, String(server.pid)], { stdio: 'ignore', env: VGDB_ENV })
          w.instructions = await dumpedInstructions(outDir, k + 1)
        } else {
          const lines = await probe(server)
          w.memory = server.stderr().split('PROBE ').at(-1)!.split('\n')[0]!
          const mine = lines.slice(gcSeen)
          gcSeen = lines.length
          w.allocated = mine.reduce((n, l) => n + Number(/allocated=(\d+)/.exec(l)?.[1] ?? 0), 0)
          w.survived = mine.reduce((n, l) => n + Number(/new_space_survived=(\d+)/.exec(l)?.[1] ?? 0) + Number(/ promoted=(\d+)/.exec(l)?.[1] ?? 0), 0)
          w.scavenges = mine.filter((l) => /gc=s\b/.test(l)).length
          w.markCompacts = mine.filter((l) => /gc=(mc|mmc)\b/.test(l)).length
        }
        results.push(w)
      }
      report(results)
    } finally {
      for (const r of receivers) r.stopped = true
      agent.destroy()
      await server.stop()
      await Promise.allSettled(runs)
    }
  } finally {
    rmSync(join(dir, 'data'), { recursive: true, force: true })
    if (!opt.out) rmSync(dir, { recursive: true, force: true })
  }
}

/** The GC trace's lines up to a collection forced now (the probe's). */
async function probe(server: Server): Promise<string[]> {
  const seen = server.stderr().split('PROBE').length
  process.kill(server.pid, 'SIGUSR2')
  while (server.stderr().split('PROBE').length === seen) await sleep(50)
  return server.stderr().split('\n').filter((l) => l.includes('pause='))
}

function sum(rs: Receiver[], key: 'messages' | 'odd'): number {
  return rs.reduce((n, r) => n + r[key], 0)
}

function report(ws: Window[]) {
  const label = `${side} ${root} (${receiverCount} receivers, load ${loadavg()[0]!.toFixed(2)})`
  for (const w of ws) {
    const per = (x: number | undefined) => (x === undefined ? '' : (x / w.deliveries).toFixed(0))
    const parts = [`${w.messages} messages, ${w.deliveries} deliveries (${w.odd} answers not exactly one message)`]
    if (w.instructions !== undefined) parts.push(`${per(w.instructions)} instructions per delivery`)
    if (w.allocated !== undefined) parts.push(`${per(w.allocated)} bytes allocated and ${per(w.survived)} copied by scavenges (survived or promoted) per delivery, ${w.scavenges} scavenges, ${w.markCompacts} mark-compacts`)
    parts.push(`RSS ${w.rssMB.toFixed(0)} MB`)
    console.log(`${label}: ${parts.join(', ')}`)
    if (w.memory) console.log(`  memory before the probe's collection: ${w.memory}`)
  }
  if (ws.length >= 2) {
    const [a, b] = ws.slice(-2) as [Window, Window]
    const key = a.instructions !== undefined ? 'instructions' : 'allocated'
    const d = (b[key]! - a[key]!) / (b.deliveries - a.deliveries)
    console.log(`${label}: ${d.toFixed(0)} ${key === 'instructions' ? 'instructions' : 'bytes allocated'} per delivery (difference of the last two windows)`)
  }
}

await main()
