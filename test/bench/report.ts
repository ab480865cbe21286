// Turns the rounds into the printed tables (Markdown, ready for the README) and the JSON summary.
import type { ClusterRound } from './benches/cluster.js'
import { type FanoutRound, type FanoutSideName, PEERS } from './benches/fanout.js'
import type { IdleRound } from './benches/idle.js'
import { type PathsRound, SIDES, type Side } from './benches/paths.js'
import { SEARCH_SIDES, type SearchRound } from './benches/search.js'
import type { ThroughputRound } from './benches/send.js'
import { fmt, ratios, type Spread, spread } from './lib/stats.js'

export type Report = {
  date: string
  code: { commit: string; serverFilesModified: boolean }
  machine: Record<string, unknown> & { cpu: string; cores: number; node: string; loadAverageAtStart: number[] }
  rounds: number
  quick: boolean
  profiled: boolean
  params: unknown
  seconds: Record<string, number>
  results: {
    fanout?: FanoutRound[]
    send?: ThroughputRound[]
    idle?: IdleRound[]
    history?: { rounds: ThroughputRound[]; seedMs: number; dbMB: number }
    paths?: PathsRound[]
    cluster?: ClusterRound[]
    search?: { rounds: SearchRound[]; seedMs: number; dbMB: number }
  }
}

type Target = { name: string; value: Spread; op: '≤' | '≥' | '<'; limit: number; unit: string; met: boolean }

/**
 * The figures count only when the 1-minute load average at the start is at most this per core
 * (0.5 on the 2-core box): the bench's own server and clients already fill both cores during
 * fan-out, so any other runnable work takes turns with the side being measured.
 */
export const QUIET_LOAD_PER_CORE = 0.25

const PEER_LABEL: Record<(typeof PEERS)[number], string> = { socketio: 'socket.io', faye: 'Faye' }

const mmm = (s: Spread, d = 0) => `${fmt(s.min, d)} / **${fmt(s.median, d)}** / ${fmt(s.max, d)}`

function target(name: string, value: Spread, op: Target['op'], limit: number, unit = '×'): Target {
  const v = value.median
  const met = op === '≥' ? v >= limit : op === '≤' ? v <= limit : v < limit
  return { name, value, op, limit, unit, met }
}

