// Reading events as a client does: a cursor first, then polls from it.
import { expect } from 'vitest'
import type { Client } from './client.js'

export type Ev = { id: string; type: string; at: string; data: any }

/** A signed-in client, or anything holding one (the moderation tests' cast). */
type HasClient = Client | { client: Client }
const clientOf = (c: HasClient): Client => ('client' in c ? c.client : c)

/** Takes a fresh cursor (poll without one). */
export async function cursorOf(who: HasClient): Promise<string> {
  const res = await clientOf(who).get('/api/poll')
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.data.cursor
}

/**
 * Everything delivered after the cursor right now (no waiting), optionally of some types only.
 * Presence is left out: it depends on who polled when, not on the action under test.
 */
export async function eventsAfter(who: HasClient, cursor: string, types?: string): Promise<Ev[]> {
  const res = await clientOf(who).get(`/api/poll?cursor=${cursor}&timeout=0${types ? `&types=${types}` : ''}`)
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return (res.body.data.events as Ev[]).filter((e) => e.type !== 'presence')
}

/** The service messages among message.created events. */
export const serviceEvents = (events: Ev[]) => events.filter((e) => e.type === 'message.created' && e.data.message.kind === 'service').map((e) => e.data.message.service)

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
