// Opt-in browser notifications: a direct message, or a room message that mentions the reader,
// while the tab is hidden. Opting in is remembered per user in this browser.
import { attachmentLabel } from './attachments.js'
import { navigate } from './router.js'
import { displayName, loadUser, messageChatKey, state } from './store.js'
import { mentionsMe } from './mentions.js'

// 140 characters: about what a system notification shows of its body.
const BODY_CHARS = 140

const keyOf = () => `parley:notify:${state.me?.id}`

export const notificationsSupported = () => 'Notification' in window

/** 'on' | 'off' | 'blocked' (the browser refuses) | 'unsupported'. */
export function notificationState() {
  if (!notificationsSupported()) return 'unsupported'
  if (Notification.permission === 'denied') return 'blocked'
  return Notification.permission === 'granted' && readFlag() ? 'on' : 'off'
}

/** Asks the browser (on a click: browsers require a user gesture) and remembers the answer. */
export async function enableNotifications() {
  if (!notificationsSupported()) return 'unsupported'
  const answer = await Notification.requestPermission()
  if (answer === 'granted') writeFlag(true)
  return notificationState()
}

export function disableNotifications() {
  writeFlag(false)
}

/** Called for every message.created: notifies when the reader opted in and is looking elsewhere. */
export async function maybeNotify(m) {
  if (notificationState() !== 'on' || document.visibilityState !== 'hidden') return
  if (m.kind !== 'user' || m.author_id === state.me?.id) return
  const direct = !m.room_id
  if (!direct && !mentionsMe(m)) return
  const author = displayName(await loadUser(m.author_id).catch(() => null))
  const room = direct ? null : state.chats.find((c) => c.kind === 'room' && c.room.id === m.room_id)?.room
  const body = (m.text || attachmentLabel(m.attachment)).slice(0, BODY_CHARS)
  const chat = messageChatKey(m)
  try {
    const n = new Notification(direct ? author : `${author} in ${room?.name ?? 'a room'}`, { body, tag: chat, icon: '/favicon.svg' })
    n.addEventListener('click', () => {
      window.focus()
      navigate(direct ? `/dm/${m.author_id}` : `/room/${m.room_id}`)
      n.close()
    })
  } catch (err) {
    console.warn('notification refused', err)
  }
}

function readFlag() {
  try {
    return localStorage.getItem(keyOf()) === '1'
  } catch {
    return false
  }
}

function writeFlag(on) {
  try {
    if (on) localStorage.setItem(keyOf(), '1')
    else localStorage.removeItem(keyOf())
  } catch {
    // Storage refused: notifications stay off.
  }
}
