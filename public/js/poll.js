// Live updates over GET /api/poll with the cursor protocol of API.md §10:
// take a cursor, load state, then poll from the cursor forever. The cursor only moves after the
// events of an answer were handled, so a dropped answer is simply asked for again.
import { get } from './api.js'
import { createPollTimeout } from './poll-timeout.js'

// A held poll that has not answered 15 s after its timeout is a dead connection: abort and retry.
const HANG_GRACE_MS = 15_000
// Back-off after a network error: 0.5 s doubling to 5 s, so a returning network is noticed soon.
const BACKOFF_MIN_MS = 500
const BACKOFF_MAX_MS = 5_000
// A proxy's own answer when it gives up on a held request (nginx: 504), not the server's.
const GATEWAY_STATUSES = new Set([502, 503, 504])

/**
 * startPolling({loadState, onEvents, onSignedOut, onStatus}) → stop().
 * loadState(): fetches everything the screen shows; called after each fresh cursor.
 * onEvents(events): handles a batch, oldest first. onStatus('live'|'reconnecting').
 * A poll cut while held (by a proxy's idle timeout) is asked again at once and is not
 * 'reconnecting'; only a poll that cannot get through is.
 */
export function startPolling({ loadState, onEvents, onSignedOut, onStatus = () => {} }) {
  const stopper = new AbortController()
  const timeout = createPollTimeout()
  let wake = () => {}
  const onOnline = () => wake()
  window.addEventListener('online', onOnline)

  const pause = (ms) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms)
      wake = () => {
        clearTimeout(t)
        resolve()
      }
    })

  async function run() {
    let cursor = null
    let stateLoaded = false
    let delay = 0
    let live = true
    const status = (ok) => {
      if (ok !== live) onStatus(ok ? 'live' : 'reconnecting')
      live = ok
    }
    while (!stopper.signal.aborted) {
      const asked = timeout.seconds()
      let started = 0
      try {
        if (cursor === null) {
          cursor = (await get('/poll', { signal: stopper.signal, timeoutMs: HANG_GRACE_MS })).cursor
          stateLoaded = false
        }
        if (!stateLoaded) {
          await loadState()
          stateLoaded = true
        }
        started = performance.now()
        const answer = await get(`/poll?cursor=${encodeURIComponent(cursor)}&timeout=${asked}`, {
          signal: stopper.signal,
          timeoutMs: asked * 1000 + HANG_GRACE_MS,
        })
        timeout.answered(performance.now() - started, asked)
        if (answer.events.length > 0) {
          try {
            onEvents(answer.events)
          } catch (err) {
            console.error('event handling failed', err)
          }
        }
        cursor = answer.cursor
        status(true)
        delay = 0
      } catch (err) {
        if (stopper.signal.aborted) return
        if (err.status === 401) {
          onSignedOut(err)
          return
        }
        if (err.status === 410 || err.code === 'invalid_cursor') {
          // Too old to resume: start over with a fresh cursor and reloaded state.
          cursor = null
          continue
        }
        const gateway = GATEWAY_STATUSES.has(err.status) && err.code.startsWith('http_')
        const cutWhileHeld = started > 0 && (err.status === 0 || gateway) && timeout.cut(performance.now() - started, asked)
        // A cut poll is asked again at once; if that one cannot get through either, we are offline.
        if (cutWhileHeld && delay === 0) continue
        status(false)
        delay = Math.min(Math.max(BACKOFF_MIN_MS, delay * 2), BACKOFF_MAX_MS)
        await pause(delay)
      }
    }
  }
  run()
  return () => {
    stopper.abort()
    wake()
    window.removeEventListener('online', onOnline)
  }
}
