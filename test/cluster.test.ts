// API.md §14, the whole of it at once: three `parley serve` processes over one fresh PostgreSQL
// database and a redis-server of the test's own, behind a proxy that sends every request (every
// poll of a cursor too) to a process picked at random. Users with two tabs each poll through it
// while senders post with client_id retries; meanwhile one process is SIGKILLed and started
// again, one is SIGSTOPped while it holds an open transaction and SIGCONTed after Postgres has
// ended that transaction, and Redis is stopped and started. Every tab's sequence of events must
// then be exactly what the database says its user should have received after its first cursor:
// nothing lost, nothing twice, in order.
//
// The stop is made to land inside a transaction, not left to chance (app transactions last
// milliseconds): the test holds a room's row locked from a connection of its own, so the next
// send into that room waits on it with its transaction open (the statement that inserts the
// message and sets rooms.last_activity_at). That backend is found in pg_stat_activity (blocked by
// the test's connection), its client port leads to the process (ss), the process is stopped, and
// only then is the row released: the backend finishes that statement and sits idle in
// transaction, holding an xid (and the site's write lock), for a client that cannot answer.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { pino } from 'pino'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openPostgres } from '../src/db/postgres.js'
import { eventId } from '../src/events/tail.js'
import { PostgresStore } from '../src/store/postgres.js'
import type { Position, Store } from '../src/store/store.js'
import { type ChildServer, startChildServer } from './helpers/child-server.js'
import { Client } from './helpers/client.js'
import { adminQuery } from './helpers/postgres.js'
import { startRandomProxy, type RandomProxy } from './helpers/random-proxy.js'
import { startRedis, type TestRedis } from './helpers/redis.js'

const USERS = 4
const MESSAGES_PER_USER = 16
// Seeded, so a failing schedule can be run again.
const SEED = Number(process.env.CLUSTER_SEED ?? 7)

let redis: TestRedis
let proxy: RandomProxy
let dir: string
let databaseUrl: string
const servers: ChildServer[] = []
let env: Record<string, string>

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = mulberry32(SEED)

/** The store over the site's database, to ask it what each user should have received. */
async function openStore(url: string): Promise<Store> {
  const { db, close } = openPostgres(url)
  const store = new PostgresStore(db, close, pino({ level: 'silent' }))
  await store.init()
  return store
}

let database: string

/** The process whose connection to Postgres leaves from this local port (ss: local address, pid). */
function processOfClientPort(port: number): number | undefined {
  const lines = execFileSync('ss', ['-tnpH', 'dst', '127.0.0.1:5432'], { encoding: 'utf8' }).split('\n')
  for (const line of lines) {
    const local = line.trim().split(/\s+/)[3]
    if (local === undefined || Number(local.split(':').at(-1)) !== port) continue
    const pid = /pid=(\d+),/.exec(line)?.[1]
    return pid === undefined ? undefined : Number(pid)
  }
  return undefined
}

/** A process's state as /proc gives it: T when it is stopped. */
const processState = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ')[0]

/** What the test saw of the process stopped inside a transaction. */
type Freeze = {
  /** A send's backend waited on the room row the test held. */
  waitingOnRow: boolean
  /** The statement it waited in. */
  statement?: string
  /** Its state once the row was released, its client stopped. */
  state?: string
  /** It held a transaction id (a write done). */
  holdsXid?: boolean
  /** The process's state then (T: stopped). */
  process?: string
  /** Postgres ended that backend (idle_in_transaction_session_timeout) while the process stayed stopped. */
  endedByPostgres?: boolean
}

