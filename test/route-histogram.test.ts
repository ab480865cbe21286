// RouteHistogram (src/metrics.ts) reads exactly as prom-client's Histogram with the labels method
// and route reads, given the same observations: /metrics text and JSON alike.
import { Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { RouteHistogram } from '../src/metrics.js'

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const NAME = 'parley_http_request_duration_seconds'
const HELP = 'Time to answer HTTP requests (long polls excluded)'

/** prom-client's Histogram and a RouteHistogram of the same name, each in a registry of its own. */
function pair() {
  const theirs = new Registry()
  const histogram = new Histogram({ name: NAME, help: HELP, labelNames: ['method', 'route'] as const, buckets: BUCKETS, registers: [theirs] })
  const ours = new Registry()
  const mine = new RouteHistogram(NAME, HELP, BUCKETS)
  ours.registerMetric(mine as never)
  return { theirs, histogram, ours, mine }
}

describe('RouteHistogram', () => {
  it("reads as prom-client's Histogram: series in first-observed order, values on a bound, above every bound", async () => {
    const { theirs, histogram, ours, mine } = pair()
    const seen: Array<[string, string, number]> = [
      ['GET', '/api/rooms/:id/messages', 0.0004],
      ['POST', '/api/rooms/:id/messages', 0.005],
      ['GET', '/api/rooms/:id/messages', 0.1],
      ['GET', '/api/me', 3.7],
      ['GET', '/api/rooms/:id/messages', 0.0123],
      ['POST', '/api/rooms/:id/messages', 1e-7],
    ]
    for (const [method, route, v] of seen) {
      histogram.observe({ method, route }, v)
      mine.observe(method, route, v)
    }
    expect(await ours.metrics()).toBe(await theirs.metrics())
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON())
    expect((await ours.getMetricsAsJSON())[0]!.values).toHaveLength(3 * (BUCKETS.length + 3))
  })

  it('reads empty before any observation and after a reset', async () => {
    const { theirs, histogram, ours, mine } = pair()
    expect(await ours.metrics()).toBe(await theirs.metrics())
    histogram.observe({ method: 'GET', route: '/x' }, 0.2)
    mine.observe('GET', '/x', 0.2)
    ours.resetMetrics()
    theirs.resetMetrics()
    expect(await ours.metrics()).toBe(await theirs.metrics())
  })
})
