// 6. Several processes (API.md §14): the fan-out and send workloads of benches 1 and 2 on three
// Parley processes over PostgreSQL + Redis, against one process over SQLite, in the same run.
// Fan-out: receivers spread evenly over the processes, the sender on the first, so most
// deliveries cross processes through Redis's doorbell and the log. Send: one autocannon per
// process, the connections split between them. CPU is counted for Parley's processes, and apart
// for what the shared services spent (the site's Postgres backends, the redis-server): with SQLite
// the database's CPU is inside Parley's process.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { type BenchContext, order, split, until } from '../lib/common.js'
import { type Child, forkBench } from '../lib/ipc.js'
import { createRoom, freePort, type Guest, joinRoom, type ParleyServer, signInGuests, startParley } from '../lib/parley.js'
import { cpuMicros, settle, sleep } from '../lib/procstat.js'
import { percentile, sortedCopy } from '../lib/stats.js'
import { cannon, type CannonResult } from './send.js'

export type ClusterParams = { processes: number; receivers: number; rate: number; length: number; warmupS: number; measureS: number; connections: number; durationS: number }
export type ClusterFanout = { deliveries: number; expected: number; cpuUsPerDelivery: number; serviceUsPerDelivery: number; p50: number; p99: number; load1: number }
export type ClusterSend = { perSecond: number; p99: number; cpuUsPerOk: number; serviceUsPerOk: number; non2xx: number; errors: number }
export type ClusterSide = { fanout: ClusterFanout; send: ClusterSend }
export type ClusterRound = { sqlite: ClusterSide; cluster: ClusterSide }
type Kind = keyof ClusterRound

type Site = { urls: string[]; pids: number[]; servicePids: () => number[]; stop: () => Promise<void> }
type Setup = { fanRoom: number; sender: Guest; receivers: Guest[]; sendRoom: number; senders: Guest[] }

const psql = (sql: string, db = 'postgres') => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', db, '-Atc', sql], { encoding: 'utf8' }).trim()

export async function cluster(ctx: BenchContext, p: ClusterParams): Promise<ClusterRound[]> {
  // BENCH_CLUSTER_DB=sqlite: the processes share one SQLite file instead (a dry run of the harness
  // where no PostgreSQL is at hand; not the figure the README gives).
  const onSqlite = process.env.BENCH_CLUSTER_DB === 'sqlite'
  const db = `parley_bench_${randomBytes(4).toString('hex')}`
  if (!onSqlite) psql(`create database ${db}`)
  const redisPort = await freePort()
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  await sleep(300)
  const databaseUrl = onSqlite ? `sqlite:${join(ctx.workDir, 'cluster.db')}` : `postgres://postgres@127.0.0.1:5432/${db}`
  const shared = { DATABASE_URL: databaseUrl, EVENT_BUS: `redis://127.0.0.1:${redisPort}`, EVENT_BUS_PREFIX: 'bench:' }
  const backends = () => (onSqlite ? [] : psql(`select pid from pg_stat_activity where datname = '${db}'`).split('\n').filter(Boolean).map(Number))
  const sitePids = (): number[] => [redis.pid!, ...backends()]
  const open = async (kind: Kind, profDir?: string): Promise<Site> => {
    if (kind === 'sqlite') {
      const s = await startParley(join(ctx.workDir, 'cluster-sqlite'), { cpuProfDir: profDir && join(profDir, 'sqlite') })
      return { urls: [s.url], pids: [s.pid], servicePids: () => [], stop: s.stop }
    }
    const servers: ParleyServer[] = []
    for (let i = 0; i < p.processes; i++) servers.push(await startParley(join(ctx.workDir, `cluster-${i}`), { env: shared, cpuProfDir: profDir && join(profDir, 'cluster') }))
    return { urls: servers.map((s) => s.url), pids: servers.map((s) => s.pid), servicePids: sitePids, stop: async () => void (await Promise.all(servers.map((s) => s.stop()))) }
  }
  try {
    const setups = {} as Record<Kind, Setup>
    for (const kind of ['sqlite', 'cluster'] as Kind[]) {
      const site = await open(kind)
      try {
        const url = site.urls[0]!
        const fans = await signInGuests(url, Array.from({ length: p.receivers + 1 }, (_, i) => `cfan${i}`))
        const fanRoom = await createRoom(url, fans[0]!, 'cluster fan-out', p.receivers + 1)
        await joinRoom(url, fanRoom, fans.slice(1))
        const senders = await signInGuests(url, Array.from({ length: p.connections }, (_, i) => `csend${i}`))
        const sendRoom = await createRoom(url, senders[0]!, 'cluster send', Math.max(p.connections, 2))
        await joinRoom(url, sendRoom, senders.slice(1))
        setups[kind] = { fanRoom, sender: fans[0]!, receivers: fans.slice(1), sendRoom, senders }
      } finally {
        await site.stop()
      }
    }
    const rounds: ClusterRound[] = []
    for (let i = 0; i < ctx.rounds; i++) {
      const round = {} as ClusterRound
      for (const kind of order<Kind>(i, 'sqlite', 'cluster')) {
        // BENCH_PROFILE=1: each measured process under --cpu-prof, in a folder per side (sqlite, cluster).
        const site = await open(kind, ctx.profDir && join(ctx.profDir, `cluster-${i}`))
        try {
          const fanout = await fanoutOn(p, site, setups[kind])
          const send = await sendOn(p, site, setups[kind])
          round[kind] = { fanout, send }
          ctx.log(
            `cluster round ${i + 1} ${kind} (${site.urls.length} process${site.urls.length > 1 ? 'es' : ''}): fan-out ${fanout.deliveries}/${fanout.expected}, ${fanout.cpuUsPerDelivery.toFixed(1)} µs Parley CPU + ${fanout.serviceUsPerDelivery.toFixed(1)} µs Postgres/Redis per delivery, p50 ${fanout.p50.toFixed(1)} p99 ${fanout.p99.toFixed(1)} ms; ` +
              `send ${send.perSecond.toFixed(0)}/s, ${send.cpuUsPerOk.toFixed(0)} + ${send.serviceUsPerOk.toFixed(0)} µs each, p99 ${send.p99} ms (non-2xx ${send.non2xx}, errors ${send.errors}; load ${fanout.load1.toFixed(1)})`,
          )
        } finally {
          await site.stop()
        }
      }
      rounds.push(round)
    }
    return rounds
  } finally {
    redis.kill('SIGKILL')
    if (!onSqlite) psql(`drop database if exists ${db} with (force)`)
  }
}

