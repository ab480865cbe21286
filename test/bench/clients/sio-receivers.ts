// Load generator: socket.io-client receivers restricted to HTTP long-polling, each its own
// engine.io connection (forceNew), all over the shared keep-alive agent. Records the delivery
// latency of every measured message, like pollers.ts does for Parley, and counts the requests made
// (its polls are the GETs; pongs and acks are POSTs).
import { io, type Socket } from 'socket.io-client'
import { type CountingAgent, keepAliveAgent, pool } from '../lib/http.js'
import { notifyParent, serveParent } from '../lib/ipc.js'
import { nowMs, sentAt } from '../lib/procstat.js'

type Start = { url: string; count: number; connectConcurrency: number }

let agent: CountingAgent | undefined
const sockets: Socket[] = []
let ready = 0
let measured = 0
let errors = 0
const latencies: number[] = []

function onMessage(text: string) {
  const at = nowMs()
  const sent = sentAt(text)
  if (sent === undefined) return
  latencies.push(at - sent)
  measured++
}

serveParent(
  {
    start: async (a: Start) => {
      agent = keepAliveAgent()
      const connectOne = () =>
        new Promise<void>((resolve) => {
          const s = io(a.url, { transports: ['polling'], forceNew: true, query: { role: 'receiver' }, agent: agent as never, timeout: 20_000 })
          sockets.push(s)
          s.on('msg', onMessage)
          s.once('connect', () => {
            if (++ready === a.count) notifyParent('ready', { ready })
            resolve()
          })
          s.once('connect_error', () => (errors++, resolve()))
        })
      void pool(Array.from({ length: a.count }), a.connectConcurrency, connectOne)
      return { users: a.count }
    },
    counts: () => ({ ready, measured, wakes: 0, errors, polls: agent?.gets ?? 0, requests: agent?.made ?? 0 }),
    stop: () => {
      for (const s of sockets) s.io.engine?.close()
      const polls = agent?.gets ?? 0
      agent?.destroy()
      return { latencies: Float64Array.from(latencies), wakes: new Float64Array(), measured, errors, polls, statuses: {} }
    },
  },
  20 * 60_000,
)
