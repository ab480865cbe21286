// npm run bench — Parley's benchmarks, each side by side with its baseline in the same run,
// alternating, several rounds. Prints min/median/max and the ratios against the targets, and
// writes them with the machine's details to test/bench/results/.
//
//   BENCH_ROUNDS=n     rounds per benchmark (default 3; 1 with BENCH_QUICK)
//   BENCH_QUICK=1      shorter phases and smaller loads, for a smoke run (~2 min)
//   BENCH_ONLY=a,b     some of: fanout, send, idle, history, paths, search, cluster (search also
//                      measures history on the same server; with both, the database is written
//                      once; cluster needs PostgreSQL on 127.0.0.1:5432 and redis-server; it makes
//                      and drops its own database)
//   BENCH_PROFILE=1    run Parley's servers under --cpu-prof and print where the time went
//   BENCH_KEEP=1       keep the scratch directory (databases, profiles)
//   BENCH_PARLEY_ROOT=dir  start Parley's servers from another (built) checkout: this harness,
//                      that commit's server, for back-to-back runs of two commits
//   BENCH_FANOUT_SIDES=a,b  the fan-out's sides, some of: parley, socketio, faye, bare
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { cluster } from './benches/cluster.js'
import { fanout } from './benches/fanout.js'
import { history } from './benches/history.js'
import { idle } from './benches/idle.js'
import { paths } from './benches/paths.js'
import { search } from './benches/search.js'
import { send } from './benches/send.js'
import type { BenchContext } from './lib/common.js'
import { ROOT, SERVER_ROOT } from './lib/parley.js'
import { formatProfile, type ProfileSummary, summarizeDir } from './lib/profile.js'
import { type Report, report } from './report.js'

const BENCHES = ['fanout', 'send', 'idle', 'history', 'paths', 'search', 'cluster'] as const
type Bench = (typeof BENCHES)[number]

// Node raises its own soft descriptor limit to the hard limit at start-up, and children inherit
// it; so what a shell started from here reports is what the servers and clients get.
function fdLimits(): { soft: number; hard: number } {
  try {
    const [soft, hard] = execFileSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n')
    return { soft: soft === 'unlimited' ? Infinity : Number(soft), hard: hard === 'unlimited' ? Infinity : Number(hard) }
  } catch {
    return { soft: NaN, hard: NaN } // not a POSIX shell: leave unknown
  }
}

/** The code measured (the server's checkout): HEAD, and whether server files had uncommitted changes (a shared tree). */
function codeVersion(): { commit: string; serverFilesModified: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: SERVER_ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'migrations', 'package.json'], { cwd: SERVER_ROOT, encoding: 'utf8' }).trim()
    return { commit, serverFilesModified: dirty.length > 0 }
  } catch {
    return { commit: 'unknown', serverFilesModified: false }
  }
}

function machine() {
  const cpus = os.cpus()
  const softFd = fdLimits().soft
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGB: Math.round(os.totalmem() / 1024 ** 3),
    loadAverageAtStart: os.loadavg().map((v) => Number(v.toFixed(2))),
    fdLimit: softFd,
  }
}

