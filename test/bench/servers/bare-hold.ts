// Baseline for held polls: a bare node:http server that holds requests and nothing else.
// GET /?hold=0 answers at once (as a poll without cursor does); GET /?hold=1 is held until
// POST /wake, which answers every held request with one small event.
import http from 'node:http'
import { notifyParent, serveParent } from '../lib/ipc.js'

const held = new Set<http.ServerResponse>()
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/wake') {
    const body = JSON.stringify({ data: { events: [{ id: '1', type: 'wake', data: {} }], cursor: '1' } })
    for (const r of held) r.writeHead(200, { 'content-type': 'application/json' }).end(body)
    const n = held.size
    held.clear()
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ woken: n }))
    return
  }
  if (req.url?.includes('hold=1')) {
    held.add(res)
    res.on('close', () => held.delete(res))
    return
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { events: [], cursor: '0' } }))
})
// The same timeouts Parley sets for long polls.
server.requestTimeout = 0
server.headersTimeout = 60_000
server.keepAliveTimeout = 65_000
server.listen(0, '127.0.0.1', () => notifyParent('listening', { port: (server.address() as { port: number }).port }))
serveParent({ held: () => held.size }, 30 * 60_000)
