// One unsent draft per chat, kept in localStorage: switching chats or reloading keeps the text.
import { state } from './store.js'

const keyOf = (chat) => `parley:draft:${state.me?.id}:${chat}`

export function loadDraft(chat) {
  try {
    return localStorage.getItem(keyOf(chat)) ?? ''
  } catch {
    return ''
  }
}

export function saveDraft(chat, text) {
  try {
    if (text.trim()) localStorage.setItem(keyOf(chat), text)
    else localStorage.removeItem(keyOf(chat))
  } catch {
    // Storage refused (private mode, quota): the draft lives as long as the page.
  }
}
