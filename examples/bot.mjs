#!/usr/bin/env node
// A Parley bot in plain Node (20 or later: global fetch), no dependencies. It signs in, joins a
// room, and answers every message there that mentions it (@name), following the poll protocol of
// docs/events.md: the cursor is kept in a file across restarts of the bot, 410 → start again
// from a fresh cursor, 401 → sign in again, backoff on errors, Retry-After on 429. Each answer is
// sent with a client_id made from the message it answers, so an answer sent again (after a lost
// answer, or a restart before the cursor was saved) is never posted twice.
//
//   PARLEY_URL=http://localhost:8080 BOT_LOGIN=echo BOT_PASSWORD='…' BOT_ROOM=Lobby node examples/bot.mjs
//
// Settings (environment): PARLEY_URL (default http://localhost:8080); BOT_LOGIN and BOT_PASSWORD
// of a registered account, or BOT_NAME alone to sign in as a guest; BOT_ROOM, the room's name
// (created when there is none); BOT_STATE, the file that keeps the cursor (default
// ./parley-bot.state); POLL_TIMEOUT, seconds a poll may be held (default 25; lower it behind a
// proxy that cuts idle requests sooner).
import { readFileSync, renameSync, writeFileSync } from 'node:fs'

const BASE = (process.env.PARLEY_URL ?? 'http://localhost:8080').replace(/\/+$/, '')
const ROOM = process.env.BOT_ROOM ?? 'Lobby'
const STATE = process.env.BOT_STATE ?? './parley-bot.state'
const POLL_TIMEOUT = Number(process.env.POLL_TIMEOUT ?? 25)
const MAX_BACKOFF_MS = 30_000

let cookie = '' // parley_session=…, as a browser's cookie jar would keep it
let me // the signed-in user
let roomId
let stopping = false

const log = (...args) => console.log(new Date().toISOString(), ...args)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

class HttpError extends Error {
  constructor(status, body, retryAfter) {
    super(`HTTP ${status} ${body?.error?.code ?? ''}`.trim())
    this.status = status
    this.code = body?.error?.code
    this.retryAfter = retryAfter
  }
}

/** One request with the session cookie; JSON in and out. Throws HttpError for 4xx/5xx. */
async function api(method, path, body, { timeoutMs = 30_000 } = {}) {
  const headers = { accept: 'application/json' }
  if (cookie) headers.cookie = cookie
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) })
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(';')[0]
    if (pair.startsWith('parley_session=')) cookie = pair.endsWith('=') ? '' : pair
  }
  const text = await res.text()
  let parsed
  try {
    parsed = text ? JSON.parse(text) : undefined
  } catch {
    parsed = undefined // a proxy's HTML error page, say
  }
  if (res.status >= 400) throw new HttpError(res.status, parsed, Number(res.headers.get('retry-after') ?? 0))
  return parsed?.data
}

async function signIn() {
  const user = process.env.BOT_PASSWORD
    ? (await api('POST', '/api/auth/login', { login: process.env.BOT_LOGIN, password: process.env.BOT_PASSWORD })).user
    : (await api('POST', '/api/auth/guest', { name: process.env.BOT_NAME ?? 'echo-bot' })).user
  me = user
  log(`signed in as ${user.username ?? user.name} (#${user.id})`)
}

/** The room named ROOM (created if there is none), joined. Joining again changes nothing. */
async function joinRoom() {
  const { rooms } = await api('GET', `/api/rooms?q=${encodeURIComponent(ROOM)}&per_page=100`)
  const found = rooms.find((r) => r.name === ROOM)
  const room = found ?? (await api('POST', '/api/rooms', { name: ROOM })).room
  await api('POST', `/api/rooms/${room.id}/join`)
  roomId = room.id
  log(`in room ${ROOM} (#${roomId})`)
}

function loadCursor() {
  try {
    return JSON.parse(readFileSync(STATE, 'utf8')).cursor
  } catch {
    return undefined
  }
}

