import { expect } from 'vitest'
import type { Client } from './client.js'

export type Ev = { id: string; type: string; at: string; data: any }

/** Takes a fresh cursor (poll without one). */
export async function cursorOf(client: Client): Promise<string> {
  const res = await client.get('/api/poll')
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data.cursor
}

/** One poll; returns events and the next cursor. */
export async function pollOnce(client: Client, cursor: string, opts: { timeout?: number; types?: string; signal?: AbortSignal } = {}) {
  const q = new URLSearchParams({ cursor, timeout: String(opts.timeout ?? 0) })
  if (opts.types) q.set('types', opts.types)
  const res = await client.get(`/api/poll?${q}`, opts.signal ? { signal: opts.signal } : undefined)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return { events: res.body.data.events as Ev[], cursor: res.body.data.cursor as string }
}

/** Polls (holding up to 5 s each time) until `count` events arrived or the attempts run out. */
export async function collectEvents(client: Client, cursor: string, count: number, types?: string) {
  const events: Ev[] = []
  let c = cursor
  for (let i = 0; i < 20 && events.length < count; i++) {
    const r = await pollOnce(client, c, { timeout: 5, ...(types ? { types } : {}) })
    events.push(...r.events)
    c = r.cursor
  }
  return { events, cursor: c }
}