beforeAll(async () => {
  redis = await startRedis()
  dir = mkdtempSync(join(tmpdir(), 'parley-cluster-'))
  database = `parley_cluster_${randomBytes(6).toString('hex')}`
  await adminQuery(`create database ${database}`)
  databaseUrl = `postgres://postgres@127.0.0.1:5432/${database}`
  env = {
    DATABASE_URL: databaseUrl,
    EVENT_BUS: redis.url,
    EVENT_BUS_PREFIX: redis.prefix(),
    REQUIRE_EMAIL_VERIFICATION: 'false',
    SIGNIN_RATE_LIMIT: '0',
    REGISTER_RATE_LIMIT: '0',
    ROOM_CREATE_RATE_LIMIT: '0',
    SEND_RATE_LIMIT: '0',
    LOG_LEVEL: 'error',
  }
  // One after another: the first one migrates the database.
  for (let i = 0; i < 3; i++) servers.push(await startChildServer(join(dir, `p${i}`), env))
  proxy = await startRandomProxy(
    servers.map((s) => s.port),
    random,
  )
}, 240_000)

afterAll(async () => {
  await proxy?.close()
  for (const s of servers) {
    s.proc.kill('SIGCONT')
    await s.stop()
  }
  await redis?.stop()
  if (database) await adminQuery(`drop database if exists ${database} with (force)`)
  rmSync(dir, { recursive: true, force: true })
})

type Tab = { userId: number; client: Client; start: Position; cursor: string; ids: string[]; stop: boolean; done: Promise<void> }
const durablePart = (cursor: string) => cursor.slice(0, cursor.lastIndexOf('-'))

/** A request through the proxy, sent again after a 502/5xx or a dropped connection, as a client would. */
async function retrying(fn: () => Promise<{ status: number; text: string }>, ok: (status: number) => boolean) {
  for (let attempt = 0; ; attempt++) {
    const res = await fn().catch(() => undefined)
    if (res && ok(res.status)) return res
    if (res && res.status < 500) throw new Error(`unexpected ${res.status}: ${res.text}`)
    if (attempt > 400) throw new Error('no process answered')
    await sleep(50)
  }
}

function pollForever(tab: Tab): Promise<void> {
  return (async () => {
    while (!tab.stop) {
      // Held polls of a stopped process would wait for it: a client gives up and asks again.
      const res = await retrying(
        () => tab.client.get(`/api/poll?cursor=${tab.cursor}&timeout=2`, { signal: AbortSignal.timeout(8_000) }),
        (s) => s === 200,
      ).catch((err: unknown) => {
        tab.stop = true
        throw err
      })
      const body = JSON.parse(res.text) as { data: { events: Array<{ id: string; type: string }>; cursor: string } }
      for (const e of body.data.events) if (e.type !== 'typing' && e.type !== 'presence') tab.ids.push(e.id)
      tab.cursor = body.data.cursor
    }
  })()
}

/**
 * Stops the process that is in the middle of a send into the room, with its transaction open and
 * a write done (see the header), until Postgres has ended that transaction; then lets it go on.
 * What it saw is returned and asserted by the test. If no send comes into the room while the row
 * is held (the senders all at their gate), nothing is stopped.
 */
