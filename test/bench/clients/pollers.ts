// Load generator: many users long-polling, each with its own session cookie and cursor, as a
// client of Parley's GET /api/poll ('parley') or of the bare holding server ('bare').
// Records the delivery latency of every measured message ("m<seq> <sent-ms> …" texts) and the
// arrival time of the first wake event. Runs until told to stop or its deadline passes.
import http from 'node:http'
import { type CountingAgent, keepAliveAgent } from '../lib/http.js'
import { RawConnection } from '../lib/raw-http.js'
import { notifyParent, serveParent } from '../lib/ipc.js'
import { nowMs, sentAt, sleep } from '../lib/procstat.js'

type Start = {
  url: string
  cookies: string[]
  mode: 'parley' | 'bare'
  timeoutS: number
  connectConcurrency: number
  deadlineMs: number
  /** Idle capacity: a user stops once woken, so re-polls do not slow the clients' own clock of the wake. */
  stopOnWake?: boolean
  /** One lean raw-socket connection per user instead of node:http (see raw-http.ts). */
  raw?: boolean
}

let agent: CountingAgent | undefined
let stopped = false
let ready = 0
let measured = 0
let errors = 0
let polls = 0
const latencies: number[] = []
const wakes: number[] = []
const statuses: Record<string, number> = {}
const raws: RawConnection[] = []

function httpGet(base: URL, path: string, cookie: string): Promise<{ status: number; text: string; at: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: base.hostname, port: base.port, path, headers: cookie ? { cookie } : {} }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('error', reject)
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, at: nowMs() }))
    })
    req.on('error', reject)
    req.end()
  })
}

type Event = { type: string; data: { message?: { text?: string } } }

function onEvents(events: Event[], at: number, user: { woke: boolean }) {
  for (const e of events) {
    const text = e.type === 'message.created' ? e.data.message?.text : undefined
    const sent = text ? sentAt(text) : undefined
    if (sent !== undefined) {
      latencies.push(at - sent)
      measured++
    } else if ((e.type === 'room.created' || e.type === 'wake') && !user.woke) {
      user.woke = true
      wakes.push(at)
    }
  }
}

async function runUser(a: Start, base: URL, cookie: string, gate: { take: () => Promise<void>; give: () => void }) {
  const user = { woke: false }
  let get = httpGet
  if (a.raw) {
    const conn = new RawConnection(base.hostname, Number(base.port))
    raws.push(conn)
    const headers: Record<string, string> = cookie ? { cookie } : {}
    get = async (_base, path) => {
      const r = await conn.get(path, headers)
      return { status: r.status, text: r.body, at: nowMs() }
    }
  }
  const first = a.mode === 'parley' ? '/api/poll' : '/?hold=0'
  let cursor = ''
  const fetchCursor = async () => {
    const r = await get(base, first, cookie)
    if (r.status !== 200) throw new Error(`cursor: HTTP ${r.status} ${r.text.slice(0, 200)}`)
    cursor = (JSON.parse(r.text) as { data: { cursor: string } }).data.cursor
  }
  await gate.take()
  try {
    await fetchCursor()
  } finally {
    gate.give()
  }
  if (++ready === a.cookies.length) notifyParent('ready', { ready })
  while (!stopped && Date.now() < a.deadlineMs) {
    const path = a.mode === 'parley' ? `/api/poll?cursor=${cursor}&timeout=${a.timeoutS}` : '/?hold=1'
    let r
    try {
      r = await get(base, path, cookie)
    } catch {
      if (stopped) return
      errors++
      await sleep(200)
      continue
    }
    polls++
    statuses[r.status] = (statuses[r.status] ?? 0) + 1
    if (r.status === 200) {
      const body = JSON.parse(r.text) as { data: { events: Event[]; cursor: string } }
      cursor = body.data.cursor
      onEvents(body.data.events, r.at, user)
      if (user.woke && a.stopOnWake) return
    } else if (r.status === 410) {
      await fetchCursor()
    } else {
      errors++
      await sleep(200)
    }
  }
}

serveParent(
  {
    start: (a: Start) => {
      agent = keepAliveAgent()
      const base = new URL(a.url)
      let free = a.connectConcurrency
      const waiting: Array<() => void> = []
      const gate = {
        take: () => (free > 0 ? (free--, Promise.resolve()) : new Promise<void>((r) => waiting.push(r))),
        give: () => (waiting.length ? waiting.shift()!() : free++),
      }
      for (const cookie of a.cookies) {
        runUser(a, base, cookie, gate).catch((err: unknown) => {
          errors++
          if (!stopped) console.error(`poller: ${err instanceof Error ? err.message : err}`)
        })
      }
      return { users: a.cookies.length }
    },
    // requests: those through the agent (raw connections, used by idle capacity only, are not counted).
    counts: () => ({ ready, measured, wakes: wakes.length, errors, polls, requests: agent?.made ?? 0 }),
    stop: () => {
      stopped = true
      agent?.destroy()
      for (const c of raws) c.close()
      return { latencies: Float64Array.from(latencies), wakes: Float64Array.from(wakes), measured, errors, polls, statuses }
    },
  },
  20 * 60_000,
)
