// A reverse proxy in front of a test server that cuts every request idle for `idleMs` (no byte
// either way), as nginx's proxy_read_timeout or a corporate proxy does to a held long poll.
// mode 'reset': the client's connection is destroyed mid-request; mode 'gateway': a request still
// waiting for its answer's headers gets 504 Gateway Timeout (nginx's way), else is destroyed.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type IdleProxy = { url: string; cuts: () => number; close: () => Promise<void> }

export async function startIdleProxy(target: string, { idleMs, mode = 'reset' }: { idleMs: number; mode?: 'reset' | 'gateway' }): Promise<IdleProxy> {
  const upstream = new URL(target)
  let cuts = 0
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.on('data', (chunk: Buffer) => {
          touch()
          res.write(chunk)
        })
        answer.on('end', () => {
          clearTimeout(timer)
          res.end()
        })
        answer.on('error', () => res.destroy())
      },
    )
    let timer: NodeJS.Timeout
    const touch = () => {
      clearTimeout(timer)
      timer = setTimeout(cut, idleMs)
    }
    const cut = () => {
      cuts++
      out.destroy()
      if (mode === 'gateway' && !res.headersSent) {
        res.writeHead(504, { 'content-type': 'text/html', connection: 'close' })
        res.end('<html><body><h1>504 Gateway Time-out</h1></body></html>')
      } else res.destroy()
    }
    touch()
    req.on('data', (chunk: Buffer) => {
      touch()
      out.write(chunk)
    })
    req.on('end', () => out.end())
    req.on('error', () => out.destroy())
    res.on('close', () => {
      clearTimeout(timer)
      out.destroy()
    })
    out.on('error', () => {
      clearTimeout(timer)
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(502, { 'content-type': 'text/plain' })
        res.end('bad gateway')
      } else res.destroy()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    cuts: () => cuts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