export function report(r: Report): { text: string; json: Record<string, unknown> } {
  const out: string[] = []
  const targets: Target[] = []
  const summary: Record<string, unknown> = {}
  const code = `${r.code.commit}${r.code.serverFilesModified ? ' + uncommitted server changes' : ''}`
  out.push(`Machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}; ${r.date.slice(0, 10)}; code ${code}; ${r.rounds} round(s); min / **median** / max over rounds`)
  const load = r.machine.loadAverageAtStart
  const quietLimit = QUIET_LOAD_PER_CORE * r.machine.cores
  const quiet = (load[0] ?? Infinity) <= quietLimit
  out.push(
    '',
    `Load average at start: ${load.join(' ')} (1, 5, 15 min): ${quiet ? `quiet (≤ ${fmt(quietLimit, 2)})` : `**not quiet** (above ${fmt(quietLimit, 2)}): the figures are indications, not results`}`,
  )
  summary.quiet = { loadAverageAtStart: load, limit: quietLimit, met: quiet }

  const f = r.results.fanout
  if (f) {
    const pick = (side: FanoutSideName, k: keyof FanoutRound['parley'], scale = 1) => f.map((x) => ((x[side]?.[k] ?? NaN) as number) * scale)
    // The best peer: the one with the lower median CPU per delivery; every "/ best peer" ratio is
    // against it, paired round by round.
    const median = (side: FanoutSideName) => spread(pick(side, 'cpuUsPerDelivery')).median
    const best = PEERS.reduce((a, b) => (median(b) < median(a) ? b : a))
    const rows: Array<[string, keyof FanoutRound['parley'], number, number?]> = [
      ['server CPU per delivery (µs)', 'cpuUsPerDelivery', 1],
      ['latency p50 (ms)', 'p50', 1],
      ['latency p99 (ms)', 'p99', 1],
      ['latency max (ms)', 'max', 1],
      ['server CPU busy (% of one core)', 'cpuShare', 0, 100],
      ['messages per poll answer', 'eventsPerPoll', 2],
      ["requests per delivery (receivers' HTTP requests)", 'requestsPerDelivery', 2],
      ["receivers' CPU per delivery (µs, client processes)", 'clientCpuUsPerDelivery', 1],
      ['server RSS (MB)', 'rssMB', 0],
      ['storage written per message (KiB)', 'writeBytesPerMessage', 0, 1 / 1024],
      ['deliveries', 'deliveries', 0],
    ]
    const noRatio = new Set(['writeBytesPerMessage', 'cpuShare', 'eventsPerPoll', 'requestsPerDelivery', 'clientCpuUsPerDelivery', 'deliveries'])
    out.push(
      '',
      '### Fan-out (500 long-polling receivers, 20 msg/s × 100 chars)',
      '',
      `| | Parley | socket.io polling | Faye long-polling | bare node:http long-poll (floor) | Parley / best peer (${PEER_LABEL[best]}) | Parley / floor |`,
      '|---|---|---|---|---|---|---|',
    )
    const s: Record<string, unknown> = { bestPeer: best }
    for (const [label, k, d, scale] of rows) {
      const a = pick('parley', k, scale)
      const overBest = ratios(a, pick(best, k, scale))
      const overFloor = ratios(a, pick('bare', k, scale))
      const sides = Object.fromEntries((['parley', 'socketio', 'faye', 'bare'] as const).map((side) => [side, spread(pick(side, k, scale))]))
      s[k] = { ...sides, parleyOverBestPeer: overBest, parleyOverFloor: overFloor }
      const rat = (x: Spread) => (noRatio.has(k) ? '' : fmt(x.median, 2))
      out.push(`| ${label} | ${mmm(sides.parley!, d)} | ${mmm(sides.socketio!, d)} | ${mmm(sides.faye!, d)} | ${mmm(sides.bare!, d)} | ${rat(overBest)} | ${rat(overFloor)} |`)
    }
    summary.fanout = s
    const cpu = pick('parley', 'cpuUsPerDelivery')
    targets.push(target(`fan-out CPU per delivery, Parley / best peer (${PEER_LABEL[best]})`, ratios(cpu, pick(best, 'cpuUsPerDelivery')), '≤', 0.9))
    targets.push(target('fan-out CPU per delivery, Parley / bare node:http floor', ratios(cpu, pick('bare', 'cpuUsPerDelivery')), '≤', 1.15))
    targets.push(target(`fan-out p99 latency, Parley / best peer (${PEER_LABEL[best]})`, ratios(pick('parley', 'p99'), pick(best, 'p99')), '≤', 0.75))
  }

  const throughput = (title: string, key: 'send' | 'history', rounds: ThroughputRound[], label: string, limit: number) => {
    const a = rounds.map((x) => x.parley.perSecond)
    const b = rounds.map((x) => x.hello.perSecond)
    const ra = ratios(a, b)
    const p99 = spread(rounds.map((x) => x.parley.p99))
    const bad = rounds.reduce((n, x) => n + x.parley.non2xx + x.parley.errors, 0)
    out.push('', `### ${title}`, '', `| | Parley | Hono hello world | ratio |`, '|---|---|---|---|')
    out.push(`| ${label} | ${mmm(spread(a))} | ${mmm(spread(b))} | ${fmt(ra.median, 3)} |`)
    out.push(`| latency p99 (ms) | ${mmm(p99)} | ${mmm(spread(rounds.map((x) => x.hello.p99)))} | |`)
    const cpuA = rounds.map((x) => x.parley.cpuUsPerOk)
    const cpuB = rounds.map((x) => x.hello.cpuUsPerOk)
    out.push(`| server CPU per request (µs) | ${mmm(spread(cpuA))} | ${mmm(spread(cpuB))} | ${fmt(ratios(cpuA, cpuB).median, 1)} |`)
    out.push(`| storage written per request (KiB) | ${mmm(spread(rounds.map((x) => x.parley.writeBytesPerOk / 1024)), 1)} | | |`)
    if (bad) out.push(`| non-2xx or errors | ${bad} | | |`)
    summary[key] = { parley: spread(a), hello: spread(b), ratio: ra, parleyP99: p99, cpuUsPerRequest: { parley: spread(cpuA), hello: spread(cpuB) }, failures: bad }
    targets.push(target(`${label}, Parley / hello world`, ra, '≥', limit))
  }
  if (r.results.send) throughput('Send throughput (50 connections, POST room message)', 'send', r.results.send, 'sends/s', 0.25)
  if (r.results.history) {
    const h = r.results.history
    const hp = r.params as { history: { messages: number; rooms: number } }
    throughput(`History (GET newest 50 of a random room; ${fmt(hp.history.messages)} messages in ${fmt(hp.history.rooms)} rooms)`, 'history', h.rounds, 'requests/s', 0.5)
    ;(summary.history as Record<string, unknown>).seedMs = h.seedMs
    ;(summary.history as Record<string, unknown>).dbMB = Math.round(h.dbMB)
  }

  const sr = r.results.search?.rounds
  if (sr?.length) {
    const hp = r.params as { history: { messages: number; rooms: number } }
    const label: Record<(typeof SEARCH_SIDES)[number], string> = { history: 'history (newest 50 of a room)', oneWord: 'search, one-word prefix', twoWords: 'search, two-word prefix' }
    const pick = (side: (typeof SEARCH_SIDES)[number], k: 'perSecond' | 'p50' | 'p99' | 'cpuUsPerOk') => sr.map((x) => x[side][k])
    out.push('', `### Search (GET /api/search, 20 newest hits; ${fmt(hp.history.messages)} messages in ${fmt(hp.history.rooms)} rooms, 50 connections)`, '')
    out.push('| | requests/s | latency p50 (ms) | latency p99 (ms) | server CPU per request (µs) | requests/s / history |', '|---|---|---|---|---|---|')
    const s: Record<string, unknown> = {}
    for (const side of SEARCH_SIDES) {
      const rate = ratios(pick(side, 'perSecond'), pick('history', 'perSecond'))
      out.push(`| ${label[side]} | ${mmm(spread(pick(side, 'perSecond')))} | ${mmm(spread(pick(side, 'p50')))} | ${mmm(spread(pick(side, 'p99')))} | ${mmm(spread(pick(side, 'cpuUsPerOk')))} | ${side === 'history' ? '' : fmt(rate.median, 2)} |`)
      s[side] = { perSecond: spread(pick(side, 'perSecond')), p50: spread(pick(side, 'p50')), p99: spread(pick(side, 'p99')), cpuUsPerRequest: spread(pick(side, 'cpuUsPerOk')), vsHistory: rate }
    }
    const bad = sr.reduce((n, x) => n + SEARCH_SIDES.reduce((m, side) => m + x[side].non2xx + x[side].errors, 0), 0)
    if (bad) out.push('', `non-2xx or errors: ${bad}`)
    summary.search = { ...s, failures: bad }
    targets.push(target('search p99, one-word prefix', spread(pick('oneWord', 'p99')), '<', 50, ' ms'))
    targets.push(target('search p99, two-word prefix', spread(pick('twoWords', 'p99')), '<', 50, ' ms'))
  }

  const i = r.results.idle
  if (i) {
    const kib = (side: 'parley' | 'bare') => i.map((x) => x[side].bytesPerPoll / 1024)
    const wake = (side: 'parley' | 'bare') => i.map((x) => x[side].wakeAllMs)
    const n = i[0]?.parley.held
    out.push('', `### Idle capacity (${fmt(n ?? NaN)} held polls, real sessions)`, '', '| | Parley | bare node:http | ratio |', '|---|---|---|---|')
    const ra = ratios(kib('parley'), kib('bare'))
    out.push(`| RSS per held poll (KiB) | ${mmm(spread(kib('parley')), 1)} | ${mmm(spread(kib('bare')), 1)} | ${fmt(ra.median, 2)} |`)
    out.push(`| RSS holding all (MB) | ${mmm(spread(i.map((x) => x.parley.rssHeldMB)))} | ${mmm(spread(i.map((x) => x.bare.rssHeldMB)))} | |`)
    out.push(`| wake all with one event (ms) | ${mmm(spread(wake('parley')))} | ${mmm(spread(wake('bare')))} | ${fmt(ratios(wake('parley'), wake('bare')).median, 1)} |`)
    out.push(`| wake median poll (ms) | ${mmm(spread(i.map((x) => x.parley.wakeP50Ms)))} | ${mmm(spread(i.map((x) => x.bare.wakeP50Ms)))} | |`)
    out.push(`| time to connect all (s) | ${mmm(spread(i.map((x) => x.parley.connectMs / 1000)), 1)} | ${mmm(spread(i.map((x) => x.bare.connectMs / 1000)), 1)} | |`)
    out.push(`| server CPU to wake one poll (µs) | ${mmm(spread(i.map((x) => x.parley.wakeCpuUsPerPoll)))} | ${mmm(spread(i.map((x) => x.bare.wakeCpuUsPerPoll)))} | |`)
    out.push(`| held / woken (last round) | ${i.at(-1)!.parley.held} / ${i.at(-1)!.parley.woken} | ${i.at(-1)!.bare.held} / ${i.at(-1)!.bare.woken} | |`)
    summary.idle = { kibPerPoll: { parley: spread(kib('parley')), bare: spread(kib('bare')), ratio: ra }, wakeAllMs: { parley: spread(wake('parley')), bare: spread(wake('bare')) } }
    targets.push(target('idle RSS per held poll, Parley / bare', ra, '≤', 1.2))
    targets.push(target(`waking all ${fmt(n ?? NaN)} held polls (ms)`, spread(wake('parley')), '≤', 300, ' ms'))
  }

  const fp = r.results.paths
  if (fp?.length) {
    out.push('', '### Fast paths (one process, 50 connections; each request as the app serves it, by the router and by plain Hono)', '')
    out.push('| request | as served: fast path (or its route, where none is kept) | router (the app without fast paths) | plain Hono (single-handler route) | plain / served | router / served |')
    out.push('|---|---|---|---|---|---|')
    const s: Record<string, unknown> = {}
    for (const name of Object.keys(fp[0]!)) {
      // A request without a fast path is served by its router route: that is its 'router' side.
      const fast = fp[0]![name]!.fast !== undefined
      const served: Side = fast ? 'fast' : 'router'
      const label = fast ? name : `${name} (no fast path)`
      const sides = SIDES.filter((side) => fp[0]![name]![side] !== undefined)
      const cpu = (side: Side) => fp.map((x) => x[name]![side]?.cpuUsPerOk ?? NaN)
      const rate = (side: Side) => fp.map((x) => x[name]![side]?.perSecond ?? NaN)
      const router = (col: string) => (fast ? col : 'as served')
      out.push(`| ${label}: server CPU per request (µs) | ${mmm(spread(cpu(served)), 1)} | ${router(mmm(spread(cpu('router')), 1))} | ${mmm(spread(cpu('plain')), 1)} | ${fmt(ratios(cpu('plain'), cpu(served)).median, 2)} | ${router(fmt(ratios(cpu('router'), cpu(served)).median, 2))} |`)
      out.push(`| ${label}: requests/s | ${mmm(spread(rate(served)))} | ${router(mmm(spread(rate('router'))))} | ${mmm(spread(rate('plain')))} | ${fmt(ratios(rate(served), rate('plain')).median, 2)} | ${router(fmt(ratios(rate(served), rate('router')).median, 2))} |`)
      s[name] = Object.fromEntries(sides.map((side) => [side, { cpuUsPerRequest: spread(cpu(side)), perSecond: spread(rate(side)) }]))
    }
    out.push('', '(ratios are of CPU per request, and of requests/s served over the other: above 1 means the way the app serves it pays; a fast path is kept where plain / served is 1.10 or more)')
    summary.paths = s
  }

  const c = r.results.cluster
  if (c?.length) {
    const cp = r.params as { cluster: { processes: number; receivers: number; rate: number; connections: number } }
    const v = (kind: 'sqlite' | 'cluster', f: (x: ClusterRound['sqlite']) => number) => spread(c.map((x) => f(x[kind])))
    const rows: Array<[string, (x: ClusterRound['sqlite']) => number, number]> = [
      ['fan-out: Parley CPU per delivery (µs)', (x) => x.fanout.cpuUsPerDelivery, 1],
      ['fan-out: Postgres + Redis CPU per delivery (µs)', (x) => x.fanout.serviceUsPerDelivery, 1],
      ['fan-out: latency p50 (ms)', (x) => x.fanout.p50, 1],
      ['fan-out: latency p99 (ms)', (x) => x.fanout.p99, 1],
      ['fan-out: deliveries / expected', (x) => x.fanout.deliveries / Math.max(1, x.fanout.expected), 3],
      ['send: sends/s (all processes)', (x) => x.send.perSecond, 0],
      ['send: latency p99 (ms; worst process)', (x) => x.send.p99, 0],
      ['send: Parley CPU per send (µs)', (x) => x.send.cpuUsPerOk, 0],
      ['send: Postgres + Redis CPU per request (µs)', (x) => x.send.serviceUsPerOk, 0],
      ['send: non-2xx + errors', (x) => x.send.non2xx + x.send.errors, 0],
    ]
    out.push(
      '',
      `### Several processes (${cp.cluster.receivers} receivers at ${cp.cluster.rate} msg/s; ${cp.cluster.connections} sending connections)`,
      '',
      `| | 1 process, SQLite | ${cp.cluster.processes} processes, Postgres + Redis | ${cp.cluster.processes} processes / 1 |`,
      '|---|---|---|---|',
    )
    const s: Record<string, unknown> = {}
    for (const [label, f, d] of rows) {
      const a = v('sqlite', f)
      const b = v('cluster', f)
      s[label] = { sqlite: a, cluster: b }
      out.push(`| ${label} | ${mmm(a, d)} | ${mmm(b, d)} | ${label.includes('Postgres') || label.includes('non-2xx') || label.includes('expected') ? '' : fmt(b.median / a.median, 2)} |`)
    }
    // load1 is read as each side's fan-out ends (before its send run).
    out.push('', `(1-minute load average as each side's fan-out ended, last round: SQLite ${fmt(c.at(-1)!.sqlite.fanout.load1, 1)}, cluster ${fmt(c.at(-1)!.cluster.fanout.load1, 1)})`)
    summary.cluster = s
  }

  out.push('', '### Targets (median over rounds)', '')
  if (!quiet) out.push(`(not a quiet run: load average ${fmt(load[0] ?? NaN, 2)} at start, above ${fmt(quietLimit, 2)}; these verdicts do not count)`, '')
  out.push('| target | measured (min–max) | limit | met |', '|---|---|---|---|')
  if (targets.length === 0) out.push('| (none among the benchmarks run) | | | |')
  for (const t of targets) {
    const d = t.unit === '×' ? 2 : 0
    out.push(`| ${t.name} | ${fmt(t.value.median, d)}${t.unit === '×' ? '×' : t.unit} (${fmt(t.value.min, d)}–${fmt(t.value.max, d)}) | ${t.op} ${t.limit}${t.unit === '×' ? '×' : t.unit} | ${t.met ? 'yes' : '**no**'} |`)
  }
  out.push('', `Run time: ${Object.entries(r.seconds).map(([k, v]) => `${k} ${v} s`).join(', ')}`)
  const json = { ...r, summary, targets: targets.map((t) => ({ name: t.name, median: t.value.median, min: t.value.min, max: t.value.max, op: t.op, limit: t.limit, met: t.met })) }
  return { text: out.join('\n'), json }
}
