// node dist/test/bench/tools/search-count.js [options] — a search's server cost, counted instead of
// timed: a diagnostic, not a benchmark (its figures go in the README's Benchmarks section or in
// commit messages, never in code).
//
// The search benchmark's database and queries (benches/search.ts: the history benchmark's
// 1,000,000 messages in 1,000 rooms, the reader in every room; lib/words.ts ONE_WORD_QUERIES and
// TWO_WORD_QUERIES) with the server (Parley as `npm start` runs it) under valgrind's callgrind, as
// tools/history-count.ts runs it. After a warm-up of both kinds, the kinds are asked in turn in
// equal windows of searches (a few keep-alive connections, the queries in turn), the instructions
// dumped at the end of each (callgrind_control -d); per search = a window's instructions ÷ its
// searches, the median window of each kind (what the server does between windows while idle is
// counted too, alike for every checkout; a major GC lands in some windows and not others).
//
// The split (per search, from the last window of each kind, ÷ its searches) is of inclusive
// costs, read from the dump's call edges: a part's cost is that of the calls into it from outside
// it. The parts nest: FTS5 (functions fts5* / sqlite3Fts5*) lies inside SQLite (better-sqlite3's
// own build of it: that object's C functions; `prepare` = sqlite3_prepare*), SQLite inside
// better-sqlite3 (the whole object: its C++ builds each row's values in JS). JS functions are
// named through node's --perf-basic-prof map and grouped by their file: kysely, hono, node's own
// http/net modules, Parley's search files (what V8 inlined into them included); "JSON" is V8's JSON builtins. The JS parts' figures are
// rough: an async function resumed after an await is called from the microtask queue, not from
// its caller, so kysely's part (its driver awaits better-sqlite3) can hold more than the request.
// What no part holds (V8's GC and compiler, the event loop) is in the total only; the kernel's
// side of a system call is not counted at all. Then the functions of most own cost.
//
// The database is seeded once into --data DIR when that holds none, and
// kept there for the next run (its reader's cookie in search-count.json); without --data, into a
// temporary directory removed at the end. A database is migrated by whichever checkout runs on it
// first: give each --root its own --data.
//
// Options: --root DIR (the checkout whose server runs; default this one), --data DIR, --rooms N
// (1000), --messages N (1000000), --connections N (4), --warmup N (searches of each kind, 600),
// --window 200 (searches in each counted window), --repeats 5 (windows of each kind), --out DIR (callgrind's dumps,
// kept for callgrind_annotate).
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { callgrindPrefix, dumpText, idle, startParleyAt, VGDB_ENV } from '../lib/callgrind.js'
import { keepAliveAgent } from '../lib/http.js'
import { forkBench } from '../lib/ipc.js'
import { type Guest, ROOT, signInGuests } from '../lib/parley.js'
import { ONE_WORD_QUERIES, TWO_WORD_QUERIES } from '../lib/words.js'

const { values: opt } = parseArgs({
  options: {
    root: { type: 'string', default: ROOT },
    data: { type: 'string' },
    rooms: { type: 'string', default: '1000' },
    messages: { type: 'string', default: '1000000' },
    connections: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '600' },
    window: { type: 'string', default: '200' },
    repeats: { type: 'string', default: '5' },
    out: { type: 'string' },
  },
})
const root = resolve(opt.root)
const connections = Number(opt.connections)
const perWindow = Number(opt.window)
const repeats = Number(opt.repeats)
const KINDS = { 'one word': ONE_WORD_QUERIES, 'two words': TWO_WORD_QUERIES } as const

/** GETs `count` paths in turn, `connections` at a time, each answer read whole and checked. */
async function run(agent: http.Agent, base: URL, cookie: string, paths: readonly string[], count: number): Promise<void> {
  let k = 0
  const one = (path: string) =>
    new Promise<void>((done, reject) => {
      const req = http.get({ agent, host: base.hostname, port: base.port, path, headers: { cookie } }, (res) => {
        res.on('data', () => {})
        res.on('end', () => (res.statusCode === 200 ? done() : reject(new Error(`HTTP ${res.statusCode} ${path}`))))
      })
      req.on('error', reject)
    })
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (k < count) await one(paths[k++ % paths.length]!)
    }),
  )
}

/** The reader of the database in dataDir, seeding it first (by root's server and migrations) when it holds none. */
async function database(dataDir: string): Promise<Guest> {
  const saved = join(dataDir, 'search-count.json')
  if (existsSync(saved)) return JSON.parse(readFileSync(saved, 'utf8')) as Guest
  const setup = await startParleyAt(root, dataDir, process.execPath, [])
  let reader: Guest
  try {
    ;[reader] = (await signInGuests(setup.url, ['reader'])) as [Guest]
  } finally {
    await setup.stop()
  }
  const seeder = forkBench('seed', 'clients/seed-history.js')
  try {
    const t = Date.now()
    await seeder.call('seed', { file: join(dataDir, 'parley.db'), readerId: reader.id, rooms: Number(opt.rooms), messages: Number(opt.messages) }, 15 * 60_000)
    console.log(`seeded ${dataDir} in ${Date.now() - t} ms`)
  } finally {
    await seeder.stop()
  }
  writeFileSync(saved, JSON.stringify(reader))
  return reader
}

