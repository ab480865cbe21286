// Sending on any link. A message shows at once as pending and goes out with its client_id until
// the server acknowledges it: a retry with the same client_id answers the first message instead
// of posting again (API.md §4), so a lost answer, a cut connection or a reload never sends twice.
// Messages of one chat go out one at a time, in order. A refusal (silenced, not a member, bad
// input) stays on screen with its reason and a retry action. Pending messages are kept in
// localStorage, so a reload or a closed tab loses nothing: the next start sends them.
import { post } from './api.js'
import { emit } from './store.js'

// 20 s: a send with no answer by then is tried again (the same client_id, so never twice).
const ATTEMPT_TIMEOUT_MS = 20_000
// After a network or server failure: 1 s doubling to 15 s, and at once when the browser is back online.
const RETRY_MIN_MS = 1000
const RETRY_MAX_MS = 15_000

let box = null

/**
 * An entry: {client_id, chat ('room:3' | 'dm:7'), path ('/rooms/3/messages'), payload (the POST
 * body, client_id included), attachment ({url}, for the preview) | null, state ('sending' |
 * 'waiting' | 'failed'), note (why it waits or failed) | null, code (ApiError code) | null, details}
 */
export function startOutbox(userId) {
  stopOutbox()
  const key = `parley:outbox:${userId}`
  const entries = load(key)
  const busy = new Set() // chats with a send in flight
  const done = new Set() // client_ids acknowledged or discarded here
  const sleepers = new Set()
  const stopper = new AbortController()
  const wakeAll = () => sleepers.forEach((wake) => wake())
  window.addEventListener('online', wakeAll)

  // Other tabs of this user keep their pending messages under the same key: merge, never clobber.
  const save = () => {
    try {
      const mine = new Set(entries.map((e) => e.client_id))
      const all = [...load(key).filter((e) => !mine.has(e.client_id) && !done.has(e.client_id)), ...entries]
      if (all.length) localStorage.setItem(key, JSON.stringify(all))
      else localStorage.removeItem(key)
    } catch {
      // Storage full or refused: the messages still go out from memory.
    }
  }
  const changed = (chat) => {
    save()
    emit('outbox', chat)
  }
  const sleep = (ms) =>
    new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t)
        sleepers.delete(wake)
        resolve()
      }
      const t = setTimeout(wake, ms)
      sleepers.add(wake)
    })

  async function pump(chat) {
    if (busy.has(chat) || stopper.signal.aborted) return
    const entry = entries.find((e) => e.chat === chat && e.state !== 'failed')
    if (!entry) return
    busy.add(chat)
    try {
      await deliver(entry)
    } finally {
      busy.delete(chat)
    }
    pump(chat)
  }

  async function deliver(entry) {
    for (let delay = RETRY_MIN_MS; !stopper.signal.aborted; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        const data = await post(entry.path, entry.payload, { signal: stopper.signal, timeoutMs: ATTEMPT_TIMEOUT_MS })
        entries.splice(entries.indexOf(entry), 1)
        done.add(entry.client_id)
        changed(entry.chat)
        emit('outbox.sent', { entry, message: data.message })
        return
      } catch (err) {
        if (stopper.signal.aborted || err.status === 401) return
        if (err.code === 'rate_limited') {
          const s = err.retryAfter ?? 2
          set(entry, 'waiting', `Sending too fast: waiting ${s} s…`)
          await sleep(s * 1000)
        } else if (err.status === 0 || err.status >= 500 || err.status === 408) {
          set(entry, 'waiting', err.status === 0 ? 'No connection: trying again…' : 'The server had a problem: trying again…')
          await sleep(delay)
        } else {
          set(entry, 'failed', err.message, err)
          emit('outbox.failed', { entry, error: err })
          return
        }
      }
    }
  }

  function set(entry, state, note, err) {
    entry.state = state
    entry.note = note
    entry.code = err?.code ?? null
    entry.details = err?.details ?? null
    changed(entry.chat)
  }

  box = {
    entries,
    add(entry) {
      entries.push({ ...entry, state: 'sending', note: null, code: null, details: null })
      changed(entry.chat)
      pump(entry.chat)
    },
    retry(clientId) {
      const entry = entries.find((e) => e.client_id === clientId)
      if (!entry || entry.state !== 'failed') return
      // Back in the queue behind what is still waiting in this chat.
      entries.splice(entries.indexOf(entry), 1)
      entries.push(entry)
      set(entry, 'sending', null)
      pump(entry.chat)
    },
    discard(clientId) {
      const i = entries.findIndex((e) => e.client_id === clientId && e.state === 'failed')
      if (i === -1) return
      const [entry] = entries.splice(i, 1)
      done.add(entry.client_id)
      changed(entry.chat)
    },
    stop() {
      stopper.abort()
      wakeAll()
      window.removeEventListener('online', wakeAll)
    },
  }
  // What was on its way when the page went away goes out again; a refusal waits for the reader.
  for (const e of entries) if (e.state !== 'failed') e.state = 'sending'
  for (const chat of new Set(entries.map((e) => e.chat))) pump(chat)
}

export function stopOutbox() {
  box?.stop()
  box = null
}

/** Queues a message: enqueue({chat, path, payload, attachment}). */
export function enqueue(entry) {
  box?.add(entry)
}

/** The chat's messages not yet acknowledged, in sending order. */
export function pendingIn(chat) {
  return box ? box.entries.filter((e) => e.chat === chat) : []
}

export const retrySend = (clientId) => box?.retry(clientId)
export const discardSend = (clientId) => box?.discard(clientId)

function load(key) {
  try {
    const list = JSON.parse(localStorage.getItem(key) ?? '[]')
    return Array.isArray(list) ? list.filter((e) => e && typeof e.client_id === 'string' && typeof e.path === 'string' && e.payload) : []
  } catch {
    return []
  }
}
