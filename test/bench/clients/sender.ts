// Load generator: one sender posting `rate` messages per second of `length` characters, first
// for warmupS (texts "w…", not measured) then for measureS (texts "m<seq> <sent-ms> …").
// Sends on a fixed schedule (open loop), so a slow server shows as latency, not as fewer sends.
import { io } from 'socket.io-client'
import { FAYE_ROOM, longPollingClient, useAgentForFaye } from '../lib/faye.js'
import { keepAliveAgent, request } from '../lib/http.js'
import { notifyParent, serveParent } from '../lib/ipc.js'
import { nowMs, sleep } from '../lib/procstat.js'

type Run = { target: 'parley' | 'sio' | 'faye'; url: string; cookie?: string; roomId?: number; rate: number; length: number; warmupS: number; measureS: number }

function text(kind: 'w' | 'm', seq: number, length: number): string {
  const head = `${kind}${seq} ${nowMs().toFixed(3)} `
  return head + 'x'.repeat(Math.max(0, length - head.length))
}

serveParent(
  {
    run: async (a: Run) => {
      const agent = keepAliveAgent()
      let send: (t: string) => Promise<void>
      let close = () => agent.destroy()
      let failures = 0
      if (a.target === 'parley') {
        send = async (t) => {
          const r = await request(agent, a.url, 'POST', `/api/rooms/${a.roomId}/messages`, { cookie: a.cookie!, json: { text: t } })
          if (r.status !== 201) failures++
        }
      } else if (a.target === 'faye') {
        useAgentForFaye(agent)
        const client = longPollingClient(a.url)
        // Handshake and first connect before sending, as the socket.io sender waits for 'connect'.
        await new Promise<void>((resolve) => client.connect(resolve))
        // Resolves on the server's acknowledgement of the publication, as Parley's 201 does.
        send = async (t) => void (await client.publish(FAYE_ROOM, { text: t }))
        close = () => (client.disconnect(), agent.destroy())
      } else {
        const socket = io(a.url, { transports: ['polling'], forceNew: true, query: { role: 'sender' }, agent: agent as never })
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve())
          socket.once('connect_error', reject)
        })
        send = async (t) => void (await socket.timeout(30_000).emitWithAck('msg', t))
        close = () => (socket.close(), agent.destroy())
      }
      const interval = 1000 / a.rate
      const inFlight = new Set<Promise<void>>()
      const phase = async (kind: 'w' | 'm', seconds: number) => {
        const count = Math.round(seconds * a.rate)
        const t0 = performance.now()
        for (let i = 0; i < count; i++) {
          const wait = t0 + i * interval - performance.now()
          if (wait > 0) await sleep(wait)
          const p: Promise<void> = send(text(kind, i, a.length))
            .catch(() => void failures++)
            .finally(() => inFlight.delete(p))
          inFlight.add(p)
        }
        return count
      }
      await phase('w', a.warmupS)
      notifyParent('measure-start', { at: nowMs() })
      const sent = await phase('m', a.measureS)
      notifyParent('measure-sent', { at: nowMs() })
      // Bounded: a send that has not answered in 30 s counts as failed.
      await Promise.race([Promise.all(inFlight), sleep(30_000)])
      failures += inFlight.size
      close()
      return { sent, failures }
    },
  },
  10 * 60_000,
)