// ---- The split: inclusive costs from a callgrind dump's call edges. ----

type Fn = { name: string; ob: string }
type Edge = { from: number; to: number; cost: number }

/** The dump's functions (by their compressed id) and every call edge with its inclusive cost. */
function parseDump(text: string): { fns: Map<number, Fn>; edges: Edge[]; self: Map<number, number> } {
  const names = { ob: new Map<string, string>(), fn: new Map<string, string>() }
  const fns = new Map<number, Fn>()
  const self = new Map<number, number>()
  const edges: Edge[] = []
  const fnIds = new Map<string, number>()
  // A function is its name in its object (the same compressed name id may name functions of several objects).
  const fnId = (name: string, ob: string) => {
    const key = ob + '\0' + name
    let id = fnIds.get(key)
    if (id === undefined) {
      id = fnIds.size
      fnIds.set(key, id)
      fns.set(id, { name, ob })
    }
    return id
  }
  const named = (kind: 'ob' | 'fn', v: string) => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(v)
    if (!m) return v
    if (m[2] !== undefined) names[kind].set(m[1]!, m[2])
    return names[kind].get(m[1]!) ?? v
  }
  let ob = ''
  let cob: string | undefined
  let cur = -1
  let callee = -1
  let pendingCall = false
  for (const line of text.split('\n')) {
    if (line.startsWith('ob=')) ob = named('ob', line.slice(3))
    else if (line.startsWith('cob=')) cob = named('ob', line.slice(4))
    else if (line.startsWith('fn=')) {
      cur = fnId(named('fn', line.slice(3)), ob)
      cob = undefined
    } else if (line.startsWith('cfn=')) {
      callee = fnId(named('fn', line.slice(4)), cob ?? ob)
      cob = undefined
    } else if (line.startsWith('calls=')) pendingCall = true
    else if (/^[+\-*\d]/.test(line)) {
      const cost = Number(line.split(' ')[1] ?? 0)
      if (pendingCall) {
        edges.push({ from: cur, to: callee, cost })
        pendingCall = false
      } else self.set(cur, (self.get(cur) ?? 0) + cost)
    }
  }
  return { fns, edges, self }
}

/** node's --perf-basic-prof map: JIT code's address ranges and names, sorted. */
function perfMap(pid: number): { start: bigint; end: bigint; name: string }[] {
  const file = `/tmp/perf-${pid}.map`
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [a, s, ...n] = l.split(' ')
      const start = BigInt('0x' + a)
      return { start, end: start + BigInt('0x' + s), name: n.join(' ') }
    })
    .sort((x, y) => (x.start < y.start ? -1 : 1))
}

function jsName(map: ReturnType<typeof perfMap>, fn: Fn): string | undefined {
  if (!/^0x[0-9a-f]+$/i.test(fn.name)) return undefined
  const at = BigInt(fn.name)
  let lo = 0
  let hi = map.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const e = map[mid]!
    if (at < e.start) hi = mid - 1
    else if (at >= e.end) lo = mid + 1
    else return e.name
  }
  return undefined
}

const NATIVE = 'better_sqlite3.node'
const isSqlite = (f: Fn) => f.ob.endsWith(NATIVE) && !f.name.includes('::') && !f.name.includes('(')

