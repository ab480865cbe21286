import { Counter, Gauge, type Metric, Registry, collectDefaultMetrics } from 'prom-client'

/** Prometheus metrics, one registry per app (no module state: tests build many apps). */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const tally = new RequestTally()
  // Events handed to polls and not yet in the counter: a number added to on every answer,
  // where the counter's own inc checks its value and looks its series up by a label key.
  let delivered = 0
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
    /** Time to answer a request, by method and route pattern. */
    duration: registered(
      registry,
      new RouteHistogram('parley_http_request_duration_seconds', 'Time to answer HTTP requests (long polls excluded)', [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]),
    ),
    heldPolls: new Gauge({ name: 'parley_held_polls', help: 'Long polls held open now', registers: [registry] }),
    eventsDelivered: new Counter({
      name: 'parley_events_delivered_total',
      help: 'Events handed to polls',
      registers: [registry],
      collect() {
        if (delivered > 0) this.inc(delivered)
        delivered = 0
      },
    }),
    /** Events handed to a poll: counted in parley_events_delivered_total (by the time it is read). */
    countDelivered: (n: number) => {
      delivered += n
    },
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

function registered<M>(registry: Registry, metric: M): M {
  registry.registerMetric(metric as unknown as Metric)
  return metric
}

type Series = { labels: { method: string; route: string }; counts: number[]; sum: number; count: number }

/**
 * A histogram by method and route that reads as prom-client's Histogram with the labels
 * method and route reads (get(): the same values, in the same order, for /metrics and JSON), but
 * observes in plain numbers: prom-client's observe builds and checks a key from the label
 * object, a cost on every request. Bounded as its series are (methods, route patterns).
 */
export class RouteHistogram {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  /** method → route → series. */
  private readonly byMethod = new Map<string, Map<string, Series>>()
  /** The series in the order first observed (prom-client answers them so). */
  private readonly order: Series[] = []

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  observe(method: string, route: string, value: number): void {
    let byRoute = this.byMethod.get(method)
    if (!byRoute) this.byMethod.set(method, (byRoute = new Map()))
    let series = byRoute.get(route)
    if (!series) {
      series = { labels: { method, route }, counts: this.buckets.map(() => 0), sum: 0, count: 0 }
      byRoute.set(route, series)
      this.order.push(series)
    }
    const b = this.buckets
    let i = 0
    while (i < b.length && value > b[i]!) i++
    if (i < b.length) series.counts[i]!++
    series.sum += value
    series.count += 1
  }

  get() {
    const name = this.name
    const values: Array<{ value: number; metricName: string; exemplar: null | undefined; labels: Record<string, string | number> }> = []
    for (const s of this.order) {
      let acc = 0
      this.buckets.forEach((le, i) => {
        acc += s.counts[i]!
        values.push({ value: acc, metricName: `${name}_bucket`, exemplar: null, labels: { le, ...s.labels } })
      })
      values.push({ value: s.count, metricName: `${name}_bucket`, exemplar: null, labels: { le: '+Inf', ...s.labels } })
      values.push({ value: s.sum, metricName: `${name}_sum`, exemplar: undefined, labels: { ...s.labels } })
      values.push({ value: s.count, metricName: `${name}_count`, exemplar: undefined, labels: { ...s.labels } })
    }
    return { name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  reset(): void {
    this.byMethod.clear()
    this.order.length = 0
  }
}

/** Whether a peer address is this machine's loopback (127.0.0.0/8, ::1, or IPv4-mapped 127.x). */
export function isLoopback(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip
  return ip === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)
}