async function freezeInTransaction(roomId: number, sendsDone: () => boolean): Promise<Freeze> {
  const holder = new pg.Client({ connectionString: databaseUrl })
  // pg_stat_activity is read from a connection outside any transaction (inside one it is a snapshot).
  const watcher = new pg.Client({ connectionString: databaseUrl })
  await holder.connect()
  await watcher.connect()
  let released = false
  try {
    await holder.query('begin')
    // no key update: what the send's UPDATE of last_activity_at takes too (on Postgres, in the
    // same statement as the message's insert, messages/messages.ts): that statement waits.
    await holder.query('select 1 from rooms where id = $1 for no key update', [roomId])
    const holderPid = ((await holder.query('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid
    let blocked: { pid: number; client_port: number; query: string } | undefined
    while (!blocked && !sendsDone()) {
      const res = await watcher.query('select pid, client_port, query from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [holderPid])
      blocked = res.rows[0] as typeof blocked
      if (!blocked) await sleep(10)
    }
    if (!blocked) return { waitingOnRow: false }
    const pid = processOfClientPort(blocked.client_port)
    const frozen = servers.find((s) => s.proc.pid === pid)
    if (!frozen) throw new Error(`no server of the test owns the connection from port ${blocked.client_port} (pid ${pid})`)
    frozen.proc.kill('SIGSTOP')
    try {
      await holder.query('commit')
      released = true
      // The backend finishes its statement and waits for the next one from a client that is stopped.
      let row: { state: string; xid: string | null } | undefined
      do {
        row = (await watcher.query('select state, backend_xid::text as xid from pg_stat_activity where pid = $1', [blocked.pid])).rows[0] as typeof row
        if (row?.state === 'active') await sleep(10)
      } while (row?.state === 'active')
      const seen: Freeze = { waitingOnRow: true, statement: blocked.query.split(' set ')[0], state: row?.state, holdsXid: row !== undefined && row.xid !== null, process: processState(frozen.proc.pid!) }
      // Postgres ends it after idle_in_transaction_session_timeout (5 s); 30 s is only a bound.
      const deadline = Date.now() + 30_000
      let gone = false
      while (!gone && Date.now() < deadline) {
        gone = (await watcher.query('select 1 from pg_stat_activity where pid = $1', [blocked.pid])).rowCount === 0
        if (!gone) await sleep(100)
      }
      return { ...seen, endedByPostgres: gone && processState(frozen.proc.pid!) === 'T' }
    } finally {
      frozen.proc.kill('SIGCONT')
    }
  } finally {
    if (!released) await holder.query('rollback').catch(() => undefined)
    await holder.end()
    await watcher.end()
  }
}

it('every tab receives exactly what the database says, through kills, stops and a Redis restart', { timeout: 600_000 }, async () => {
  // Users, rooms and tabs, through the proxy.
  const users: Array<{ id: number; clients: Client[] }> = []
  for (let i = 0; i < USERS; i++) {
    const username = `cluster${process.pid % 1000}u${i}`
    const first = new Client(proxy.url)
    await retrying(() => first.post('/api/auth/register', { username, email: `${username}@example.test`, password: 'correct horse battery' }), (s) => s === 201)
    const clients = [first, new Client(proxy.url)]
    let id = 0
    for (const c of clients) {
      const res = await retrying(() => c.post('/api/auth/login', { login: username, password: 'correct horse battery' }), (s) => s === 200)
      id = (JSON.parse(res.text) as { data: { user: { id: number } } }).data.user.id
    }
    users.push({ id, clients })
  }
  const rooms: number[] = []
  for (let r = 0; r < 2; r++) {
    const res = await retrying(() => users[0]!.clients[0]!.post('/api/rooms', { name: `cluster room ${r}` }), (s) => s === 201)
    rooms.push((JSON.parse(res.text) as { data: { room: { id: number } } }).data.room.id)
  }
  // Everyone in the first room; every other user in the second too.
  for (const [i, u] of users.entries()) {
    if (i === 0) continue
    await retrying(() => u.clients[0]!.post(`/api/rooms/${rooms[0]}/join`), (s) => s === 200)
    if (i % 2 === 0) await retrying(() => u.clients[0]!.post(`/api/rooms/${rooms[1]}/join`), (s) => s === 200)
  }
  const tabs: Tab[] = []
  for (const u of users) {
    for (const client of u.clients) {
      const res = await retrying(() => client.get('/api/poll'), (s) => s === 200)
      const cursor = (JSON.parse(res.text) as { data: { cursor: string } }).data.cursor
      const tab: Tab = { userId: u.id, client, start: durablePart(cursor), cursor, ids: [], stop: false, done: Promise.resolve() }
      tab.done = pollForever(tab)
      tabs.push(tab)
    }
  }

  // Senders: each user posts into the rooms they are in, retrying with the same client_id.
  let sent = 0
  const total = USERS * MESSAGES_PER_USER
  // The senders stop here until the chaos below has done its step before, so that each step
  // happens while messages are being sent (starting a process takes longer than all the sends).
  let open = total * 0.45
  const senders = users.map(async (u, i) => {
    const mine = i === 0 || i % 2 === 0 ? rooms : [rooms[0]!]
    for (let m = 0; m < MESSAGES_PER_USER; m++) {
      const room = mine[m % mine.length]!
      while (sent >= open) await sleep(20)
      const body = { text: `u${i} m${m}`, client_id: `u${i}-m${m}` }
      await retrying(() => u.clients[m % 2]!.post(`/api/rooms/${room}/messages`, body), (s) => s === 201 || s === 200)
      sent++
      await sleep(random() * 40)
    }
  })
  const when = async (fraction: number) => {
    while (sent < total * fraction) await sleep(20)
  }

  let freeze: Freeze | undefined
  const chaos = (async () => {
    // A crash: the process dies mid-run and a new one takes its place (on a new port).
    await when(0.2)
    const killed = servers[0]!
    killed.proc.kill('SIGKILL')
    await sleep(300)
    proxy.backends = proxy.backends.filter((p) => p !== killed.port)
    const again = await startChildServer(join(dir, 'p0'), env)
    servers[0] = again
    proxy.backends.push(again.port)
    open = total * 0.7
    // A process frozen (a long GC pause, a VM stolen away) in the middle of a transaction; Postgres
    // ends the transaction after idle_in_transaction_session_timeout (5 s), then the process thaws.
    await when(0.45)
    freeze = await freezeInTransaction(rooms[0]!, () => sent >= open)
    open = total
    // Redis goes away for a while and comes back empty.
    await when(0.7)
    await redis.stop()
    await sleep(2_000)
    await redis.start()
  })()

  await Promise.all([...senders, chaos])

  // What the database says each user should have received after their tab's first cursor.
  const store = await openStore(databaseUrl)
  const expected = new Map<Tab, string[]>()
  try {
    for (const tab of tabs) {
      const ids: string[] = []
      let after = tab.start
      for (;;) {
        const read = await store.eventsAfter(tab.userId, after, 500)
        ids.push(...read.events.map((e) => eventId(e.position)))
        if (read.scannedTo === after) break
        after = read.scannedTo
      }
      expected.set(tab, ids)
    }
    // Every send was acknowledged, and each is in the database once, whatever its retries.
    const rows = await store.db.selectFrom('messages').select('client_id').where('client_id', 'is not', null).execute()
    expect(rows.map((r) => r.client_id).sort()).toEqual(users.flatMap((_, i) => Array.from({ length: MESSAGES_PER_USER }, (_, m) => `u${i}-m${m}`)).sort())
  } finally {
    await store.close()
  }
  // Each tab has had time to catch up once it holds as many events as the database has for it.
  const deadline = Date.now() + 60_000
  while (tabs.some((t) => t.ids.length < expected.get(t)!.length) && Date.now() < deadline) await sleep(100)
  // One more round of polls: anything extra (a duplicate) would show now.
  await sleep(2_500)
  for (const tab of tabs) tab.stop = true
  await Promise.all(tabs.map((t) => t.done))

  // The stop landed inside a transaction: a write done, the client stopped; Postgres ended it.
  expect(freeze).toEqual({ waitingOnRow: true, statement: 'with "touched" as (update "rooms"', state: 'idle in transaction', holdsXid: true, process: 'T', endedByPostgres: true })
  for (const tab of tabs) {
    expect(tab.ids, `user ${tab.userId}`).toEqual(expected.get(tab))
    // Each tab's user got the messages of their rooms: at least their own sends.
    expect(tab.ids.length).toBeGreaterThanOrEqual(MESSAGES_PER_USER)
  }
  // Requests went to every process.
  expect([...proxy.counts.values()].filter((n) => n > 10).length).toBeGreaterThanOrEqual(3)
})
