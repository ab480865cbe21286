// My messages on their way in one chat (outbox.js), shown after the sent ones: sending, waiting to
// retry, or refused with "Try again" and "Discard".
import { h } from '../dom.js'
import { discardSend, pendingIn, retrySend } from '../outbox.js'
import { on } from '../store.js'
import { renderPending } from './message.js'

/**
 * createPendingList(chat, {onPaint}) → {el, paint(), settleByContent(m), destroy()}; onPaint(paint)
 * wraps each repaint (the conversation keeps its scroll position around it).
 */
export function createPendingList(chat, { onPaint = (paint) => paint() } = {}) {
  const el = h('ol', { class: 'pending-messages', 'aria-label': 'Messages being sent' })
  // client_ids whose message already came in by the poll, before the send's own answer.
  const arrived = new Set()

  const paint = () =>
    onPaint(() => {
      const entries = pendingIn(chat).filter((e) => e.state === 'failed' || !arrived.has(e.client_id))
      el.replaceChildren(...entries.map((e) => renderPending(e, { onRetry: (x) => retrySend(x.client_id), onDiscard: (x) => discardSend(x.client_id) })))
    })

  /** My message came in by the poll: the pending copy it matches (same text, reply, picture) goes. */
  function settleByContent(m) {
    const same = (e) =>
      (e.payload.text ?? null) === (m.text ?? null) && (e.payload.reply_to_id ?? null) === (m.reply_to_id ?? null) && (e.payload.attachment_id ?? null) === (m.attachment?.id ?? null)
    const entry = pendingIn(chat).find((e) => e.state !== 'failed' && !arrived.has(e.client_id) && same(e))
    if (!entry) return
    arrived.add(entry.client_id)
    paint()
  }

  const offs = [
    on('outbox', (c) => c === chat && paint()),
    // Acknowledged or refused: the entry speaks for itself again (or is gone).
    on('outbox.sent', ({ entry }) => arrived.delete(entry.client_id)),
    on('outbox.failed', ({ entry }) => arrived.delete(entry.client_id)),
  ]
  return { el, paint, settleByContent, destroy: () => offs.forEach((off) => off()) }
}
