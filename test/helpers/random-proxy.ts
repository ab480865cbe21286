// A load balancer without sticky sessions, as small as it can be: each request goes to a backend
// picked at random among those listed now, and is cut with a 502 if that backend cannot be reached
// or drops the connection (a killed process), as nginx does. No retries here: clients retry.
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type RandomProxy = {
  url: string
  /** The backends requests may go to (ports on 127.0.0.1); change at will. */
  backends: number[]
  /** Requests sent to each port so far. */
  counts: Map<number, number>
  close: () => Promise<void>
}

export async function startRandomProxy(backends: number[], random: () => number = Math.random): Promise<RandomProxy> {
  const proxy: RandomProxy = { url: '', backends: [...backends], counts: new Map(), close: async () => undefined }
  const server: Server = createServer((req, res) => {
    const port = proxy.backends[Math.floor(random() * proxy.backends.length)]!
    proxy.counts.set(port, (proxy.counts.get(port) ?? 0) + 1)
    const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
      answer.on('error', () => res.destroy())
    })
    const fail = () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' })
        res.end('{"error":{"code":"bad_gateway","message":"upstream unreachable"}}')
      } else res.destroy()
    }
    upstream.on('error', fail)
    req.pipe(upstream)
    // The client went away: so does the upstream request (a held poll is let go).
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
  })
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return proxy
}
