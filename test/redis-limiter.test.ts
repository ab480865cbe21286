// The Redis limiter keeps the Limiter seam's rules (src/http/rate-limit.ts), on the machine's Redis
// under a key prefix of this run's own.
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisLimiter } from '../src/http/redis-limiter.js'

const client = new Redis('redis://127.0.0.1:6379', { enableOfflineQueue: true })
const prefix = `test-${randomBytes(6).toString('hex')}:`
const limiter = new RedisLimiter(client, prefix)
// Not connected yet, the limiter would count in memory (its fallback while Redis is away).
beforeAll(() => (client.status === 'ready' ? undefined : new Promise<void>((resolve) => client.once('ready', () => resolve()))))
afterAll(async () => {
  const keys = await client.keys(`${prefix}*`)
  if (keys.length > 0) await client.del(...keys)
  await client.quit()
})

describe('RedisLimiter', () => {
  it('counts up to the limit, then answers the seconds to wait; a refused hit is not counted', async () => {
    expect(await limiter.tryHit('k1', 2, 60_000)).toBe(0)
    expect(await limiter.tryHit('k1', 2, 60_000)).toBe(0)
    const wait = await limiter.tryHit('k1', 2, 60_000)
    expect(wait).toBeGreaterThan(0)
    expect(wait).toBeLessThanOrEqual(60)
    expect(await limiter.tryHit('k1', 2, 60_000)).toBeGreaterThan(0)
    // Only the two counted hits are in Redis.
    expect(await client.get(`${prefix}rl:2:60000:k1`)).toBe('2')
  })

  it('hit throws 429 rate_limited with Retry-After; costs, a cost over the limit and limit 0', async () => {
    await limiter.hit('k2', 3, 60_000, 2)
    await expect(limiter.hit('k2', 3, 60_000, 2)).rejects.toMatchObject({ code: 'rate_limited', headers: { 'Retry-After': expect.stringMatching(/^\d+$/) } })
    await limiter.hit('k2', 3, 60_000, 1)
    expect(await limiter.tryHit('k3', 3, 60_000, 4)).toBe(60)
    for (let i = 0; i < 5; i++) expect(await limiter.tryHit('k4', 0, 60_000)).toBe(0)
    expect(await client.exists(`${prefix}rl:0:60000:k4`)).toBe(0)
  })

  it('keys differ by limit and window, so two limits on one key never share a count', async () => {
    expect(await limiter.tryHit('k5', 1, 60_000)).toBe(0)
    expect(await limiter.tryHit('k5', 1, 30_000)).toBe(0)
    expect(await limiter.tryHit('k5', 1, 60_000)).toBeGreaterThan(0)
  })
})
