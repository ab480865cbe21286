// "Alice is typing…": names fade 4 s after their last typing event or at their next message.
import { h } from '../dom.js'
import { displayName, loadUser, state } from '../store.js'

// 4 s: senders repeat at most every 3 s, so a notice outlives one gap but not a pause.
const SHOWN_MS = 4000

export function createTypingIndicator() {
  const el = h('p', { class: 'typing', 'aria-live': 'polite' })
  const typers = new Map() // user id → timeout

  function paint() {
    const names = [...typers.keys()].map((id) => displayName(state.users.get(id)))
    el.textContent =
      names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : names.length === 2 ? `${names[0]} and ${names[1]} are typing…` : 'Several people are typing…'
  }
  function clear(userId) {
    if (!typers.has(userId)) return
    clearTimeout(typers.get(userId))
    typers.delete(userId)
    paint()
  }
  function show(userId) {
    clearTimeout(typers.get(userId))
    typers.set(userId, setTimeout(() => clear(userId), SHOWN_MS))
    paint()
    if (!state.users.has(userId)) loadUser(userId).then(paint, () => {})
  }
  return {
    el,
    show,
    clear,
    destroy: () => typers.forEach((t) => clearTimeout(t)),
  }
}
