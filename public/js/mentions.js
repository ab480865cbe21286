// Mentions of the reader: from the server's `mentions` once messages carry them (API.md §16),
// until then from @username in the text.
import { mentions } from './format.js'
import { state } from './store.js'

export function mentionsMe(m) {
  if (Array.isArray(m.mentions)) return m.mentions.includes(state.me?.id)
  return mentions(m.text, ownMentionName())
}

/** The name others write after @ to reach the reader. */
export function ownMentionName() {
  return state.me?.username ?? state.me?.name ?? null
}
