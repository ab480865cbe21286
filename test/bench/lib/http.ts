// Minimal keep-alive JSON client over node:http, shared by setup steps and load generators.
import http from 'node:http'

export type HttpAnswer = { status: number; body: any; text: string; cookie?: string }

/** An agent that counts the requests made through it (a poll, a POST, a handshake: each is one). */
export class CountingAgent extends http.Agent {
  /** Requests made so far (not `requests`: node's Agent keeps its queue under that name). */
  made = 0
  /** GET requests among them (socket.io's polls: its other requests are POSTs). */
  gets = 0

  // Not in @types/node, but node:http calls it once for every request made through an agent.
  addRequest(req: http.ClientRequest, options: unknown): void {
    this.made++
    if (req.method === 'GET') this.gets++
    ;(http.Agent.prototype as unknown as { addRequest: (req: http.ClientRequest, options: unknown) => void }).addRequest.call(this, req, options)
  }
}

/**
 * The one client agent of every side of every benchmark (Parley's pollers and sender, socket.io-
 * client, Faye's client): keep-alive, and no cap on open or idle sockets, so no side pays for
 * reconnects (node's default keeps at most 256 idle sockets and closes the rest).
 */
export function keepAliveAgent(): CountingAgent {
  return new CountingAgent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: Infinity, keepAliveMsecs: 30_000 })
}

export function request(
  agent: http.Agent,
  base: string,
  method: string,
  path: string,
  opts: { cookie?: string; json?: unknown; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<HttpAnswer> {
  const url = new URL(path, base)
  const body = opts.json === undefined ? undefined : Buffer.from(JSON.stringify(opts.json))
  const headers: Record<string, string | number> = {}
  if (opts.cookie) headers.cookie = opts.cookie
  if (body) {
    headers['content-type'] = 'application/json'
    headers['content-length'] = body.length
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers, timeout: opts.timeoutMs ?? 30_000, signal: opts.signal },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let parsed: unknown
          try {
            parsed = text ? JSON.parse(text) : undefined
          } catch {
            parsed = undefined
          }
          const setCookie = res.headers['set-cookie']?.[0]
          const answer: HttpAnswer = { status: res.statusCode ?? 0, body: parsed, text }
          if (setCookie) answer.cookie = setCookie.split(';')[0]!
          resolve(answer)
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${opts.timeoutMs ?? 30_000} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}

/** Runs fn over items with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/** Retries GET url until it answers 200 (a server coming up), at most maxMs. */
export async function waitHealthy(agent: http.Agent, base: string, path: string, maxMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + maxMs
  let last = ''
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`server exited before answering ${path}`)
    try {
      const r = await request(agent, base, 'GET', path, { timeoutMs: 2000 })
      if (r.status === 200) return
      last = `status ${r.status}`
    } catch (err) {
      last = err instanceof Error ? err.message : String(err)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${base}${path} not healthy within ${maxMs} ms (${last})`)
}
