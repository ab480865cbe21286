// An HTTP client with a real cookie jar (one per browser tab / curl -c jar). Every answer it
// receives is recorded and checked against /api/openapi.json after the test file
// (helpers/answers.ts): an undocumented answer fails the file that received it.
import { recordAnswer } from './answers.js'

export type Res<T = any> = { status: number; body: T; headers: Headers; text: string }

export class Client {
  readonly cookies = new Map<string, string>()
  constructor(readonly base: string) {}

  async request<T = any>(method: string, path: string, body?: unknown, init: { headers?: Record<string, string>; raw?: BodyInit; signal?: AbortSignal } = {}): Promise<Res<T>> {
    const headers: Record<string, string> = { ...init.headers }
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    let payload: BodyInit | undefined = init.raw
    if (body !== undefined) {
      payload = JSON.stringify(body)
      headers['content-type'] ??= 'application/json'
    }
    const send = () => fetch(this.base + path, { method, headers, body: payload, redirect: 'manual', ...(init.signal ? { signal: init.signal } : {}) })
    // A pooled keep-alive socket the server closed (e.g. across a restart) fails at first use;
    // a GET is safe to send again on a fresh one, as browsers do.
    const res = await send().catch((err: unknown) => {
      if (method === 'GET' && !init.signal?.aborted && (err as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET') return send()
      throw err
    })
    for (const line of res.headers.getSetCookie()) this.store(line)
    const text = await res.text()
    recordAnswer({ method, path, status: res.status, contentType: res.headers.get('content-type'), text })
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers, text }
  }

  get<T = any>(path: string, init?: { headers?: Record<string, string>; signal?: AbortSignal }) {
    return this.request<T>('GET', path, undefined, init)
  }
  post<T = any>(path: string, body?: unknown, init?: { headers?: Record<string, string>; signal?: AbortSignal }) {
    return this.request<T>('POST', path, body, init)
  }
  patch<T = any>(path: string, body?: unknown) {
    return this.request<T>('PATCH', path, body)
  }
  delete<T = any>(path: string, body?: unknown) {
    return this.request<T>('DELETE', path, body)
  }

  private store(line: string) {
    const [pair, ...attrs] = line.split(';')
    const eq = pair!.indexOf('=')
    const name = pair!.slice(0, eq).trim()
    const value = pair!.slice(eq + 1).trim()
    const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()))
    if (expired || value === '') this.cookies.delete(name)
    else this.cookies.set(name, value)
  }
}
