// node dist/test/bench/tools/history-count.js [options] — the history answer's server cost per
// request, counted instead of timed: a diagnostic, not a benchmark (its figures go in the
// README's Benchmarks section, never in code).
//
// The database is the history benchmark's (clients/seed-history.ts), smaller by default: the
// newest page of a room is served from memory, so the per-request cost does not depend on how
// many messages lie behind it. The server (Parley as `npm start` runs it) runs under valgrind's
// callgrind (see tools/fanout-count.ts); a few keep-alive connections GET the newest page of
// rooms in a fixed pseudo-random order, as the benchmark's reader. After a warm-up that asks
// every room (its page and members then in memory) instructions are dumped at the end of each
// window (callgrind_control -d); per request = the difference between the last window and the last
// one of another length ÷ the difference in requests, which cancels what a window costs whatever its length.
//
// Options: --root DIR (the checkout whose server runs; default this one), --rooms N (1000),
// --messages N (100000), --connections N (4), --warmup N (6000 requests), --windows 2000,6000,6000
// (requests in each counted window; the last two equal ones show the spread), --out DIR (callgrind's dumps, kept for callgrind_annotate),
// --node-args='...' (node's own options for the server, e.g. --perf-basic-prof: /tmp/perf-PID.map
// names the JIT code that callgrind_annotate shows as bare addresses; V8 also leaves an
// isolate-*-v8.log in the server's directory).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { callgrindPrefix, dumpedInstructions, startParleyAt, VGDB_ENV } from '../lib/callgrind.js'
import { keepAliveAgent } from '../lib/http.js'
import { forkBench } from '../lib/ipc.js'
import { ROOT, signInGuests, startParley } from '../lib/parley.js'

const { values: opt } = parseArgs({
  options: {
    root: { type: 'string', default: ROOT },
    rooms: { type: 'string', default: '1000' },
    messages: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '6000' },
    windows: { type: 'string', default: '2000,6000,6000' },
    out: { type: 'string' },
    'node-args': { type: 'string', default: '' },
  },
})
const root = resolve(opt.root)
const connections = Number(opt.connections)
const windows = opt.windows.split(',').map(Number)

/** GETs `count` paths, `connections` at a time, each answer read whole and checked. */
async function run(agent: http.Agent, base: URL, cookie: string, paths: readonly string[], next: () => number, count: number): Promise<void> {
  let left = count
  const one = () =>
    new Promise<void>((done, reject) => {
      const req = http.get({ agent, host: base.hostname, port: base.port, path: paths[next()], headers: { cookie } }, (res) => {
        res.on('data', () => {})
        res.on('end', () => (res.statusCode === 200 ? done() : reject(new Error(`HTTP ${res.statusCode}`))))
      })
      req.on('error', reject)
    })
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (left > 0) {
        left--
        await one()
      }
    }),
  )
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'parley-count-'))
  const outDir = opt.out ? resolve(opt.out) : join(dir, 'out')
  mkdirSync(outDir, { recursive: true })
  const dataDir = join(dir, 'data')
  try {
    // The server creates and migrates the database and signs the reader in; the rest is seeded.
    const setup = await startParley(dataDir)
    const [reader] = await signInGuests(setup.url, ['reader'])
    await setup.stop()
    const seeder = forkBench('seed', 'clients/seed-history.js')
    let roomIds: number[]
    try {
      ;({ roomIds } = await seeder.call('seed', { file: join(dataDir, 'parley.db'), readerId: reader!.id, rooms: Number(opt.rooms), messages: Number(opt.messages) }, 15 * 60_000))
    } finally {
      await seeder.stop()
    }
    const paths = roomIds.map((id) => `/api/rooms/${id}/messages`)

    const { cmd, args } = callgrindPrefix(outDir)
    const server = await startParleyAt(root, dataDir, cmd, [...args, ...opt['node-args'].split(' ').filter(Boolean)])
    const agent = keepAliveAgent()
    try {
      // Every room once, then pseudo-random rooms (the same sequence each run).
      let k = 0
      let x = 12345
      const next = () => (k < paths.length ? k++ : (x = (Math.imul(x, 1103515245) + 12345) >>> 0) % paths.length)
      const base = new URL(server.url)
      await run(agent, base, reader!.cookie, paths, next, Math.max(Number(opt.warmup), paths.length))
      execFileSync('callgrind_control', ['--instr=on', String(server.pid)], { stdio: 'ignore', env: VGDB_ENV })
      const counted: number[] = []
      for (const [i, count] of windows.entries()) {
        await run(agent, base, reader!.cookie, paths, next, count)
        execFileSync('callgrind_control', ['--dump=window' + i, String(server.pid)], { stdio: 'ignore', env: VGDB_ENV })
        counted.push(await dumpedInstructions(outDir, i + 1))
        console.log(`${root} (${connections} connections, load ${loadavg()[0]!.toFixed(2)}): window ${i}: ${count} requests, ${(counted[i]! / count).toFixed(0)} instructions per request`)
      }
      // The last window against the last one of another length (equal windows show the spread).
      const last = windows.length - 1
      const other = windows.findLastIndex((n) => n !== windows[last])
      if (other !== -1) {
        const d = (counted[last]! - counted[other]!) / (windows[last]! - windows[other]!)
        console.log(`${root}: ${d.toFixed(0)} instructions per request (difference of windows ${other} and ${last})`)
      }
    } finally {
      agent.destroy()
      await server.stop()
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
    if (!opt.out) rmSync(dir, { recursive: true, force: true })
  }
}

await main()
