// HTTP written by hand on a socket of its own: for what no HTTP client sends (garbage request
// lines, stalled or truncated bodies, bad chunking), and to read whatever comes back.
import { connect } from 'node:net'

export type RawAnswer = { text: string; statuses: number[]; ms: number; timedOut: boolean }

/**
 * Writes `parts` on a fresh connection (with `gapMs` between them), optionally cutting it after
 * the last ('end' half-closes, 'destroy' resets), then reads until the server closes the
 * connection or `waitMs` passes (`timedOut`).
 */
export function rawExchange(port: number, parts: (string | Buffer)[], opts: { cut?: 'end' | 'destroy'; gapMs?: number; waitMs?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const started = Date.now()
    const socket = connect(port, '127.0.0.1')
    let text = ''
    let done = false
    const finish = (timedOut: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ text, statuses: [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1])), ms: Date.now() - started, timedOut })
    }
    const timer = setTimeout(() => finish(true), opts.waitMs ?? 10_000)
    socket.on('data', (c: Buffer) => void (text += c.toString('latin1')))
    socket.on('error', () => finish(false))
    socket.on('close', () => finish(false))
    socket.on('connect', async () => {
      for (const p of parts) {
        if (socket.destroyed) return
        socket.write(p)
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs))
      }
      if (opts.cut === 'end') socket.end()
      else if (opts.cut === 'destroy') setTimeout(() => finish(false), 20)
    })
  })
}

/** The first answer of a raw exchange: status, header block, and body (by Content-Length) parsed as JSON when it is. */
export function firstAnswer(text: string): { status: number; headers: string; body: any } | undefined {
  const head = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n/.exec(text)
  if (!head) return undefined
  const length = Number(/\r\ncontent-length: *(\d+)/i.exec(`\r\n${head[2]}`)?.[1] ?? -1)
  const rest = text.slice(head[0].length)
  const raw = length >= 0 ? rest.slice(0, length) : rest
  const headers = `\r\n${head[2]}\r\n`
  try {
    return { status: Number(head[1]), headers, body: raw === '' ? undefined : JSON.parse(Buffer.from(raw, 'latin1').toString('utf8')) }
  } catch {
    return { status: Number(head[1]), headers, body: raw }
  }
}

/** One keep-alive connection that sends requests one at a time and reads each answer (Content-Length bodies). */
export function keepAliveConnection(port: number) {
  const socket = connect(port, '127.0.0.1')
  let text = ''
  let waiting: (() => void) | undefined
  socket.on('data', (c: Buffer) => {
    text += c.toString('latin1')
    waiting?.()
  })
  return {
    async get(path: string, headers: Record<string, string>): Promise<{ status: number; headers: string; body: any }> {
      text = ''
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`)
      for (;;) {
        const a = firstAnswer(text)
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(a?.headers ?? '')?.[1] ?? -1)
        if (a && length >= 0 && Buffer.byteLength(text, 'latin1') >= text.indexOf('\r\n\r\n') + 4 + length) return a
        await new Promise<void>((r) => (waiting = r))
      }
    },
    close: () => socket.destroy(),
  }
}