/** Inclusive cost per part of a window's dump. */
function split(text: string, map: ReturnType<typeof perfMap>): { parts: Map<string, number>; top: [string, number][] } {
  const { fns, edges, self } = parseDump(text)
  const js = new Map<number, string>()
  for (const [id, f] of fns) {
    const n = jsName(map, f)
    if (n !== undefined) js.set(id, n)
  }
  const inJs = (file: RegExp) => (id: number) => file.test(js.get(id) ?? '')
  const parts: [string, (id: number) => boolean][] = [
    ['FTS5', (id) => /^(sqlite3)?[Ff]ts5/.test(fns.get(id)!.name)],
    ['SQLite prepare (sqlite3_prepare*)', (id) => fns.get(id)!.name.startsWith('sqlite3_prepare')],
    ['SQLite (incl. FTS5, prepare)', (id) => isSqlite(fns.get(id)!)],
    ['better-sqlite3 (incl. SQLite)', (id) => fns.get(id)!.ob.endsWith(NATIVE)],
    ['kysely (JS, incl. better-sqlite3)', inJs(/node_modules\/kysely\//)],
    ['Parley store/search (JS: sqlite-search, search, terms)', inJs(/dist\/src\/(store\/sqlite-search|store\/search-scope|search\/)/)],
    ['JSON (V8 builtins)', (id) => /^Builtins_Json/i.test(fns.get(id)!.name)],
    ['hono (JS)', inJs(/node_modules\/hono\//)],
    ['node:http / net (JS)', inJs(/node:(_http|http|net|_stream|stream)/)],
  ]
  const out = new Map<string, number>()
  for (const [label, inPart] of parts) {
    let cost = 0
    for (const e of edges) if (inPart(e.to) && !inPart(e.from)) cost += e.cost
    out.set(label, cost)
  }
  let total = 0
  for (const c of self.values()) total += c
  out.set('total', total)
  return { parts: out, top: topSelf(fns, self, js) }
}

/** The functions of most own cost, JS ones by their name and file (tiers together). */
function topSelf(fns: Map<number, Fn>, self: Map<number, number>, js: Map<number, string>, n = 25): [string, number][] {
  const by = new Map<string, number>()
  for (const [id, c] of self) {
    const f = fns.get(id)!
    const name = js.get(id)?.replace(/^JS:[~^+*]?/, 'JS ') ?? `${f.name.slice(0, 90)} [${f.ob.split('/').at(-1)}]`
    by.set(name, (by.get(name) ?? 0) + c)
  }
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, n)
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'parley-search-count-'))
  const outDir = opt.out ? resolve(opt.out) : join(dir, 'out')
  mkdirSync(outDir, { recursive: true })
  const dataDir = opt.data ? resolve(opt.data) : join(dir, 'data')
  mkdirSync(dataDir, { recursive: true })
  try {
    const reader = await database(dataDir)
    // Once without valgrind: root's migrations and the index's start-time flush, at full speed.
    await (await startParleyAt(root, dataDir, process.execPath, [])).stop()
    const { cmd, args } = callgrindPrefix(outDir)
    const server = await startParleyAt(root, dataDir, cmd, [...args, '--perf-basic-prof'])
    const agent = keepAliveAgent()
    try {
      const base = new URL(server.url)
      const paths = Object.fromEntries(Object.entries(KINDS).map(([k, qs]) => [k, qs.map((q) => `/api/search?q=${encodeURIComponent(q)}`)]))
      // The kinds in turn, 50 at a time, so the JIT settles on both before either is counted.
      for (let done = 0; done < Number(opt.warmup); done += 50) for (const p of Object.values(paths)) await run(agent, base, reader.cookie, p, 50)
      await idle(server.pid)
      execFileSync('callgrind_control', ['--instr=on', String(server.pid)], { stdio: 'ignore', env: VGDB_ENV })
      let dump = 0
      const label = `${root} (${connections} connections)`
      const counted = new Map<string, number[]>(Object.keys(paths).map((k) => [k, []]))
      const lastDump = new Map<string, string>()
      // The kinds in turn, window after window, so that what comes and goes (a major GC, a
      // function optimized again) falls on both alike; the median window of each kind is its figure.
      for (let r = 0; r < repeats; r++) {
        for (const [kind, p] of Object.entries(paths)) {
          await run(agent, base, reader.cookie, p, perWindow)
          await idle(server.pid)
          execFileSync('callgrind_control', ['--dump=' + kind.replace(' ', '-'), String(server.pid)], { stdio: 'ignore', env: VGDB_ENV })
          const text = await dumpText(outDir, ++dump)
          lastDump.set(kind, text)
          counted.get(kind)!.push(Number(/^totals:\s+(\d+)/m.exec(text)![1]) / perWindow)
        }
      }
      for (const [kind, per] of counted) {
        const sorted = [...per].sort((a, b) => a - b)
        console.log(`${label}, load ${loadavg()[0]!.toFixed(2)}: ${kind}: ${sorted[sorted.length >> 1]!.toFixed(0)} instructions per search (median of ${per.length} windows of ${perWindow}: ${per.map((x) => x.toFixed(0)).join(', ')})`)
        const { parts, top } = split(lastDump.get(kind)!, perfMap(server.pid))
        for (const [part, cost] of parts) console.log(`  ${kind}: ${part}: ${(cost / perWindow).toFixed(0)} per search (inclusive, last window)`)
        for (const [name, cost] of top) console.log(`  ${kind}: own ${(cost / perWindow).toFixed(0)}: ${name}`)
      }
    } finally {
      agent.destroy()
      await server.stop()
      // Kept beside the dumps (--out), to name their JIT code.
      if (opt.out) copyFileSync(`/tmp/perf-${server.pid}.map`, join(outDir, 'perf.map'))
      rmSync(`/tmp/perf-${server.pid}.map`, { force: true })
      // What V8 also writes with --perf-basic-prof, in the server's directory.
      for (const f of readdirSync(root)) if (f.startsWith('isolate-') && f.endsWith(`-${server.pid}-v8.log`)) rmSync(join(root, f), { force: true })
    }
  } finally {
    if (!opt.data) rmSync(dataDir, { recursive: true, force: true })
    if (!opt.out) rmSync(dir, { recursive: true, force: true })
  }
}

await main()
