// Mention autocomplete in the composer: typing @ and the start of a name lists the people who can
// be mentioned here (a room's members, a dialog's other party); arrows move, Enter or Tab puts
// "@username " in the text, Escape closes the list. The WAI-ARIA combobox pattern on the textarea:
// the focus stays in the text, the list's active option is aria-activedescendant.
import { avatar, h, uid } from '../dom.js'
import { displayName, state } from '../store.js'

// 8: enough to pick from without covering the conversation.
const MAX_OPTIONS = 8
// The @name just before the caret: at the start or after a non-word character, the username
// alphabet of API.md §3, at most its 32 characters.
const TYPED = /(?:^|[^\p{L}\p{N}_@])@([A-Za-z0-9_.-]{0,32})$/u
const HANDLE = /^[A-Za-z0-9_.-]+$/

/** The name a user is mentioned by: the username (a guest's name when it fits the alphabet). */
export function handleOf(user) {
  const name = user?.username ?? user?.name
  return typeof name === 'string' && HANDLE.test(name) ? name : null
}

/**
 * attachMentionComplete(textarea, candidates) → {el, onKeydown(ev) → true when used, reset()}.
 * candidates(): a promise of the users who can be mentioned here (asked again at each new @).
 */
export function attachMentionComplete(text, candidates) {
  const listId = uid('mentions')
  const el = h('ul', { id: listId, class: 'mention-list', role: 'listbox', 'aria-label': 'People to mention', hidden: true })
  let options = [] // [{user, node}]
  let active = -1
  let seq = 0
  let people = null // a promise of the candidates, while one @ is being typed
  let peopleAt = -1 // where that @ is

  text.setAttribute('aria-autocomplete', 'list')
  text.setAttribute('aria-controls', listId)
  text.setAttribute('aria-expanded', 'false')

  function typed() {
    if (text.selectionStart !== text.selectionEnd) return null
    const m = TYPED.exec(text.value.slice(0, text.selectionStart))
    return m ? m[1] : null
  }

  async function update() {
    const query = typed()
    if (query === null) {
      people = null
      return close()
    }
    const mine = ++seq
    // One request per @ typed; a failure leaves the text to be typed as it is (the list is a help).
    const at = text.selectionStart - query.length - 1
    if (at !== peopleAt) people = null
    peopleAt = at
    people ??= Promise.resolve()
      .then(candidates)
      .catch(() => [])
    const users = await people
    if (mine !== seq) return
    // On a slow link the list may come after more was typed, or after the message went out.
    const now = typed()
    if (now === null) return close()
    show(users, now)
  }

  function show(users, query) {
    const q = query.toLowerCase()
    const matches = users
      .filter((u) => u && !u.deleted && u.id !== state.me?.id && handleOf(u))
      .filter((u) => handleOf(u).toLowerCase().startsWith(q) || (u.nickname ?? '').toLowerCase().includes(q))
      .slice(0, MAX_OPTIONS)
    if (!matches.length) return close()
    options = matches.map((u, i) => {
      const node = h(
        'li',
        { id: `${listId}-${i}`, role: 'option', class: 'mention-option', 'aria-selected': 'false', onPointerdown: (ev) => ev.preventDefault(), onClick: () => pick(i) },
        avatar(u, 24),
        h('span', { class: 'mention-handle' }, `@${handleOf(u)}`),
        displayName(u) !== handleOf(u) ? h('span', { class: 'muted' }, displayName(u)) : null,
      )
      return { user: u, node }
    })
    el.replaceChildren(...options.map((o) => o.node))
    el.hidden = false
    text.setAttribute('aria-expanded', 'true')
    select(0)
  }

  function select(i) {
    active = (i + options.length) % options.length
    options.forEach((o, j) => o.node.setAttribute('aria-selected', String(j === active)))
    text.setAttribute('aria-activedescendant', options[active].node.id)
    options[active].node.scrollIntoView?.({ block: 'nearest' })
  }

  function pick(i) {
    const handle = handleOf(options[i]?.user)
    const query = typed()
    if (!handle || query === null) return close()
    const end = text.selectionStart
    const start = end - query.length
    const after = text.value.slice(end)
    const insert = after.startsWith(' ') ? handle : `${handle} `
    text.setRangeText(insert, start, end, 'end')
    if (after.startsWith(' ')) text.setSelectionRange(end - query.length + handle.length + 1, end - query.length + handle.length + 1)
    text.dispatchEvent(new Event('input', { bubbles: true })) // the draft keeps it
    people = null
    close()
    text.focus()
  }

  function close() {
    seq++
    options = []
    active = -1
    el.hidden = true
    el.replaceChildren()
    text.setAttribute('aria-expanded', 'false')
    text.removeAttribute('aria-activedescendant')
  }

  function onKeydown(ev) {
    if (el.hidden || !options.length || ev.isComposing) return false
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') select(active + (ev.key === 'ArrowDown' ? 1 : -1))
    else if ((ev.key === 'Enter' && !ev.shiftKey) || ev.key === 'Tab') pick(active)
    else if (ev.key === 'Escape') {
      people = null
      close()
    } else return false
    ev.preventDefault()
    ev.stopPropagation()
    return true
  }

  text.addEventListener('input', update)
  text.addEventListener('click', update)
  text.addEventListener('blur', () => close())
  return {
    el,
    onKeydown,
    /** The text was sent or replaced: the next @ asks afresh. */
    reset() {
      people = null
      close()
    },
  }
}
