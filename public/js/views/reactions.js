// Reactions (API.md §16): the counts under a message, each a toggle of the reader's own reaction,
// and the picker that adds one.
import { h } from '../dom.js'
import { openMenu } from '../menu.js'
import { displayName, state } from '../store.js'

// A dozen that cover most answers; each with the name a screen reader says.
export const PICKER = [
  ['👍', 'thumbs up'],
  ['❤️', 'heart'],
  ['😂', 'laughing'],
  ['🎉', 'party'],
  ['😮', 'surprised'],
  ['😢', 'sad'],
  ['🙏', 'thanks'],
  ['👀', 'eyes'],
  ['🔥', 'fire'],
  ['✅', 'done'],
  ['👎', 'thumbs down'],
  ['🚀', 'rocket'],
]
const NAMES = new Map(PICKER)
// Names listed in a reaction's tooltip before "and n others".
const NAMED = 10

/** The row of reactions under a message, or null. onToggle(emoji, on) adds or takes back mine. */
export function reactionsEl(m, onToggle) {
  const list = Array.isArray(m.reactions) ? m.reactions.filter((r) => r.user_ids?.length) : []
  if (!list.length) return null
  return h(
    'ul',
    { class: 'reactions', 'aria-label': 'Reactions' },
    list.map((r) => {
      const mine = r.user_ids.includes(state.me?.id)
      const who = r.user_ids.slice(0, NAMED).map((id) => (id === state.me?.id ? 'you' : displayName(state.users.get(id))))
      const more = r.user_ids.length - who.length
      const people = more > 0 ? `${who.join(', ')} and ${more} more` : who.join(', ')
      return h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `reaction${mine ? ' mine' : ''}`,
            'aria-pressed': String(mine),
            'aria-label': `${NAMES.get(r.emoji) ?? r.emoji}: ${r.user_ids.length}, ${people}`,
            title: people,
            dataset: { emoji: r.emoji },
            onClick: () => onToggle(r.emoji, !mine),
          },
          h('span', { class: 'reaction-emoji', 'aria-hidden': 'true' }, r.emoji),
          h('span', { class: 'reaction-count', 'aria-hidden': 'true' }, String(r.user_ids.length)),
        ),
      )
    }),
  )
}

/** The picker, as a menu under `anchor` (or at a touch point): onPick(emoji). */
export function openReactionPicker(anchor, onPick, at) {
  openMenu(
    anchor,
    PICKER.map(([emoji, name]) => ({ label: emoji, name, onSelect: () => onPick(emoji) })),
    { label: 'Add a reaction', className: 'emoji-menu', at },
  )
}

/** m with the reader's reaction `emoji` put on or taken off: what the server will answer. */
export function withReaction(m, emoji, on) {
  const me = state.me?.id
  const list = (m.reactions ?? []).map((r) => ({ emoji: r.emoji, user_ids: r.user_ids.filter((id) => id !== me || r.emoji !== emoji) }))
  const found = list.find((r) => r.emoji === emoji)
  if (on) {
    if (found) found.user_ids.push(me)
    else list.push({ emoji, user_ids: [me] })
  }
  return { ...m, reactions: list.filter((r) => r.user_ids.length) }
}
