// Baseline for held polls: a bare node:http server that holds requests and nothing else.
// GET /?hold=0 answers at once (as a poll without cursor does); GET /?hold=1 is held until
// POST /wake, which answers every held request with one small event.
// For the fan-out floor it also takes POST /api/rooms/<id>/messages {text} and hands the text to
// every client (keyed by its cookie) as a message.created event: answering its held request, or
// queued for its next one. No sessions, no storage, no framework: the cheapest long-poll server.
import http from 'node:http'
import { notifyParent, serveParent } from '../lib/ipc.js'

const held = new Map<string, http.ServerResponse>()
const queued = new Map<string, string[]>()
let anonymous = 0

const answer = (res: http.ServerResponse, events: string[]) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(`{"data":{"events":[${events.join(',')}],"cursor":"1"}}`)

// A client gets a queue once a broadcast has found it holding a poll (so idle holding costs none).
function broadcast(event: string) {
  for (const [client, list] of queued) if (!held.has(client)) list.push(event)
  for (const [client, res] of held) {
    answer(res, [event])
    queued.set(client, [])
  }
  held.clear()
}

const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (body += c))
    req.on('end', () => {
      if (req.url === '/wake') {
        const n = held.size
        broadcast('{"id":"1","type":"wake","data":{}}')
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ woken: n }))
        return
      }
      const { text } = JSON.parse(body) as { text: string }
      broadcast(JSON.stringify({ id: '1', type: 'message.created', data: { message: { text } } }))
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"data":{}}')
    })
    return
  }
  const client = req.headers.cookie ?? `anonymous-${anonymous++}`
  if (req.url?.includes('hold=1')) {
    const waiting = queued.get(client)
    if (waiting?.length) {
      queued.set(client, [])
      answer(res, waiting)
      return
    }
    held.set(client, res)
    res.on('close', () => held.get(client) === res && held.delete(client))
    return
  }
  answer(res, [])
})
// The same timeouts Parley sets for long polls.
server.requestTimeout = 0
server.headersTimeout = 60_000
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => notifyParent('listening', { port: (server.address() as { port: number }).port }))
serveParent({ held: () => held.size }, 30 * 60_000)