/** Written aside, then renamed: a crash leaves the old cursor or the new, never half a file. */
function saveCursor(cursor) {
  writeFileSync(`${STATE}.tmp`, JSON.stringify({ cursor }) + '\n')
  renameSync(`${STATE}.tmp`, STATE)
}

const mentions = (text, name) => new RegExp(`(^|[^\\w.-])@${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'i').test(text)

/** The answer to one message; sent with the same client_id however often it is tried. */
async function answer(message) {
  const text = `heard you: ${message.text.replace(/\s+/g, ' ').slice(0, 200)}`
  await withRetries(() => api('POST', `/api/rooms/${message.room_id}/messages`, { text, reply_to_id: message.id, client_id: `reply-${message.id}` }))
  log(`answered message ${message.id}`)
}

async function handle(events) {
  for (const e of events) {
    if (e.type !== 'message.created') continue
    const m = e.data.message
    if (m.room_id !== roomId || m.kind !== 'user' || m.author_id === me.id || !m.text) continue
    if (me.username && mentions(m.text, me.username)) await answer(m)
    else if (!me.username && mentions(m.text, me.name)) await answer(m)
  }
}

/**
 * Runs `fn` until it succeeds: 401 → sign in again; 429 and 503 → wait Retry-After; network
 * errors and 5xx → back off (doubling up to 30 s). Other 4xx are the caller's to handle.
 */
async function withRetries(fn) {
  let backoff = 500
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (stopping) throw err
      if (err instanceof HttpError && err.status === 401) {
        log('session ended: signing in again')
        await withRetries(signIn)
        continue
      }
      if (err instanceof HttpError && (err.status === 429 || err.status === 503)) {
        const wait = Math.max(1, err.retryAfter) * 1000
        log(`${err.code}: waiting ${wait / 1000} s`)
        await sleep(wait)
        continue
      }
      if (err instanceof HttpError && err.status < 500 && err.status !== 408) throw err
      log(`${err.message}: retrying in ${backoff} ms`)
      await sleep(backoff)
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
    }
  }
}

// 1 s: a poll that failed after being held this long was cut while waiting (a proxy's idle
// limit, a restart): nothing is wrong with the server, so it is asked again at once.
const HELD_MS = 1000

/** One poll; a held poll that is cut is asked again at once, without the backoff of other failures. */
async function poll(cursor) {
  for (;;) {
    const started = Date.now()
    try {
      return await api('GET', `/api/poll?cursor=${encodeURIComponent(cursor)}&timeout=${POLL_TIMEOUT}`, undefined, { timeoutMs: (POLL_TIMEOUT + 15) * 1000 })
    } catch (err) {
      const cut = !(err instanceof HttpError) || err.status === 502 || err.status === 504
      if (!cut || stopping || Date.now() - started < HELD_MS) throw err
      log(`poll cut after ${Date.now() - started} ms: asking again`)
    }
  }
}

async function freshCursor() {
  const { cursor } = await withRetries(() => api('GET', '/api/poll'))
  saveCursor(cursor)
  return cursor
}

async function main() {
  await withRetries(signIn)
  // The cursor first, then the room: nothing said in the room after joining is missed.
  let cursor = loadCursor() ?? (await freshCursor())
  await withRetries(joinRoom)
  log('polling')
  while (!stopping) {
    let data
    try {
      data = await withRetries(() => poll(cursor))
    } catch (err) {
      if (stopping) break
      if (err instanceof HttpError && (err.status === 410 || err.code === 'invalid_cursor')) {
        // Too old (or not this server's): what happened meanwhile is history now; start again.
        log(`${err.code}: starting again from a fresh cursor`)
        cursor = await freshCursor()
        await withRetries(joinRoom)
        continue
      }
      throw err
    }
    await handle(data.events)
    cursor = data.cursor
    saveCursor(cursor)
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopping = true
    log(`${signal}: stopping`)
    process.exit(0)
  })
}

main().catch((err) => {
  log(`giving up: ${err.message}`)
  process.exit(1)
})
