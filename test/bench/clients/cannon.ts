// Load generator: autocannon in its own process. A warm-up run, then the measured run.
// Each connection may carry its own session cookie; each request may pick a random path.
import autocannon, { type Options } from 'autocannon'
import { notifyParent, serveParent } from '../lib/ipc.js'

type Run = {
  url: string
  connections: number
  durationS: number
  warmupS: number
  method?: string
  body?: string
  headers?: Record<string, string>
  cookies?: string[]
  paths?: string[]
}

function options(a: Run, durationS: number): Options {
  let n = 0
  const opts: Options = { url: a.url, connections: a.connections, duration: durationS, method: a.method ?? 'GET', headers: a.headers ?? {}, timeout: 10 }
  if (a.body !== undefined) opts.body = a.body
  const cookies = a.cookies
  if (cookies?.length) opts.setupClient = (client) => client.setHeaders({ ...a.headers, cookie: cookies[n++ % cookies.length]! })
  const paths = a.paths
  if (paths?.length) opts.requests = [{ setupRequest: (req) => ({ ...req, path: paths[Math.floor(Math.random() * paths.length)]! }) }]
  return opts
}

serveParent(
  {
    run: async (a: Run) => {
      if (a.warmupS > 0) await autocannon(options(a, a.warmupS))
      notifyParent('measure-start')
      const r = await autocannon(options(a, a.durationS))
      const ok = r['2xx']
      return {
        ok,
        perSecond: ok / r.duration,
        total: r.requests.total,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        p50: r.latency.p50,
        p99: r.latency.p99,
        duration: r.duration,
      }
    },
  },
  10 * 60_000,
)
