// Live updates over GET /api/poll with the cursor protocol of API.md §10:
// take a cursor, load state, then poll from the cursor forever. The cursor only moves after the
// events of an answer were handled, so a dropped answer is simply asked for again.
import { get } from './api.js'

// 25 s: under the 30 s idle cut of common proxies (the server's default too).
const POLL_TIMEOUT_S = 25
// A held poll that has not answered 15 s after its timeout is a dead connection: abort and retry.
const HANG_GRACE_MS = 15_000
// Back-off after a network error: 0.5 s doubling to 5 s, so a returning network is noticed soon.
const BACKOFF_MIN_MS = 500
const BACKOFF_MAX_MS = 5_000

/**
 * startPolling({loadState, onEvents, onSignedOut, onStatus}) → stop().
 * loadState(): fetches everything the screen shows; called after each fresh cursor.
 * onEvents(events): handles a batch, oldest first. onStatus('live'|'reconnecting').
 */
export function startPolling({ loadState, onEvents, onSignedOut, onStatus = () => {} }) {
  const stopper = new AbortController()
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
    while (!stopper.signal.aborted) {
      try {
        if (cursor === null) {
          cursor = (await get('/poll', { signal: stopper.signal, timeoutMs: HANG_GRACE_MS })).cursor
          stateLoaded = false
        }
        if (!stateLoaded) {
          await loadState()
          stateLoaded = true
        }
        const answer = await get(`/poll?cursor=${encodeURIComponent(cursor)}&timeout=${POLL_TIMEOUT_S}`, {
          signal: stopper.signal,
          timeoutMs: POLL_TIMEOUT_S * 1000 + HANG_GRACE_MS,
        })
        if (answer.events.length > 0) {
          try {
            onEvents(answer.events)
          } catch (err) {
            console.error('event handling failed', err)
          }
        }
        cursor = answer.cursor
        if (delay !== 0) onStatus('live')
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
        onStatus('reconnecting')
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
