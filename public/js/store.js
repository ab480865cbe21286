// What the client knows: the signed-in user, a cache of other users, the chat list,
// and a tiny event bus that fans poll events out to whichever views are mounted.
import { get } from './api.js'
import { avatar } from './dom.js'

export const state = {
  me: null,
  /** id → public user (or {id, deleted: true}) */
  users: new Map(),
  /** [{kind: 'room'|'dialog', room?, user?, last_message, unread}], most recent first */
  chats: [],
  /** the chat on screen: 'room:3' / 'dm:7', or null */
  openChat: null,
  connection: 'live',
}

const bus = new EventTarget()

/** on('message.created', fn) → off(). Also app-level topics: 'me', 'chats', 'connection'. */
export function on(type, fn) {
  const handler = (ev) => fn(ev.detail)
  bus.addEventListener(type, handler)
  return () => bus.removeEventListener(type, handler)
}

export function emit(type, detail) {
  bus.dispatchEvent(new CustomEvent(type, { detail }))
}

export function displayName(user) {
  if (!user) return '…'
  if (user.deleted) return 'Deleted user'
  return user.name ?? user.nickname ?? user.username ?? `user${user.id}`
}

export function rememberUser(user) {
  if (!user || typeof user.id !== 'number') return user
  const known = state.users.get(user.id)
  const merged = known ? { ...known, ...user } : user
  state.users.set(user.id, merged)
  // Every name label, picture and presence dot of this user on screen follows.
  for (const el of document.querySelectorAll(`[data-uname="${user.id}"]`)) el.textContent = displayName(merged)
  if (known && (known.photo_url !== merged.photo_url || known.name !== merged.name)) {
    for (const el of document.querySelectorAll(`[data-avatar="${user.id}"]`)) el.replaceWith(avatar(merged, Number(el.dataset.size) || 36))
  }
  paintPresence(merged)
  return merged
}

export function paintPresence(user) {
  for (const el of document.querySelectorAll(`[data-presence="${user.id}"]`)) {
    el.classList.toggle('online', !!user.online)
    el.title = user.online ? 'Online' : 'Offline'
    const label = el.querySelector('.sr-only')
    if (label) label.textContent = user.online ? 'online' : 'offline'
  }
}

const pending = new Map()
/** A user from the cache, or fetched once (concurrent callers share the request). */
export async function loadUser(id) {
  if (state.users.has(id)) return state.users.get(id)
  if (!pending.has(id)) {
    pending.set(
      id,
      get(`/users/${id}`)
        .then((d) => rememberUser(d.user))
        .catch((err) => {
          if (err.status === 404) return rememberUser({ id, deleted: true })
          throw err
        })
        .finally(() => pending.delete(id)),
    )
  }
  return pending.get(id)
}

export const chatKey = (c) => (c.kind === 'room' ? `room:${c.room.id}` : `dm:${c.user.id}`)

/** The chat key a message belongs to, from the signed-in user's point of view. */
export function messageChatKey(m) {
  if (m.room_id) return `room:${m.room_id}`
  const other = m.author_id === state.me?.id ? m.recipient_id : m.author_id
  return `dm:${other}`
}

export function setChats(items) {
  for (const c of items) if (c.user) rememberUser(c.user)
  state.chats = items
  emit('chats')
}

export function setMe(user) {
  state.me = user
  rememberUser(user)
  emit('me')
}
