// API.md §13: the process never runs out of file descriptors. Parley runs as its own process
// under a low limit (prlimit --nofile=256), and far more polls than fit are held against it: the
// extra ones get 503 unavailable (or a refused connection), /healthz and ordinary requests keep
// answering, and the process lives on.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { rawRequest, type RawRes } from './helpers/accounts.js'
import { startChildServer, type ChildServer } from './helpers/child-server.js'

const FD_LIMIT = 256
const SESSIONS = 30
const POLLS_PER_SESSION = 8

const dataDir = mkdtempSync(join(tmpdir(), 'parley-fd-'))
let server: ChildServer | undefined
afterAll(async () => {
  await server?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

type Outcome = ({ kind: 'answered' } & RawRes) | { kind: 'refused'; error: string }

describe('the file-descriptor ceiling', () => {
  it(`under --nofile=${FD_LIMIT}, ${SESSIONS * POLLS_PER_SESSION} polls: the extra ones are refused, /healthz answers, the process lives`, async () => {
    server = await startChildServer(dataDir, { SIGNIN_RATE_LIMIT: '0', LOG_LEVEL: 'error' }, ['prlimit', `--nofile=${FD_LIMIT}:${FD_LIMIT}`, '--'])
    const s = server
    const cookies: string[] = []
    for (let i = 0; i < SESSIONS; i++) {
      const res = await rawRequest(s.url, { method: 'POST', path: '/api/auth/guest', body: { name: `fd${i}` } })
      expect(res.status).toBe(201)
      cookies.push((res.headers['set-cookie'] as string[])[0]!.split(';')[0]!)
    }
    const cursors = await Promise.all(cookies.map(async (cookie) => (await rawRequest(s.url, { path: '/api/poll', headers: { cookie } })).body.data.cursor as string))
    const ctl = new AbortController()
    const outcomes: (Outcome | undefined)[] = []
    const polls = cookies.flatMap((cookie, i) =>
      Array.from({ length: POLLS_PER_SESSION }, () => {
        const slot = outcomes.push(undefined) - 1
        return rawRequest(s.url, { path: `/api/poll?cursor=${encodeURIComponent(cursors[i]!)}&timeout=55`, headers: { cookie }, signal: ctl.signal }).then(
          (res) => void (outcomes[slot] = { kind: 'answered', ...res }),
          (err: Error) => void (ctl.signal.aborted || (outcomes[slot] = { kind: 'refused', error: err.message })),
        )
      }),
    )
    // Every poll is either held by the server now, or has its outcome.
    const heldNow = async () => {
      const text = String((await rawRequest(s.url, { path: '/metrics', signal: AbortSignal.timeout(5000) })).body)
      return Number(/^parley_held_polls (\d+)$/m.exec(text)?.[1] ?? -1)
    }
    let held = -1
    for (let i = 0; i < 300; i++) {
      held = await heldNow().catch(() => -1)
      if (held >= 0 && held + outcomes.filter(Boolean).length === outcomes.length) break
      await new Promise((r) => setTimeout(r, 100))
    }
    const settled = outcomes.filter((o): o is Outcome => o !== undefined)
    expect(held + settled.length).toBe(SESSIONS * POLLS_PER_SESSION)
    // Some polls are held, and not all: the rest were turned away in one of the two ways.
    expect(held).toBeGreaterThan(100)
    expect(held).toBeLessThan(FD_LIMIT - 64)
    expect(settled.length).toBeGreaterThan(0)
    for (const o of settled) {
      if (o.kind === 'answered') {
        expect(o.status).toBe(503)
        expect(o.body.error.code).toBe('unavailable')
        expect(Number(o.headers['retry-after'])).toBeGreaterThan(0)
      } else expect(o.kind).toBe('refused')
    }
    // The held polls leave room for everything else.
    const health = await rawRequest(s.url, { path: '/healthz', signal: AbortSignal.timeout(5000) })
    expect(health.status).toBe(200)
    const me = await rawRequest(s.url, { path: '/api/me', headers: { cookie: cookies[0]! }, signal: AbortSignal.timeout(5000) })
    expect(me.status).toBe(200)
    expect(s.alive()).toBe(true)
    ctl.abort()
    await Promise.all(polls)
    expect((await rawRequest(s.url, { path: '/healthz', signal: AbortSignal.timeout(5000) })).status).toBe(200)
    expect(s.alive()).toBe(true)
  }, 180_000)
})
