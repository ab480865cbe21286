// Peer for fan-out: Faye 1.4 (a Bayeux pub/sub server) on node:http, with its in-memory engine.
// The room is one channel: receivers subscribe to it, the sender publishes to it. Every
// /meta/connect names the connection type its client uses; the bench asks for them afterwards to
// check that every client long-polled.
import http from 'node:http'
import faye from 'faye'
import { FAYE_MOUNT } from '../lib/faye.js'
import { notifyParent, serveParent } from '../lib/ipc.js'

// 25 s: the hold the other sides' polls ask for (Parley's pollers send timeout=25).
const bayeux = new faye.NodeAdapter({ mount: FAYE_MOUNT, timeout: 25 })
const connectionTypes = new Map<string, string>()
bayeux.addExtension({
  incoming: (message, callback) => {
    if (message.channel === '/meta/connect' && message.clientId) connectionTypes.set(message.clientId, String(message.connectionType))
    callback(message)
  },
})

const server = http.createServer()
bayeux.attach(server)
// The same timeouts Parley and the bare floor set for long polls.
server.requestTimeout = 0
server.headersTimeout = 60_000
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => notifyParent('listening', { port: (server.address() as { port: number }).port }))
serveParent(
  {
    /** How many clients connected with each connection type. */
    connectionTypes: () => {
      const counts: Record<string, number> = {}
      for (const t of connectionTypes.values()) counts[t] = (counts[t] ?? 0) + 1
      return counts
    },
  },
  30 * 60_000,
)
