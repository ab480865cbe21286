import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Prometheus metrics, one registry per app (no module state: tests build many apps). */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const tally = new RequestTally()
  return {
    registry,
    requests: new Counter({
      name: 'parley_http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
      collect() {
        tally.flush(this)
      },
    }),
    /** One request answered: counted in parley_http_requests_total (by the time it is read). */
    countRequest: (method: string, route: string, status: number) => tally.add(method, route, status),
    duration: new Histogram({
      name: 'parley_http_request_duration_seconds',
      help: 'Time to answer HTTP requests (long polls excluded)',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    heldPolls: new Gauge({ name: 'parley_held_polls', help: 'Long polls held open now', registers: [registry] }),
    eventsDelivered: new Counter({ name: 'parley_events_delivered_total', help: 'Events handed to polls', registers: [registry] }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>

/**
 * Requests answered, counted in plain numbers and handed to the counter when it is read:
 * prom-client builds and checks a key from the label object on every inc, a cost on every poll.
 * Bounded as the counter's own series are (methods node:http parses, route patterns, statuses).
 */
class RequestTally {
  /** method → route → status → requests not yet in the counter. */
  private readonly pending = new Map<string, Map<string, Map<number, number>>>()

  add(method: string, route: string, status: number): void {
    let byRoute = this.pending.get(method)
    if (!byRoute) this.pending.set(method, (byRoute = new Map()))
    let byStatus = byRoute.get(route)
    if (!byStatus) byRoute.set(route, (byStatus = new Map()))
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
  }

  flush(counter: Counter<'method' | 'route' | 'status'>): void {
    for (const [method, byRoute] of this.pending) {
      for (const [route, byStatus] of byRoute) {
        for (const [status, n] of byStatus) {
          if (n === 0) continue
          counter.inc({ method, route, status: String(status) }, n)
          byStatus.set(status, 0)
        }
      }
    }
  }
}

/** Whether a peer address is this machine's loopback (127.0.0.0/8, ::1, or IPv4-mapped 127.x). */
export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip
  return ip === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)
}
