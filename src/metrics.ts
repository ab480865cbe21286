import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** Prometheus metrics, one registry per app (no module state: tests build many apps). */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    requests: new Counter({
      name: 'parley_http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
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

/** Whether a peer address is this machine's loopback (127.0.0.0/8, ::1, or IPv4-mapped 127.x). */
export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip
  return ip === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)
}
