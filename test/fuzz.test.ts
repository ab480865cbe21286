// Issue 11 / API.md §13: nothing a client sends can stop the process. Parley runs as its own
// process; a seeded PRNG sends thousands of hostile requests over every route the app lists
// (its /api/openapi.json, plus the pages, files and operations endpoints), through fetch and raw
// sockets: wrong types, huge and nested values, bad ids, bad cookies, foreign origins, JSON and
// multipart bodies with any part names, truncated, aborted and chunked, and garbage request
// lines. Then: the process is up, nothing answered 5xx, every 4xx had the §1 shape, and a victim
// account's data is byte-identical, read through the API and from the database.
// FUZZ_SEED picks another run; a failure names its seed.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startChildServer, type ChildServer } from './helpers/child-server.js'
import { answerChecker } from './helpers/answers.js'
import { Client } from './helpers/client.js'
import { hostileJsonText, hostileValue, Rng } from './helpers/fuzz.js'
import { png } from './helpers/images.js'
import { firstAnswer, rawExchange } from './helpers/raw-http.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20261121)
const REQUESTS = 6000
// Bounded in time as well as count: on an idle box the run takes about half a minute.
const TIME_LIMIT_MS = 150_000
const CONCURRENCY = 16
// A held poll or a stalled body is let go after this long (REQUEST_TIMEOUT below is 2 s).
const WAIT_MS = 2500

/** encodeURIComponent, except that a lone surrogate becomes the bytes of invalid UTF-8 instead of a throw. */
const enc = (s: string) => {
  try {
    return encodeURIComponent(s)
  } catch {
    return '%ED%A0%80'
  }
}

type Route = { method: string; path: string; fields: string[]; query: string[] }
type Failure = { what: string; status: number; body: unknown }

