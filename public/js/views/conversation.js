// A conversation (room or dialog): history that grows upward on scroll, live messages deduped
// by id, typing, read marks and the composer. room.js and dm.js wrap it with their header.
import { del, get, post, qs, request } from '../api.js'
import { h, toast } from '../dom.js'
import { enqueue } from '../outbox.js'
import { displayName, emit, loadUser, on, state } from '../store.js'
import { createComposer, silencedBlock } from './composer.js'
import { deleteMessage, reportMessage } from './message-actions.js'
import { createEditor } from './message-edit.js'
import { renderMessage, previewText } from './message.js'
import { withReaction } from './reactions.js'
import { createPendingList } from './pending.js'
import { createTypingIndicator } from './typing.js'

// 50: a screenful or two per page; the API's default too.
const PAGE = 50
// Within 150 px of the top, the next older page loads.
const LOAD_OLDER_AT_PX = 150
// Within 120 px of the bottom the view sticks to the newest message.
const STICK_PX = 120
// Consecutive messages of one author within 5 minutes are grouped under one name.
const GROUP_MS = 5 * 60_000

/**
 * opts: {key, base ('/rooms/3' | '/dialogs/7'), label, belongs(m), typingFrom(data) → user id | null,
 *        canDelete(m), canReport(m), receipt?(m), onService?(m), mentionCandidates?(), focusId?}
 * focusId: a message to open the history at (scrolled to, marked, its actions button focused).
 */
