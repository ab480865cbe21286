// How long each poll asks the server to hold it (API.md §10 `timeout`). A proxy that cuts idle
// requests sooner than that shows up as polls that fail while held. After two such cuts the
// timeout drops below the shortest cut seen; after a long stretch of good polls it tries the full
// timeout again, and one more cut sends it straight back down.

// 25 s: under the 30 s idle cut of common proxies (the server's default too).
export const MAX_TIMEOUT_S = 25
// 2 s: below that, polling costs more than the proxy saves.
export const MIN_TIMEOUT_S = 2
// A poll that fails sooner than 1.5 s was refused or never connected: an outage, not a cut.
export const HELD_MIN_MS = 1500
// Two cuts: one could be a network blip; two in a row are a pattern.
const CUTS_TO_SHRINK = 2
// 70 % of the shortest cut: far enough below it for a slow answer to still get through.
const BELOW_CUT = 0.7
// 10 minutes of good polls before trying the full timeout again (the network may have changed).
const GROW_AFTER_MS = 10 * 60_000

/** createPollTimeout(now?) → {seconds(), cut(heldMs, askedS), answered(heldMs, askedS)} */
export function createPollTimeout(now = () => Date.now()) {
  let seconds = MAX_TIMEOUT_S
  let cuts = [] // held times (ms) of polls cut at the current timeout
  let ceilingMs = null // the shortest cut seen, while the timeout is held below it
  let lowSince = 0
  let probing = false

  function shrinkBelow(ms) {
    ceilingMs = ceilingMs === null ? ms : Math.min(ceilingMs, ms)
    seconds = Math.max(MIN_TIMEOUT_S, Math.floor((ceilingMs * BELOW_CUT) / 1000))
    lowSince = now()
    cuts = []
  }

  return {
    seconds: () => seconds,
    /**
     * A poll that asked for askedS failed without an answer after heldMs: true when that was a cut
     * (not an outage). The cut came before the timeout; a failure after it means the browser tried
     * the request again on its own (Chromium does on a reused connection), so the cut lies below askedS.
     */
    cut(heldMs, askedS) {
      if (heldMs < HELD_MIN_MS) return false
      heldMs = Math.min(heldMs, askedS * 1000)
      if (probing) {
        // The cut is still there: back below it at once.
        probing = false
        shrinkBelow(heldMs)
        return true
      }
      cuts.push(heldMs)
      if (cuts.length >= CUTS_TO_SHRINK) shrinkBelow(Math.min(...cuts))
      return true
    },
    /** A poll answered after heldMs. A poll held for its whole timeout proves that timeout works. */
    answered(heldMs, askedS) {
      if (heldMs < askedS * 1000 * 0.9) return
      cuts = []
      if (probing) {
        probing = false
        ceilingMs = null
      } else if (ceilingMs !== null && now() - lowSince >= GROW_AFTER_MS) {
        probing = true
        seconds = MAX_TIMEOUT_S
      }
    },
  }
}
