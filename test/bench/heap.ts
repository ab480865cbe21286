// node dist/test/bench/heap.js [polls] [bare]  — what one held poll keeps in Parley's JS heap
// (with `bare`: in the idle benchmark's bare node:http server, servers/bare-hold.ts, the floor).
// Takes a heap snapshot of the server (as npm start runs it) before and while `polls` guests hold
// a poll each, and prints the difference per poll: by constructor, which async functions are
// suspended, and what holds the arrays. A diagnostic for the idle-capacity figure, not a benchmark.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { forkBench } from './lib/ipc.js'
import { signInGuests, startParley } from './lib/parley.js'
import { sleep } from './lib/procstat.js'

type Snapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } }
  nodes: number[]
  edges: number[]
  strings: string[]
}

function analyse(file: string) {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot
  const { node_fields: nf, edge_fields: ef } = s.snapshot.meta
  const ntypes = s.snapshot.meta.node_types[0]
  const etypes = s.snapshot.meta.edge_types[0]
  const NL = nf.length
  const EL = ef.length
  const [it, iname, isz, iec] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f)) as [number, number, number, number]
  const [et, en, eto] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [number, number, number]
  const count = s.nodes.length / NL
  const first = new Uint32Array(count + 1)
  for (let i = 0, e = 0; i < count; i++, e += s.nodes[i * NL - NL + iec]! * EL) first[i] = e
  first[count] = s.edges.length
  const type = (i: number) => ntypes[s.nodes[i * NL + it]!]!
  const name = (i: number) => s.strings[s.nodes[i * NL + iname]!]!
  const byKind = new Map<string, [number, number]>()
  const suspended = new Map<string, number>()
  let total = 0
  for (let i = 0; i < count; i++) {
    const t = type(i)
    const size = s.nodes[i * NL + isz]!
    total += size
    const k = t === 'object' || t === 'closure' ? `${t} ${name(i) || '(anonymous)'}` : t
    const v = byKind.get(k) ?? [0, 0]
    v[0]++
    v[1] += size
    byKind.set(k, v)
    if (t === 'object' && name(i) === 'Generator') {
      // A suspended async function: its 'function' edge names it.
      let fn = '(anonymous)'
      for (let e = first[i]!; e < first[i + 1]!; e += EL) {
        if (etypes[s.edges[e + et]!] !== 'weak' && s.strings[s.edges[e + en]!] === 'function') {
          fn = name(s.edges[e + eto]! / NL) || '(anonymous)'
          break
        }
      }
      suspended.set(fn, (suspended.get(fn) ?? 0) + 1)
    }
  }
  return { total, byKind, suspended }
}

/** The idle benchmark's bare server (what lib/common.ts startOwnServer starts), under execArgv. */
async function startBare(execArgv: string[]) {
  const child = forkBench('bare', 'servers/bare-hold.js', { execArgv })
  const { port } = await child.next<{ port: number }>('listening', 20_000)
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.stop() }
}

async function main() {
  const polls = Number(process.argv[2] ?? 2000)
  const bare = process.argv[3] === 'bare'
  const dir = mkdtempSync(join(os.tmpdir(), 'parley-heap-'))
  try {
    const setup = await startParley(join(dir, 'data'))
    const users = await signInGuests(setup.url, Array.from({ length: polls }, (_, i) => `heap${i}`), 32)
    await setup.stop()
    const execArgv = ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`]
    const server = bare ? await startBare(execArgv) : await startParley(join(dir, 'data'), { execArgv })
    const snapshot = async () => {
      const before = new Set(readdirSync(dir))
      process.kill(server.pid, 'SIGUSR2')
      for (let i = 0; i < 300; i++) {
        await sleep(200)
        const f = readdirSync(dir).find((x) => x.endsWith('.heapsnapshot') && !before.has(x))
        // Written while the heap is walked: done once it ends with the closing brace and stops growing.
        if (f) {
          let size = -1
          for (let j = 0; j < 200; j++) {
            const text = readFileSync(join(dir, f), 'utf8')
            if (text.length > 0 && text.length === size && text.trimEnd().endsWith('}')) return join(dir, f)
            size = text.length
            await sleep(1000)
          }
        }
      }
      throw new Error('no heap snapshot written')
    }
    const clients = forkBench('pollers', 'clients/pollers.js')
    try {
      const a = analyse(await snapshot())
      const ready = clients.next('ready', 120_000)
      await clients.call('start', { url: server.url, cookies: users.map((u) => u.cookie), mode: bare ? 'bare' : 'parley', timeoutS: 55, connectConcurrency: 64, deadlineMs: Date.now() + 120_000, raw: true })
      await ready
      await sleep(2000)
      const b = analyse(await snapshot())
      console.log(`JS heap: ${(a.total / 1048576).toFixed(1)} → ${(b.total / 1048576).toFixed(1)} MB, ${((b.total - a.total) / polls).toFixed(0)} bytes per held poll\n`)
      console.log('bytes/poll  objects/poll  kind')
      const rows = [...b.byKind].map(([k, [n, size]]) => {
        const [n0, s0] = a.byKind.get(k) ?? [0, 0]
        return { k, n: (n - n0) / polls, size: (size - s0) / polls }
      })
      for (const r of rows.sort((x, y) => y.size - x.size).slice(0, 30)) console.log(`${r.size.toFixed(0).padStart(10)}  ${r.n.toFixed(2).padStart(12)}  ${r.k}`)
      console.log('\nsuspended async functions per held poll:')
      for (const [fn, n] of [...b.suspended].sort((x, y) => y[1] - x[1])) {
        const per = (n - (a.suspended.get(fn) ?? 0)) / polls
        if (per >= 0.5) console.log(`${per.toFixed(2).padStart(6)}  ${fn}`)
      }
    } finally {
      await clients.call('stop').catch(() => undefined)
      await clients.stop()
      await server.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : err)
    process.exit(1)
  },
)