const cpuOf = (pids: number[]) => pids.reduce((n, pid) => n + (safeCpu(pid) ?? 0), 0)
function safeCpu(pid: number): number | undefined {
  try {
    return cpuMicros(pid)
  } catch {
    return undefined // a Postgres backend that ended meanwhile
  }
}

async function fanoutOn(p: ClusterParams, site: Site, s: Setup): Promise<ClusterFanout> {
  const clients: Child[] = []
  let sender: Child | undefined
  try {
    const parts = split(s.receivers, site.urls.length)
    for (const [k, part] of parts.entries()) {
      const c = forkBench(`cluster-receivers-${k}`, 'clients/pollers.js')
      clients.push(c)
      const ready = c.next('ready', 90_000)
      await c.call('start', { url: site.urls[k]!, cookies: part.map((u) => u.cookie), mode: 'parley', timeoutS: 25, connectConcurrency: 32, deadlineMs: Date.now() + 5 * 60_000 })
      await ready
    }
    for (const pid of site.pids) await settle(pid, { share: 0.05, maxMs: 30_000 })
    sender = forkBench('cluster-sender', 'clients/sender.js')
    const started = sender.next('measure-start', 60_000).then(() => {
      const services = site.servicePids()
      return { cpu: cpuOf(site.pids), services, serviceCpu: cpuOf(services) }
    })
    const run = await sender.call<{ sent: number }>(
      'run',
      { target: 'parley', url: site.urls[0]!, cookie: s.sender.cookie, roomId: s.fanRoom, rate: p.rate, length: p.length, warmupS: p.warmupS, measureS: p.measureS },
      (p.warmupS + p.measureS) * 1000 + 60_000,
    )
    const start = await started
    const expected = run.sent * s.receivers.length
    await until(async () => (await Promise.all(clients.map((c) => c.call<{ measured: number }>('counts')))).reduce((n, c) => n + c.measured, 0) >= expected, 15_000)
    const cpu = cpuOf(site.pids) - start.cpu
    const serviceCpu = cpuOf(start.services) - start.serviceCpu
    const results = await Promise.all(clients.map((c) => c.call<{ latencies: Float64Array }>('stop')))
    const lat = sortedCopy(results.flatMap((r) => [...r.latencies]))
    const n = Math.max(1, lat.length)
    return { deliveries: lat.length, expected, cpuUsPerDelivery: cpu / n, serviceUsPerDelivery: serviceCpu / n, p50: percentile(lat, 50), p99: percentile(lat, 99), load1: loadavg()[0]! }
  } finally {
    await Promise.all([...clients, ...(sender ? [sender] : [])].map((c) => c.stop()))
  }
}

async function sendOn(p: ClusterParams, site: Site, s: Setup): Promise<ClusterSend> {
  const body = JSON.stringify({ text: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore e' })
  const groups = split(s.senders, site.urls.length)
  const services = site.servicePids()
  const serviceStart = cpuOf(services)
  const results: CannonResult[] = await Promise.all(
    groups.map((g, k) =>
      cannon(
        { url: `${site.urls[k]}/api/rooms/${s.sendRoom}/messages`, method: 'POST', body, headers: { 'content-type': 'application/json' }, cookies: g.map((u) => u.cookie) },
        { connections: g.length, durationS: p.durationS, warmupS: p.warmupS },
        site.pids[k]!,
      ),
    ),
  )
  const ok = results.reduce((n, r) => n + r.ok, 0)
  // The warm-up runs are inside this window too: services' CPU is counted per request sent in both.
  const serviceCpu = cpuOf(services) - serviceStart
  const requests = results.reduce((n, r) => n + r.total, 0) * (1 + p.warmupS / p.durationS)
  return {
    perSecond: results.reduce((n, r) => n + r.perSecond, 0),
    // The worst of the processes' p99s: autocannon keeps no samples to merge.
    p99: Math.max(...results.map((r) => r.p99)),
    cpuUsPerOk: results.reduce((n, r) => n + r.cpuUsPerOk * r.ok, 0) / Math.max(1, ok),
    serviceUsPerOk: serviceCpu / Math.max(1, requests),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
  }
}