export function createConversation(opts) {
  const messages = new Map()
  let hasOlder = false
  // Opened at a message (a search result): the history shown stops before the newest messages
  // until the reader scrolls down to them or jumps there; live messages wait until then.
  let hasNewer = false
  let loadingNewer = false
  let loadingOlder = false
  let loaded = false
  let stick = true
  let readUpTo = 0
  const offs = []

  const list = h('ol', { class: 'messages', 'aria-label': 'Messages' })
  const pending = createPendingList(opts.key, {
    onPaint: (paint) => {
      const wasNear = nearBottom()
      paint()
      if (wasNear) scrollToBottom()
    },
  })
  const olderBtn = h('button', { type: 'button', class: 'btn btn-small older-btn', hidden: true, onClick: () => loadOlder() }, 'Load older messages')
  const historyNote = h('p', { class: 'history-note muted', role: 'status' }, 'Loading messages…')
  const scroller = h('div', { class: 'scroller', tabindex: '0', 'aria-label': `${opts.label} — message history` }, h('div', { class: 'history-top' }, olderBtn, historyNote), list, pending.el)
  const jump = h('button', { type: 'button', class: 'jump-btn', hidden: true, onClick: () => (hasNewer ? jumpToLatest() : scrollToBottom(true)) }, 'New messages ↓')
  const typing = createTypingIndicator()
  const announcer = h('p', { class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true' })

  const ctx = {
    find: (id) => messages.get(id),
    canDelete: opts.canDelete,
    canReport: opts.canReport,
    receipt: opts.receipt,
    onReply: (m) => composer.setReply(m),
    onDelete: async (m) => {
      if (await deleteMessage(m)) remove(m.id)
    },
    onReport: (m) => reportMessage(m),
    onMediaLoad: () => stick && scrollToBottom(),
    onEdit: (m) => startEdit(m),
    editor: (m) => editors.get(m.id)?.el ?? null,
    onReact: (m, emoji, on) => react(m, emoji, on),
  }
  const path = `${opts.base}/messages`
  const composer = createComposer({
    chat: opts.key,
    label: `Message ${opts.label}`,
    send: (payload, attachment) => {
      if (hasNewer) jumpToLatest()
      enqueue({ client_id: payload.client_id, chat: opts.key, path, payload, attachment })
      scrollToBottom()
    },
    typing: () => post(`${opts.base}/typing`),
    mentionCandidates: opts.mentionCandidates,
    onEditLast: () => {
      const last = [...messages.values()].filter((m) => m.author_id === state.me.id && m.kind === 'user' && m.text).at(-1)
      if (last) startEdit(last)
      return !!last
    },
  })

  const el = h('div', { class: 'conversation' }, h('div', { class: 'scroller-wrap' }, scroller, jump), typing.el, announcer, composer.el)

  // --- rendering -------------------------------------------------------------------------

  function nodeOf(id) {
    return list.querySelector(`li[data-id="${id}"]`)
  }

  function regroup(li) {
    if (!li || li.classList.contains('service')) return
    const prev = li.previousElementSibling
    const m = messages.get(Number(li.dataset.id))
    const p = prev && messages.get(Number(prev.dataset.id))
    const cont = !!(p && m && p.kind === 'user' && p.author_id === m.author_id && Date.parse(m.created_at) - Date.parse(p.created_at) < GROUP_MS && !m.reply_to_id)
    li.classList.toggle('cont', cont)
  }

  /** Inserts or replaces a message in id order; returns true when it was new. */
  function insert(m, { live }) {
    if (!opts.belongs(m)) return false
    if (live && hasNewer && !messages.has(m.id)) {
      jump.textContent = 'Jump to the latest ↓'
      jump.hidden = false
      return false
    }
    const isNew = !messages.has(m.id)
    messages.set(m.id, m)
    if (!state.users.has(m.author_id)) loadUser(m.author_id).catch(() => {})
    // Noted before rendering: an open editor moves into the new node, and moving it drops the focus.
    const old = isNew ? null : nodeOf(m.id)
    const focused = old?.contains(document.activeElement) ? document.activeElement : null
    const li = renderMessage(m, ctx)
    if (!isNew) {
      old?.replaceWith(li)
      // The focus stays where it was: in a moved editor, on the same reaction, else the actions button.
      if (focused && !li.contains(focused)) {
        const emoji = focused.dataset?.emoji
        const same = emoji ? [...li.querySelectorAll('[data-emoji]')].find((b) => b.dataset.emoji === emoji) : null
        ;(same ?? li.querySelector('.msg-menu-btn'))?.focus({ preventScroll: true })
      } else if (focused) focused.focus({ preventScroll: true })
      regroup(li)
      return false
    }
    const wasNear = nearBottom()
    let next = null
    for (let n = list.lastElementChild; n; n = n.previousElementSibling) {
      if (Number(n.dataset.id) < m.id) break
      next = n
    }
    list.insertBefore(li, next)
    regroup(li)
    regroup(li.nextElementSibling)
    if (loaded && !loadingOlder) paintHistoryState()
    if (live) {
      const mine = m.author_id === state.me.id
      if (mine && m.kind === 'user') pending.settleByContent(m)
      if (m.kind === 'user' && !mine) {
        typing.clear(m.author_id)
        // Room previews name the author already; a dialog's do not.
        announcer.textContent = m.room_id ? previewText(m) : `${displayName(state.users.get(m.author_id))}: ${previewText(m)}`
      }
      if (m.kind === 'service') opts.onService?.(m)
      if (wasNear || mine) scrollToBottom()
      else if (!mine) jump.hidden = false
      markReadSoon()
    }
    return true
  }

  // --- editing and reacting -------------------------------------------------------------

  /** Open editors by message id: a re-render (a reaction, an edit elsewhere) keeps them. */
  const editors = new Map()

  function startEdit(m) {
    if (editors.has(m.id)) return editors.get(m.id).focus()
    const editor = createEditor(m, {
      onSaved: (message) => insert(message, { live: false }),
      onClose: () => {
        editors.delete(m.id)
        const current = messages.get(m.id)
        if (current) insert(current, { live: false })
        const li = nodeOf(m.id)
        if (li?.contains(document.activeElement) || document.activeElement === document.body) composer.focus()
      },
    })
    editors.set(m.id, editor)
    insert(messages.get(m.id) ?? m, { live: false })
    editor.focus()
  }

  // One request at a time per message and emoji, so quick toggles reach the server in order.
  const reacting = new Map()
  function react(m, emoji, on) {
    const key = `${m.id} ${emoji}`
    const before = messages.get(m.id) ?? m
    insert(withReaction(before, emoji, on), { live: false })
    const path = `/messages/${m.id}/reactions/${encodeURIComponent(emoji)}`
    const run = () => (on ? request('PUT', path) : del(path))
    const chain = (reacting.get(key) ?? Promise.resolve()).then(run).catch((err) => {
      // Taken back as the server has it: the next message.updated brings the truth anyway.
      const now = messages.get(m.id)
      if (now) insert(withReaction(now, emoji, !on), { live: false })
      toast(err.code === 'invalid_emoji' ? 'That reaction is not allowed.' : `Reaction not saved: ${err.message}`, 'error')
    })
    reacting.set(key, chain)
    chain.finally(() => reacting.get(key) === chain && reacting.delete(key))
  }

  function remove(id) {
    messages.delete(id)
    editors.delete(id)
    const li = nodeOf(id)
    const next = li?.nextElementSibling
    li?.remove()
    regroup(next)
  }

  function removeUpTo(upTo) {
    for (const id of [...messages.keys()]) if (id <= upTo) remove(id)
    if (messages.size === 0) historyNote.textContent = 'No messages yet. Say hello!'
  }

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICK_PX
  }

  function scrollToBottom(focusLast = false) {
    scroller.scrollTop = scroller.scrollHeight
    jump.hidden = true
    stick = true
    if (focusLast) composer.focus()
  }

  /** Re-renders every message (receipts, permissions, names may have changed). */
  function repaint() {
    for (const li of [...list.children]) {
      const m = messages.get(Number(li.dataset.id))
      if (!m) continue
      const fresh = renderMessage(m, ctx)
      fresh.className = li.className
      li.replaceWith(fresh)
    }
  }

  // --- history -------------------------------------------------------------------------

  async function load() {
    if (opts.focusId) return loadAround(opts.focusId)
    try {
      const data = await get(`${opts.base}/messages${qs({ limit: PAGE })}`)
      for (const m of data.items) insert(m, { live: false })
      hasOlder = data.has_more
      loaded = true
      paintHistoryState()
      scrollToBottom()
      markReadSoon()
      // Fill a tall screen: keep loading while there is no scrollbar yet.
      for (let i = 0; i < 3 && hasOlder && scroller.scrollHeight <= scroller.clientHeight; i++) await loadOlder()
    } catch (err) {
      historyNote.textContent = `Could not load messages: ${err.message}`
      throw err
    }
  }

  /** The page of history around one message, that message in the middle of the view. */
  async function loadAround(id) {
    try {
      const half = PAGE / 2
      const [older, newer] = await Promise.all([get(`${opts.base}/messages${qs({ before: id + 1, limit: half })}`), get(`${opts.base}/messages${qs({ after: id, limit: half })}`)])
      for (const m of [...older.items, ...newer.items]) insert(m, { live: false })
      hasOlder = older.has_more
      hasNewer = newer.has_more
      loaded = true
      paintHistoryState()
      const li = nodeOf(id)
      if (!li) {
        toast('That message is no longer here.')
        return scrollToBottom()
      }
      stick = false
      li.scrollIntoView({ block: 'center' })
      li.classList.add('flash')
      setTimeout(() => li.classList.remove('flash'), 2000)
      li.querySelector('.msg-menu-btn')?.focus({ preventScroll: true })
      if (hasNewer) {
        jump.textContent = 'Jump to the latest ↓'
        jump.hidden = false
      } else markReadSoon()
    } catch (err) {
      historyNote.textContent = `Could not load messages: ${err.message}`
      throw err
    }
  }

  async function loadNewer() {
    if (!hasNewer || loadingNewer || !messages.size) return
    loadingNewer = true
    try {
      const data = await get(`${opts.base}/messages${qs({ after: Math.max(...messages.keys()), limit: PAGE })}`)
      for (const m of data.items) insert(m, { live: false })
      hasNewer = data.has_more
      if (!hasNewer) jump.textContent = 'New messages ↓'
    } catch (err) {
      toast(`Could not load newer messages: ${err.message}`, 'error')
    } finally {
      loadingNewer = false
    }
  }

  /** From a message far back to the newest page, as when the chat is opened. */
  async function jumpToLatest() {
    hasNewer = false
    jump.textContent = 'New messages ↓'
    messages.clear()
    list.replaceChildren()
    opts.focusId = null
    loaded = false
    // A reload opens the newest messages too, not the one searched for.
    if (new URLSearchParams(location.search).has('m')) history.replaceState(null, '', location.pathname)
    await load().catch(() => {})
  }

  function paintHistoryState() {
    olderBtn.hidden = !hasOlder
    historyNote.textContent = hasOlder ? '' : messages.size ? 'This is the beginning of the conversation.' : 'No messages yet. Say hello!'
  }

  async function loadOlder() {
    if (!hasOlder || loadingOlder) return
    const oldest = Math.min(...messages.keys())
    if (!Number.isFinite(oldest)) return
    loadingOlder = true
    historyNote.textContent = 'Loading older messages…'
    const before = scroller.scrollHeight - scroller.scrollTop
    try {
      const data = await get(`${opts.base}/messages${qs({ before: oldest, limit: PAGE })}`)
      for (const m of data.items) insert(m, { live: false })
      hasOlder = data.has_more
      // Keep the message the reader was looking at in place.
      scroller.scrollTop = scroller.scrollHeight - before
    } catch (err) {
      toast(`Could not load older messages: ${err.message}`, 'error')
    } finally {
      loadingOlder = false
      paintHistoryState()
    }
  }

  // The view shrinks when a notice or a reply shows under it: the newest message stays in sight.
  const resized = new ResizeObserver(() => stick && scrollToBottom())
  resized.observe(scroller)

  scroller.addEventListener('scroll', () => {
    stick = nearBottom() && !hasNewer
    if (hasNewer && nearBottom()) loadNewer()
    if (stick) {
      jump.hidden = true
      markReadSoon()
    }
    if (loaded && scroller.scrollTop < LOAD_OLDER_AT_PX) loadOlder()
  })

  // --- reading and typing ----------------------------------------------------------------

  let readTimer = null
  function markReadSoon() {
    clearTimeout(readTimer)
    readTimer = setTimeout(markRead, 300)
  }
  async function markRead(seenBeforeHiding = false) {
    readTimer = null
    // Read means seen: the tab is visible (or was, when the read was due) and the newest messages are on screen.
    if ((!seenBeforeHiding && document.visibilityState !== 'visible') || messages.size === 0 || !nearBottom() || hasNewer) return
    const latest = Math.max(...messages.keys())
    if (latest <= readUpTo) return
    readUpTo = latest
    emit('chat.read', opts.key)
    try {
      await post(`${opts.base}/read`, { up_to: latest })
    } catch (err) {
      if (err.status === 0) readUpTo = 0 // try again with the next message
    }
  }
  // Hidden right after a message came in: it was on screen, so it counts as read (as on leaving).
  const onVisible = () => {
    if (document.visibilityState !== 'hidden') return markReadSoon()
    if (readTimer === null) return
    clearTimeout(readTimer)
    markRead(true)
  }
  document.addEventListener('visibilitychange', onVisible)

  // --- live events -------------------------------------------------------------------------

  offs.push(
    on('message.created', ({ message }) => insert(message, { live: true })),
    on('outbox.sent', ({ entry, message }) => {
      if (entry.chat !== opts.key) return
      insert(message, { live: false })
      scrollToBottom()
    }),
    on('outbox.failed', ({ entry, error }) => {
      if (entry.chat === opts.key && error.code === 'silenced') composer.setBlock(silencedBlock(error.details?.until))
    }),
    on('message.updated', ({ message }) => {
      // Only messages on screen: an edit far back in history stays there until it is loaded.
      if (messages.has(message.id)) insert(message, { live: false })
    }),
    on('message.deleted', (d) => {
      if (messages.has(d.message_id)) remove(d.message_id)
    }),
    on('typing', (d) => {
      const from = opts.typingFrom(d)
      if (from && from !== state.me.id) typing.show(from)
    }),
  )

  pending.paint()

  return {
    el,
    composer,
    messages,
    load,
    insert,
    remove,
    removeUpTo,
    repaint,
    markRead: markReadSoon,
    destroy() {
      for (const off of offs) off()
      pending.destroy()
      resized.disconnect()
      typing.destroy()
      // Leaving right after a message came in: it was on screen, so it counts as read.
      if (readTimer !== null) markRead()
      clearTimeout(readTimer)
      document.removeEventListener('visibilitychange', onVisible)
    },
  }
}
