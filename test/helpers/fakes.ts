// Local stand-ins for SendGrid and Twilio: real HTTP servers on 127.0.0.1 that record what the
// real client code sends them, so tests prove the wire format without the internet.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Recorded = { method: string; path: string; headers: IncomingHttpHeaders; raw: string }

export type FakeProvider = {
  url: string
  requests: Recorded[]
  /** The status the next requests get (default: what the real provider answers on success). */
  respondWith: (status: number) => void
  /** Resolves once `n` requests have arrived. */
  waitFor: (n: number) => Promise<Recorded[]>
  close: () => Promise<void>
}

async function startFake(success: number, answer: (req: Recorded) => unknown): Promise<FakeProvider> {
  const requests: Recorded[] = []
  let status = success
  let waiters: Array<() => void> = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const rec: Recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') }
      requests.push(rec)
      const body = status < 300 ? answer(rec) : { errors: [{ message: 'refused by the fake' }] }
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(body === undefined ? '' : JSON.stringify(body))
      const ready = waiters
      waiters = []
      ready.forEach((w) => w())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respondWith: (s) => {
      status = s
    },
    waitFor: async (n) => {
      while (requests.length < n) await new Promise<void>((resolve) => waiters.push(resolve))
      return requests
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** SendGrid v3: POST /v3/mail/send answers 202 with an empty body. */
export const startFakeSendGrid = () => startFake(202, () => undefined)

/** Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json answers 201 with the message resource. */
export const startFakeTwilio = () =>
  startFake(201, (req) => {
    const form = new URLSearchParams(req.raw)
    return { sid: 'SM' + '0'.repeat(32), to: form.get('To'), from: form.get('From'), body: form.get('Body'), status: 'queued' }
  })

/** The parsed JSON body of a recorded request. */
export const jsonOf = (r: Recorded) => JSON.parse(r.raw) as any

/** The parsed form body of a recorded request. */
export const formOf = (r: Recorded) => new URLSearchParams(r.raw)