async function main() {
  const quick = process.env.BENCH_QUICK === '1'
  const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3))
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error('BENCH_ROUNDS: 1 to 20')
  const only = (process.env.BENCH_ONLY ?? BENCHES.join(',')).split(',').map((s) => s.trim()) as Bench[]
  const unknown = only.filter((b) => !BENCHES.includes(b))
  if (unknown.length) throw new Error(`BENCH_ONLY: unknown ${unknown.join(', ')} (known: ${BENCHES.join(', ')})`)
  const profile = process.env.BENCH_PROFILE === '1'
  const keep = process.env.BENCH_KEEP === '1' || profile
  const m = machine()

  const params = {
    fanout: { receivers: 500, rate: 20, length: 100, warmupS: quick ? 1 : 2, measureS: quick ? 4 : 10, clientProcs: 2 },
    // BENCH_SEND_CONNECTIONS=1: one send at a time, each its own commit, as on a quiet server.
    send: { connections: Number(process.env.BENCH_SEND_CONNECTIONS ?? 50), durationS: quick ? 3 : 10, warmupS: quick ? 1 : 2 },
    idle: { polls: quick ? 2000 : 10_000, clientProcs: 4 },
    history: { connections: 50, durationS: quick ? 3 : 10, warmupS: quick ? 1 : 2, rooms: 1000, messages: quick ? 100_000 : 1_000_000 },
    paths: { connections: 50, durationS: quick ? 3 : 5, warmupS: 1 },
    // Bench 1's rate and message length over fewer receivers (3 processes and their clients share the
    // machine), and bench 2's connections rounded to split evenly over 3 processes.
    cluster: { processes: 3, receivers: quick ? 150 : 300, rate: 20, length: 100, warmupS: quick ? 1 : 2, measureS: quick ? 4 : 10, connections: 48, durationS: quick ? 3 : 10 },
  }
  // Held polls need a descriptor each in the server, plus headroom.
  if (Number.isFinite(m.fdLimit) && m.fdLimit < params.idle.polls + 1000) {
    const polls = Math.max(1000, m.fdLimit - 1000)
    console.warn(`bench: ulimit -n is ${m.fdLimit}; idle capacity runs with ${polls} polls instead of ${params.idle.polls}`)
    params.idle.polls = polls
  }

  const workDir = mkdtempSync(join(os.tmpdir(), 'parley-bench-'))
  const ctx: BenchContext = { rounds, quick, workDir, profDir: profile ? join(workDir, 'prof') : undefined, log: (l) => console.log(`  ${l}`), windows: {} }
  console.log(`Parley benchmarks — ${m.cpu}, ${m.cores} cores, Node ${m.node}, load ${m.loadAverageAtStart.join(' ')}`)
  console.log(`${rounds} round(s)${quick ? ', quick' : ''}${profile ? ', PROFILING (figures not comparable)' : ''}; scratch ${workDir}\n`)

  const started = Date.now()
  const results: Report['results'] = {}
  const timings: Record<string, number> = {}
  try {
    for (const b of only) {
      const t = Date.now()
      console.log(`[${b}]`)
      if (b === 'fanout') results.fanout = await fanout(ctx, params.fanout)
      if (b === 'send') results.send = await send(ctx, params.send)
      if (b === 'idle') results.idle = await idle(ctx, params.idle)
      if (b === 'history') results.history = await history(ctx, params.history)
      if (b === 'paths') results.paths = await paths(ctx, params.paths)
      if (b === 'cluster') results.cluster = await cluster(ctx, params.cluster)
      if (b === 'search') results.search = await search(ctx, params.history)
      timings[b] = Math.round((Date.now() - t) / 1000)
      console.log(`  (${timings[b]} s)\n`)
    }
  } finally {
    if (!keep) rmSync(workDir, { recursive: true, force: true })
  }

  const profiles: Record<string, ProfileSummary[]> = {}
  if (ctx.profDir) {
    for (const b of only) {
      for (let i = 0; i < rounds; i++) {
        const found = summarizeDir(join(ctx.profDir, `${b}-${i}`), 15, ctx.windows[`${b}-${i}`])
        if (found.length) profiles[`${b}-${i}`] = found
        for (const s of found) console.log(`[${b} round ${i + 1}] ${formatProfile(s)}\n`)
      }
    }
  }

  const totalS = Math.round((Date.now() - started) / 1000)
  const rep: Report = { date: new Date().toISOString(), code: codeVersion(), machine: m, rounds, quick, profiled: profile, params, seconds: { total: totalS, ...timings }, results }
  const { text, json } = report(rep)
  console.log(text)
  const dir = join(ROOT, 'test', 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  const name = `${rep.date.slice(0, 19).replace(/:/g, '-')}${quick ? '-quick' : ''}${profile ? '-profiled' : ''}${only.length < BENCHES.length ? '-' + only.join('+') : ''}.json`
  const body = JSON.stringify({ ...json, ...(profile ? { profiles, profileWindows: ctx.windows, scratch: workDir } : {}) }, null, 1) + '\n'
  writeFileSync(join(dir, name), body)
  if (!quick && !profile && only.length === BENCHES.length) writeFileSync(join(dir, 'latest.json'), body)
  console.log(`\nwritten: test/bench/results/${name}${keep ? `; scratch kept in ${workDir}` : ''}`)
  console.log(`total: ${totalS} s`)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : err}`)
    process.exit(1)
  },
)
