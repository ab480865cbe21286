// Searching messages (API.md §16: GET /api/search): every word of the query, word prefixes
// matching, newest first, in all chats or one. Each result shows the server's highlight (built as
// nodes by highlight.js, never as HTML) and opens the message in its chat. The query lives in the
// address (/search?q=…&in=room:3), so reloading or going back keeps it.
import { get, qs } from '../api.js'
import { h, timeEl, uid } from '../dom.js'
import { highlightNodes } from '../highlight.js'
import { chatKey, displayName, messageChatKey, state } from '../store.js'
import { nameEl } from './message.js'

// 300 ms: a pause in typing, not every key.
const TYPING_PAUSE_MS = 300
// 20: the API's default page.
const PAGE = 20
// The API's bound on q.
const MAX_Q = 200

export function mountSearch(el) {
  const params = new URLSearchParams(location.search)
  const inputId = uid('search')
  const scopeId = uid('scope')
  const input = h('input', { id: inputId, type: 'search', maxlength: MAX_Q, autocomplete: 'off', placeholder: 'Words or the start of words', 'data-autofocus': '', value: params.get('q') ?? '' })
  const scope = h(
    'select',
    { id: scopeId },
    h('option', { value: '' }, 'All chats'),
    state.chats.map((c) => h('option', { value: chatKey(c), selected: chatKey(c) === params.get('in') }, c.kind === 'room' ? `# ${c.room.name}` : displayName(state.users.get(c.user.id) ?? c.user))),
  )
  const status = h('p', { class: 'muted search-status', role: 'status' })
  const results = h('ol', { class: 'search-results', 'aria-label': 'Search results' })
  const more = h('button', { type: 'button', class: 'btn btn-small', hidden: true, onClick: () => run({ append: true }) }, 'More results')
  const form = h(
    'form',
    { role: 'search', class: 'search-form', 'aria-label': 'Search messages' },
    h('div', { class: 'field grow' }, h('label', { for: inputId }, 'Search messages'), input),
    h('div', { class: 'field' }, h('label', { for: scopeId }, 'In'), scope),
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Search'),
  )
  el.append(
    h(
      'section',
      { class: 'page search-page' },
      h('div', { class: 'page-head' }, h('a', { class: 'back-link', href: '/', 'aria-label': 'Back to chats' }, '‹'), h('h1', { tabindex: '-1' }, 'Search messages')),
      form,
      status,
      results,
      h('div', { class: 'row center' }, more),
    ),
  )

  let seq = 0
  let inFlight = null
  let oldest = null // the last result's id: the next page is before it
  let timer = null

  function scopeParams() {
    const [kind, id] = scope.value.split(':')
    if (kind === 'room') return { room_id: id }
    if (kind === 'dm') return { with_user_id: id }
    return {}
  }

  async function run({ append = false } = {}) {
    clearTimeout(timer)
    const q = input.value.trim()
    history.replaceState(null, '', `/search${qs({ q, in: scope.value })}`)
    inFlight?.abort()
    const mine = ++seq
    if (!q) {
      inFlight = null
      results.replaceChildren()
      more.hidden = true
      status.textContent = 'Type a word or the start of one: every word must match.'
      return
    }
    const ctl = (inFlight = new AbortController())
    status.textContent = append ? 'Loading more…' : 'Searching…'
    more.disabled = true
    try {
      const data = await get(`/search${qs({ q, ...scopeParams(), before: append ? oldest : undefined, limit: PAGE })}`, { signal: ctl.signal })
      if (mine !== seq) return
      const items = data.messages ?? []
      if (!append) results.replaceChildren()
      results.append(...items.map(resultEl))
      oldest = items.length ? items.at(-1).id : oldest
      more.hidden = !data.has_more
      const shown = results.children.length
      status.textContent = shown ? `${shown}${data.has_more ? '+' : ''} ${shown === 1 && !data.has_more ? 'message matches' : 'messages match'} “${q}”.` : `No messages match “${q}”.`
    } catch (err) {
      if (ctl.signal.aborted || mine !== seq) return
      status.textContent = err.code === 'invalid_request' ? 'That search cannot be run: use 1 to 200 characters.' : `Could not search: ${err.message}`
    } finally {
      if (mine === seq) {
        more.disabled = false
        inFlight = null
      }
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    run()
  })
  input.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(run, TYPING_PAUSE_MS)
  })
  scope.addEventListener('change', () => run())
  if (input.value.trim()) run()
  else status.textContent = 'Type a word or the start of one: every word must match.'

  return () => {
    clearTimeout(timer)
    seq++
    inFlight?.abort()
  }
}

/** One result: where and who, when, and the text with the matches marked; a link to it in its chat. */
function resultEl(m) {
  const key = messageChatKey(m)
  const [kind, id] = key.split(':')
  const href = `/${kind === 'room' ? 'room' : 'dm'}/${id}?m=${m.id}`
  const chat = state.chats.find((c) => chatKey(c) === key)
  const where = kind === 'room' ? h('span', { class: 'result-chat' }, `# ${chat?.room.name ?? 'a room'}`) : h('span', { class: 'result-chat' }, 'with ', nameEl(Number(id)))
  return h(
    'li',
    {},
    h(
      'a',
      { class: 'result', href },
      h('span', { class: 'result-meta' }, nameEl(m.author_id, 'strong'), ' · ', where, ' · ', timeEl(m.created_at)),
      h('span', { class: 'result-text' }, m.highlight !== undefined ? highlightNodes(m.highlight) : (m.text ?? '')),
    ),
  )
}
