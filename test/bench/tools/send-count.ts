// node dist/test/bench/tools/send-count.js [options] — the send's server cost, counted instead of
// timed: a diagnostic, not a benchmark (its figures go in the README's Benchmarks section or in
// commit messages, never in code).
//
// The send benchmark's workload (benches/send.ts: guests in one room, each posting the same
// 100-character message on its own keep-alive connection, the next as soon as the last is
// answered) with the server under valgrind's callgrind, as tools/fanout-count.ts runs it. Each
// window is a number of sends per connection, all connections at once, then the server idle and
// the instructions dumped (callgrind_control -d); per send = the difference between the last two
// windows ÷ the difference in sends, which cancels what a window costs whatever its length.
// Commits = calls of SQLite's sqlite3PagerCommitPhaseOne in the window (one per write
// transaction, whichever checkout runs): sends ÷ commits is the mean group of the group commit.
//
// --tool none runs the server without valgrind, at full speed: commits are counted by a probe
// loaded into it (the "commit" statements better-sqlite3 runs), and its CPU time per send
// (user + system, timed, so moved by the machine's load) is given instead of instructions.
//
// Options: --root DIR (the checkout whose server runs; default this one), --connections N (50),
// --warmup N (sends per connection, not counted; 150: the JIT settles), --windows 40,120 (sends per connection in each
// counted window), --tool callgrind|none, --cache-sim (callgrind's cache simulation too: its
// misses by function in callgrind_annotate; several times slower, so work that follows the clock
// weighs more per send: compare such runs only with each other), --out DIR (callgrind's dumps, kept for callgrind_annotate).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { callgrindPrefix, dumpText, idle, type Server, startParleyAt, VGDB_ENV } from '../lib/callgrind.js'
import { keepAliveAgent, request } from '../lib/http.js'
import { cpuSplitMicros, sleep } from '../lib/procstat.js'
import { createRoom, type Guest, joinRoom, ROOT, signInGuests } from '../lib/parley.js'

const { values: opt } = parseArgs({
  options: {
    root: { type: 'string', default: ROOT },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '150' },
    windows: { type: 'string', default: '40,120' },
    tool: { type: 'string', default: 'callgrind' },
    'cache-sim': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
})
const root = resolve(opt.root)
const connections = Number(opt.connections)
const windows = opt.windows.split(',').map(Number)
const tool = opt.tool as 'callgrind' | 'none'
const TEXT = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore e'

/** --tool none: the server counts the "commit" statements it runs and writes the count to stderr on SIGUSR2. */
const PROBE = `import { createRequire } from 'node:module'
const Database = createRequire(process.cwd() + '/')('better-sqlite3')
const prepare = Database.prototype.prepare
let commits = 0
Database.prototype.prepare = function (...args) {
  const stmt = prepare.apply(this, args)
  const proto = Object.getPrototypeOf(stmt)
  if (!proto.counted) {
    const run = proto.run
    proto.run = function (...a) {
      if (this.source === 'commit') commits++
      return run.apply(this, a)
    }
    proto.counted = true
  }
  return stmt
}
process.on('SIGUSR2', () => process.stderr.write('COMMITS ' + commits + '\\n'))`

/** The server of root, under callgrind, with the probe (--tool none), or plain (setup). */
async function startServer(dataDir: string, outDir?: string): Promise<Server> {
  const { cmd, args } = !outDir ? { cmd: process.execPath, args: [] } : tool === 'callgrind' ? callgrindPrefix(outDir, opt['cache-sim']) : { cmd: process.execPath, args: [`--import=data:text/javascript,${encodeURIComponent(PROBE)}`] }
  return startParleyAt(root, dataDir, cmd, args)
}

/** Calls of the functions named `name` (or its compiler's clones, `name.part.0`) in a callgrind dump (names compressed as "(id) name" once, "(id)" after). */
function callsOf(dump: string, name: string): number {
  const ids = new Map<string, string>()
  let calls = 0
  let target = false
  for (const line of dump.split('\n')) {
    const m = /^c?fn=\((\d+)\)(?: (.*))?$/.exec(line)
    if (m) {
      if (m[2] !== undefined) ids.set(m[1]!, m[2])
      const fn = ids.get(m[1]!)
      target = line.startsWith('cfn=') && (fn === name || fn?.startsWith(name + '.') === true)
    } else if (target && line.startsWith('calls=')) {
      calls += Number(line.slice(6).split(' ')[0])
      target = false
    }
  }
  return calls
}