const dataDir = mkdtempSync(join(tmpdir(), 'parley-fuzz-'))
let server: ChildServer
afterAll(async () => {
  await server?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

async function ok<T = any>(p: Promise<{ status: number; body: T }>, status = [200, 201, 204]): Promise<T> {
  const res = await p
  if (!status.includes(res.status)) throw new Error(`setup: HTTP ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

async function signUp(url: string, name: string) {
  const c = new Client(url)
  await ok(c.post('/api/auth/register', { username: name, email: `${name}@example.test`, password: 'correct horse battery' }))
  const user = (await ok(c.post('/api/auth/login', { login: name, password: 'correct horse battery' }))).data.user as { id: number }
  return { client: c, id: user.id }
}

/** The victim's world: a private room with a member, messages and a file, a dialog, a photo. */
async function makeVictim(url: string) {
  const victim = await signUp(url, 'victim')
  const friend = await signUp(url, 'friend')
  const form = new FormData()
  form.append('file', new Blob([new Uint8Array(png())], { type: 'image/png' }), 'me.png')
  const upload = (await ok(victim.client.request('POST', '/api/uploads', undefined, { raw: form }))).data.upload as { id: number; url: string }
  await ok(victim.client.patch('/api/me', { nickname: 'Vic', bio: 'line one\nline two', photo_upload_id: upload.id }))
  const vault = (await ok(victim.client.post('/api/rooms', { name: 'Victim vault', password: 'open sesame', topic: 'ours' }))).data.room.id as number
  await ok(victim.client.post(`/api/rooms/${vault}/members`, { user_id: friend.id }))
  const messages: number[] = []
  for (const body of [{ text: 'first' }, { text: 'second', attachment_id: upload.id }, { text: 'third' }]) {
    messages.push((await ok(victim.client.post(`/api/rooms/${vault}/messages`, body))).data.message.id)
  }
  messages.push((await ok(friend.client.post(`/api/rooms/${vault}/messages`, { text: 'from the friend' }))).data.message.id)
  messages.push((await ok(victim.client.post(`/api/dialogs/${friend.id}/messages`, { text: 'psst' }))).data.message.id)
  messages.push((await ok(friend.client.post(`/api/dialogs/${victim.id}/messages`, { text: 'hush' }))).data.message.id)
  await ok(victim.client.post(`/api/dialogs/${friend.id}/read`, {}))
  return { victim, friend, vault, upload, messages }
}

type Victim = Awaited<ReturnType<typeof makeVictim>>

/** Everything of the victim's, through the API and straight from the database, as one string. */
async function snapshot(url: string, v: Victim): Promise<string> {
  const get = async (path: string) => {
    const res = await v.victim.client.get(path)
    return [path, res.status, res.body]
  }
  const me = await v.victim.client.get('/api/me')
  // Any room admin may add any user to a room (API.md §4): the list of rooms joined is not the victim's alone.
  const { rooms: _joined, ...own } = me.body.data.user
  const api = [
    own,
    await get(`/api/users/${v.victim.id}`),
    await get(`/api/rooms/${v.vault}`),
    await get(`/api/rooms/${v.vault}/messages`),
    await get(`/api/rooms/${v.vault}/members`),
    await get(`/api/dialogs/${v.friend.id}/messages`),
    createHash('sha256').update(Buffer.from(await (await fetch(url + v.upload.url)).arrayBuffer())).digest('hex'),
  ]
  const db = new SQLite(join(dataDir, 'parley.db'), { readonly: true, fileMustExist: true })
  try {
    const rows = (sql: string, ...args: unknown[]) => db.prepare(sql).all(...args)
    const ids = [v.victim.id, v.friend.id]
    const stored = {
      users: rows('select * from users where id in (?, ?) order by id', ...ids),
      sessions: rows('select * from sessions where user_id = ? order by id', v.victim.id),
      rooms: rows('select * from rooms where id = ?', v.vault),
      members: rows('select * from room_members where room_id = ? order by user_id', v.vault),
      bans: rows('select * from room_bans where room_id = ?', v.vault),
      silences: rows('select * from room_silences where room_id = ?', v.vault),
      messages: rows('select * from messages where room_id = ? or (peer_lo = ? and peer_hi = ?) order by id', v.vault, Math.min(...ids), Math.max(...ids)),
      dialogs: rows('select * from dialog_state where (user_id = ? and peer_id = ?) or (user_id = ? and peer_id = ?) order by user_id', v.victim.id, v.friend.id, v.friend.id, v.victim.id),
      uploads: rows('select * from uploads where owner_id = ? order by id', v.victim.id),
    }
    return JSON.stringify({ api, stored })
  } finally {
    db.close()
  }
}

/** Every route the app serves: /api/openapi.json (built from the app's own route list) and the rest. */
async function routesOf(url: string): Promise<Route[]> {
  const doc = (await (await fetch(`${url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, any>> }
  const routes: Route[] = []
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const schema = op.requestBody?.content?.['application/json']?.schema ?? op.requestBody?.content?.['multipart/form-data']?.schema
      const query = (op.parameters as { name: string; in: string }[]).filter((p) => p.in === 'query').map((p) => p.name)
      routes.push({ method: method.toUpperCase(), path, fields: Object.keys(schema?.properties ?? {}), query })
    }
  }
  for (const path of ['/healthz', '/metrics', '/files/{name}', '/', '/reset-password', '/app.css', '/js/main.js']) routes.push({ method: 'GET', path, fields: [], query: [] })
  return routes
}

describe('fuzz: hostile requests over every route', () => {
  let victim: Victim
  let routes: Route[]
  const attackers: Client[] = []
  let ids: number[]

  beforeAll(async () => {
    server = await startChildServer(dataDir, {
      LOG_LEVEL: 'error',
      REQUEST_TIMEOUT: '2',
      REQUIRE_EMAIL_VERIFICATION: 'false',
      SIGNIN_RATE_LIMIT: '0',
      SEND_RATE_LIMIT: '0',
      REGISTER_RATE_LIMIT: '0',
      ROOM_CREATE_RATE_LIMIT: '0',
    })
    victim = await makeVictim(server.url)
    routes = await routesOf(server.url)
    const own: number[] = []
    for (let i = 0; i < 4; i++) {
      const c = new Client(server.url)
      own.push((await ok(c.post('/api/auth/guest', { name: `mallory${i}` }))).data.user.id)
      own.push((await ok(c.post('/api/rooms', { name: `lair ${i}` }))).data.room.id)
      attackers.push(c)
    }
    const registered = await signUp(server.url, 'trudy')
    attackers.push(registered.client)
    ids = [victim.victim.id, victim.friend.id, victim.vault, victim.upload.id, ...victim.messages, ...own, registered.id, 0, -1, 2 ** 31, 999_999_999]
  }, 120_000)

  it(`${REQUESTS} requests (seed ${SEED}): the process stays up, no 5xx, every 4xx in the §1 shape, the victim's data unchanged`, async () => {
    const before = await snapshot(server.url, victim)
    const rng = new Rng(SEED)
    const failures: Failure[] = []
    const hits = new Map<string, number>()
    const cookieOf = (c: Client) => [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ')

    const pathOf = (route: Route): string =>
      route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
        if (name === 'name') return rng.chance(0.5) ? victim.upload.url.slice(7) : enc(String(hostileValue(rng, ids)))
        if (rng.chance(0.8)) return String(rng.pick(ids))
        return rng.pick(['abc', '1.5', '01', '0x10', '%20', '%', '%zz', '..%2f..', '9'.repeat(40), '-0', '1e3', ''])
      })
    const queryOf = (route: Route): string => {
      const names = [...route.query, ...(rng.chance(0.2) ? ['nope', 'limit', 'cursor', 'timeout'] : [])]
      const pairs = names.filter(() => rng.chance(0.6)).map((n) => {
        const v = n === 'timeout' ? rng.pick(['0', '1', '-1', '56', '1e1', 'x']) : String(hostileValue(rng, ids)).slice(0, 2000)
        return rng.chance(0.9) ? `${enc(n)}=${enc(v)}` : `${n}=${v.replace(/[\s#]/g, '')}`
      })
      return pairs.length ? `?${pairs.join('&')}` : ''
    }
    const jsonBodyOf = (route: Route): string => {
      if (rng.chance(0.25)) return hostileJsonText(rng)
      const fields = [...route.fields, ...(rng.chance(0.3) ? ['role', 'balance', 'is_admin', '__proto__'] : [])]
      return JSON.stringify(Object.fromEntries(fields.filter(() => rng.chance(0.7)).map((f) => [f, hostileValue(rng, ids)])))
    }
    const multipartOf = (boundary: string): Buffer => {
      const parts: Buffer[] = []
      for (let i = rng.int(4); i >= 0; i--) {
        const name = rng.pick(['file', 'file', 'other', 'caption', '', 'a"b', 'x'.repeat(300), '\u202e'])
        const filename = rng.pick(['a.png', '../../x.png', 'a\r\nb.png', '', 'x'.repeat(1000)])
        const content = rng.pick([png(), Buffer.from('not an image'), rng.bytes(rng.int(3000)), Buffer.alloc(0)])
        parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/png\r\n\r\n`, 'latin1'), content, Buffer.from('\r\n'))
      }
      if (rng.chance(0.6)) parts.push(Buffer.from(`--${boundary}--\r\n`))
      return Buffer.concat(parts)
    }

    /** Checks one answer: never 5xx; a 4xx with a body has the §1 shape. */
    const check = (what: string, status: number, body: unknown, method: string) => {
      if (status >= 500) failures.push({ what, status, body })
      else if (status >= 400 && method !== 'HEAD') {
        const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
        if (typeof e?.code !== 'string' || typeof e.message !== 'string') failures.push({ what, status, body })
      }
    }

    const one = async () => {
      const route = rng.pick(routes)
      hits.set(`${route.method} ${route.path}`, (hits.get(`${route.method} ${route.path}`) ?? 0) + 1)
      const method = rng.chance(0.85) ? route.method : rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'])
      const path = pathOf(route) + (method === 'GET' || rng.chance(0.2) ? queryOf(route) : '')
      const who = rng.int(10)
      const cookie = who < 7 ? cookieOf(rng.pick(attackers)) : who < 8 ? `parley_session=${enc(String(hostileValue(rng, ids)))}` : ''
      const headers: Record<string, string> = {}
      if (cookie) headers.cookie = cookie
      if (rng.chance(0.05)) headers.origin = rng.pick(['https://evil.example', 'null', 'http://127.0.0.1:1'])
      const multipart = route.path === '/api/uploads' ? rng.chance(0.8) : rng.chance(0.05)
      const boundary = rng.pick(['XX', 'b', '----fuzz' + rng.int(1e6), ''])
      const body = method === 'GET' || method === 'HEAD' ? undefined : rng.chance(0.1) ? undefined : multipart ? multipartOf(boundary || 'XX') : Buffer.from(jsonBodyOf(route))
      if (body) headers['content-type'] = multipart ? `multipart/form-data; boundary=${boundary}` : rng.pick(['application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'])
      const what = `${method} ${path.slice(0, 200)} (${body ? body.length : 0} bytes)`

      const mode = rng.int(10)
      if (mode < 4) {
        // fetch: a well-formed request.
        try {
          const res = await fetch(server.url + path, { method, headers, body: body && new Uint8Array(body), redirect: 'manual', signal: AbortSignal.timeout(WAIT_MS) })
          const text = await res.text()
          let parsed: unknown = text
          try {
            parsed = text ? JSON.parse(text) : undefined
          } catch {
            /* not JSON */
          }
          check(what, res.status, parsed, method)
          // And as /api/openapi.json documents it: the route's status, schema and error code.
          const problem = (await answerChecker(server.url)).problem(method, path, res.status, res.headers.get('content-type'), text)
          if (problem) failures.push({ what: `${what}: ${problem}`, status: res.status, body: parsed })
        } catch {
          // Held (a poll) or cut: no answer is an acceptable outcome.
        }
        return
      }
      // Raw: the same request written by hand, often broken on purpose.
      const head = (extra: string[]) => `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}`).concat(extra).map((l) => `${l}\r\n`).join('')}\r\n`
      let answer
      if (mode === 4) {
        // Garbage request lines and headers.
        const junk = rng.pick([
          rng.bytes(1 + rng.int(200)),
          Buffer.from(`${rng.pick(['G\u0000T', 'BREW', 'GET', 'PRI'])} ${rng.pick(['*', '//x', '/%', 'http://evil/', '/api/../etc', ' '])} HTTP/${rng.pick(['1.1', '9.9', '0.9', 'x'])}\r\n\r\n`, 'latin1'),
          Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
          Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello`),
          Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`),
          Buffer.from(`GET ${path} HTTP/1.1\r\nHost x\r\nBad Header: y\r\n\r\n`),
          Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`),
        ])
        answer = await rawExchange(server.port, [junk], { waitMs: WAIT_MS })
      } else if (mode === 5 && body) {
        // Chunked: sometimes well-formed, sometimes with a bad size or no terminating chunk.
        const cut = rng.int(body.length + 1)
        const chunks = [body.subarray(0, cut), body.subarray(cut)].filter((c) => c.length > 0).map((c) => Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]))
        const tail = rng.pick(['0\r\n\r\n', 'zz\r\n', '', 'ffffffff\r\nabc'])
        answer = await rawExchange(server.port, [head(['Transfer-Encoding: chunked']), ...chunks, tail], { waitMs: WAIT_MS, cut: rng.pick(['end', 'destroy', undefined]) })
      } else if (mode <= 7 && body) {
        // Truncated: the declared length is more than what comes; the client then leaves or waits.
        const sent = body.subarray(0, rng.int(body.length))
        answer = await rawExchange(server.port, [head([`Content-Length: ${body.length}`]), sent], { waitMs: WAIT_MS, cut: rng.pick(['end', 'destroy', undefined]), gapMs: rng.chance(0.2) ? 50 : 0 })
      } else {
        answer = await rawExchange(server.port, [head(body ? [`Content-Length: ${body.length}`] : []), ...(body ? [body] : [])], { waitMs: WAIT_MS })
      }
      for (const s of answer.statuses) if (s >= 500) failures.push({ what: `raw ${what}`, status: s, body: answer.text.slice(0, 500) })
      const first = firstAnswer(answer.text)
      if (first && first.status < 500) check(`raw ${what} ${JSON.stringify(answer.text.slice(0, 600))}`, first.status, first.body, method)
    }

    const started = Date.now()
    let sent = 0
    const worker = async () => {
      while (sent < REQUESTS && Date.now() - started < TIME_LIMIT_MS) {
        sent++
        await one()
        if (sent % 500 === 0 && !server.alive()) throw new Error(`the process ended after ${sent} requests:\n${server.output().slice(-3000)}`)
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))

    expect(server.alive(), server.output().slice(-3000)).toBe(true)
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect(failures.slice(0, 10), `seed ${SEED}: ${failures.length} bad answers`).toEqual([])
    expect(sent).toBeGreaterThanOrEqual(5000)
    expect(routes.filter((r) => !hits.has(`${r.method} ${r.path}`)).map((r) => `${r.method} ${r.path}`)).toEqual([])
    expect(await snapshot(server.url, victim)).toBe(before)
  }, TIME_LIMIT_MS + 60_000)
})
