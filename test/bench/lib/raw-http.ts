// A minimal HTTP/1.1 keep-alive client over one net.Socket: GET only, one request at a time,
// Content-Length or chunked answers. Used where the clients' own cost would otherwise blur the
// server's (thousands of held polls answered at once): it costs a fraction of node:http per answer.
import net from 'node:net'

export type RawAnswer = { status: number; body: string }

export class RawConnection {
  private socket: net.Socket | undefined
  private buf: Buffer = Buffer.alloc(0)
  private pending: { resolve: (a: RawAnswer) => void; reject: (e: Error) => void } | undefined

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private connect(): net.Socket {
    const s = net.connect({ host: this.host, port: this.port, noDelay: true })
    s.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d
      this.parse()
    })
    const fail = (err: Error) => {
      this.socket = undefined
      this.buf = Buffer.alloc(0)
      const p = this.pending
      this.pending = undefined
      p?.reject(err)
    }
    s.on('error', fail)
    s.on('close', () => fail(new Error('connection closed')))
    this.socket = s
    return s
  }

  get(path: string, headers: Record<string, string>): Promise<RawAnswer> {
    if (this.pending) return Promise.reject(new Error('one request at a time'))
    const s = this.socket ?? this.connect()
    let head = `GET ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n`
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject }
      s.write(head + '\r\n')
    })
  }

  close() {
    this.socket?.destroy()
    this.socket = undefined
  }

  private parse() {
    const end = this.buf.indexOf('\r\n\r\n')
    if (end < 0 || !this.pending) return
    const head = this.buf.subarray(0, end).toString('latin1')
    const status = Number(head.slice(9, 12))
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)
    let body: string
    let used: number
    if (length) {
      const n = Number(length[1])
      if (this.buf.length < end + 4 + n) return
      body = this.buf.toString('utf8', end + 4, end + 4 + n)
      used = end + 4 + n
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const parts: Buffer[] = []
      let at = end + 4
      for (;;) {
        const eol = this.buf.indexOf('\r\n', at)
        if (eol < 0) return
        const size = parseInt(this.buf.toString('latin1', at, eol), 16)
        if (this.buf.length < eol + 2 + size + 2) return
        if (size === 0) {
          used = eol + 4
          break
        }
        parts.push(this.buf.subarray(eol + 2, eol + 2 + size))
        at = eol + 2 + size + 2
      }
      body = Buffer.concat(parts).toString('utf8')
    } else {
      return // answers without a length end with the connection: not used by the servers here
    }
    this.buf = this.buf.subarray(used)
    const p = this.pending
    this.pending = undefined
    if (/\r\nconnection:\s*close/i.test(head)) this.close()
    p.resolve({ status, body })
  }
}