type Window = { sends: number; instructions: number; commits: number; system?: number }

/** --tool none: the probe's count of commits so far. */
async function probedCommits(server: Server): Promise<number> {
  const seen = server.stderr().split('COMMITS ').length
  process.kill(server.pid, 'SIGUSR2')
  while (server.stderr().split('COMMITS ').length === seen) await sleep(20)
  return Number(server.stderr().split('COMMITS ').at(-1)!.split('\n')[0])
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'parley-send-count-'))
  const outDir = opt.out ? resolve(opt.out) : join(dir, 'out')
  mkdirSync(outDir, { recursive: true })
  const dataDir = join(dir, 'data')
  try {
    const setup = await startServer(dataDir)
    let guests: Guest[], roomId: number
    try {
      guests = await signInGuests(setup.url, Array.from({ length: connections }, (_, i) => `sender${i}`))
      roomId = await createRoom(setup.url, guests[0]!, 'send count', Math.max(connections, 2))
      await joinRoom(setup.url, roomId, guests.slice(1))
    } finally {
      await setup.stop()
    }
    const server = await startServer(dataDir, outDir)
    const agent = keepAliveAgent()
    const body = { text: TEXT }
    // Every connection sends n messages, each as soon as its last is answered.
    const round = (n: number) =>
      Promise.all(
        guests.map(async (g) => {
          for (let i = 0; i < n; i++) {
            const r = await request(agent, server.url, 'POST', `/api/rooms/${roomId}/messages`, { cookie: g.cookie, json: body, timeoutMs: 300_000 })
            if (r.status !== 201) throw new Error(`send: HTTP ${r.status} ${r.text.slice(0, 200)}`)
          }
        }),
      )
    try {
      await round(Number(opt.warmup))
      await idle(server.pid)
      if (tool === 'callgrind') execFileSync('callgrind_control', ['--instr=on', String(server.pid)], { stdio: 'ignore', env: VGDB_ENV })
      const results: Window[] = []
      for (const [k, n] of windows.entries()) {
        const before = tool === 'none' ? { commits: await probedCommits(server), cpu: cpuSplitMicros(server.pid) } : undefined
        await round(n)
        if (before) {
          // Instructions stand for CPU microseconds here.
          const cpu = cpuSplitMicros(server.pid)
          const system = cpu.system - before.cpu.system
          results.push({ sends: n * connections, instructions: cpu.user - before.cpu.user + system, system, commits: (await probedCommits(server)) - before.commits })
          continue
        }
        await idle(server.pid)
        execFileSync('callgrind_control', ['--dump=window' + k, String(server.pid)], { stdio: 'ignore', env: VGDB_ENV })
        const dump = await dumpText(outDir, k + 1)
        results.push({ sends: n * connections, instructions: Number(/^totals:\s+(\d+)/m.exec(dump)![1]), commits: callsOf(dump, 'sqlite3PagerCommitPhaseOne') })
      }
      const label = `${root} (${connections} connections, load ${loadavg()[0]!.toFixed(2)})`
      const unit = tool === 'none' ? 'µs of server CPU' : 'instructions'
      for (const w of results) console.log(`${label}: ${w.sends} sends, ${w.commits} commits (${(w.sends / w.commits).toFixed(1)} sends each), ${(w.instructions / w.sends).toFixed(tool === 'none' ? 1 : 0)} ${unit} per send${w.system === undefined ? '' : ` (${(w.system / w.sends).toFixed(1)} system)`}`)
      if (results.length >= 2) {
        const [a, b] = results.slice(-2) as [Window, Window]
        console.log(`${label}: ${((b.instructions - a.instructions) / (b.sends - a.sends)).toFixed(tool === 'none' ? 1 : 0)} ${unit} per send (difference of the last two windows)`)
      }
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
