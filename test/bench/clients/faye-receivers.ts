// Load generator: Faye clients held to HTTP long-polling (lib/faye.ts), each subscribed to the
// room's channel, all over the shared keep-alive agent. Records the delivery latency of every
// measured message, like pollers.ts does for Parley, and counts the /meta/connect answers (Faye's
// poll answers) and every request made.
import type { Client } from 'faye'
import { type CountingAgent, keepAliveAgent, pool } from '../lib/http.js'
import { FAYE_ROOM, longPollingClient, useAgentForFaye } from '../lib/faye.js'
import { notifyParent, serveParent } from '../lib/ipc.js'
import { nowMs, sentAt } from '../lib/procstat.js'

type Start = { url: string; count: number; connectConcurrency: number }

let agent: CountingAgent | undefined
const clients: Client[] = []
let ready = 0
let measured = 0
let errors = 0
let polls = 0
const latencies: number[] = []

function onMessage(data: { text?: string }) {
  const at = nowMs()
  const sent = sentAt(data.text ?? '')
  if (sent === undefined) return
  latencies.push(at - sent)
  measured++
}

serveParent(
  {
    start: (a: Start) => {
      agent = keepAliveAgent()
      useAgentForFaye(agent)
      const connectOne = async () => {
        const c = longPollingClient(a.url)
        clients.push(c)
        c.addExtension({
          incoming: (m, callback) => {
            if (m.channel === '/meta/connect') polls++
            callback(m)
          },
        })
        try {
          // Resolves once the server has acknowledged the subscription (after handshake and connect).
          await c.subscribe(FAYE_ROOM, onMessage)
          if (++ready === a.count) notifyParent('ready', { ready })
        } catch {
          errors++
        }
      }
      void pool(Array.from({ length: a.count }), a.connectConcurrency, connectOne)
      return { users: a.count }
    },
    counts: () => ({ ready, measured, errors, polls, requests: agent?.made ?? 0 }),
    // No /meta/disconnect: the process ends right after, as the other receivers' do.
    stop: () => {
      agent?.destroy()
      return { latencies: Float64Array.from(latencies), wakes: new Float64Array(), measured, errors, polls, statuses: {} }
    },
  },
  20 * 60_000,
)
