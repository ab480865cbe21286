// The pipeline writes an answer's headers in node:http's stored form (http/pipeline.ts,
// writeStoredHead): checked once per kind of answer, not per answer. What goes on the wire must
// be what writeHead with the same list wrote: the same names, case, order and values.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiError } from '../src/errors.js'
import { createMetrics } from '../src/metrics.js'
import { OUT_HEADERS, Pipeline } from '../src/http/pipeline.js'
import { rawExchange } from './helpers/raw-http.js'

let server: Server
let port: number

beforeAll(async () => {
  const pipeline = new Pipeline(pino({ level: 'silent' }), createMetrics(), {
    guards: [],
    fast: [
      (ex) => {
        if (ex.path === '/api/ok') ex.send(200, '{"data":1}')
        else if (ex.path === '/api/busy') ex.fail(new ApiError('rate_limited', 'Slow down.', undefined, { 'Retry-After': '7' }))
        else if (ex.path === '/api/set-before') {
          // A header set on the response beforehand: the answer's headers go through setHeader.
          ex.res.setHeader('X-Early', 'yes')
          ex.send(200, '{"data":1}')
        } else if (ex.path === '/api/bad') ex.send(200, '{}', undefined, { 'X-Bad': 'a\nb' })
        else return false
        return true
      },
    ],
    router: (_req, res) => void res.writeHead(404).end(),
  })
  server = createServer(pipeline.handle)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})

/** The header block of one GET, its Date and request id blanked. */
async function head(path: string): Promise<string> {
  const { text } = await rawExchange(port, [`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`])
  return text
    .split('\r\n\r\n')[0]!
    .replace(/^Date: .*$/m, 'Date: -')
    .replace(/^X-Request-Id: [0-9a-f-]{36}$/m, 'X-Request-Id: -')
}

const API = ["Content-Security-Policy: default-src 'none'; frame-ancestors 'none'", 'X-Content-Type-Options: nosniff', 'Referrer-Policy: no-referrer']

describe("an answer's headers", () => {
  it("are stored where node:http's setHeader stores them, on this Node", () => {
    expect(OUT_HEADERS).toBeTypeOf('symbol')
  })

  it('go out in the order, case and values of the list writeHead was given', async () => {
    expect(await head('/api/ok')).toBe(
      ['HTTP/1.1 200 OK', ...API, 'Content-Type: application/json; charset=UTF-8', 'X-Request-Id: -', 'Content-Length: 10', 'Date: -', 'Connection: close'].join('\r\n'),
    )
  })

  it("an error's own headers go after the kind's, before the request id", async () => {
    const text = await head('/api/busy')
    expect(text).toMatch(/^HTTP\/1\.1 429 /)
    expect(text.split('\r\n').slice(1)).toEqual([...API, 'Content-Type: application/json', 'Retry-After: 7', 'X-Request-Id: -', expect.stringMatching(/^Content-Length: \d+$/), 'Date: -', 'Connection: close'])
  })

  it('after a header set on the response beforehand, the same headers follow it', async () => {
    expect(await head('/api/set-before')).toBe(
      ['HTTP/1.1 200 OK', 'X-Early: yes', ...API, 'Content-Type: application/json; charset=UTF-8', 'X-Request-Id: -', 'Content-Length: 10', 'Date: -', 'Connection: close'].join('\r\n'),
    )
  })

  it('a header value node:http would refuse is refused (a 500 answered instead)', async () => {
    expect(await head('/api/bad')).toMatch(/^HTTP\/1\.1 500 /)
  })
})
