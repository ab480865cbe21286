// The chat list: rooms joined and dialogs, by latest activity, with unread badges.
// It follows poll events itself; anything it cannot patch locally reloads /api/chats.
import { get } from '../api.js'
import { icon } from '../icons.js'
import { avatar, h, plural, roomAvatar, timeEl } from '../dom.js'
import { navigate } from '../router.js'
import { chatKey, displayName, messageChatKey, on, setChats, state } from '../store.js'
import { setUnread } from '../title.js'
import { mentionsMe } from '../mentions.js'
import { previewParts } from './message.js'
import { pickUser } from './userpick.js'

export function mountChatList(el) {
  const list = h('ul', { class: 'chat-list', 'aria-label': 'Your chats' })
  const empty = h('p', { class: 'muted empty', hidden: true }, 'No chats yet. Join a room or start a conversation.')
  const newDm = async () => {
    const u = await pickUser('New message')
    if (u) navigate(`/dm/${u.id}`)
  }
  el.append(
    h(
      'div',
      { class: 'sidebar-head' },
      h('h2', {}, 'Chats'),
      h(
        'div',
        { class: 'row' },
        h('a', { class: 'btn btn-small', href: '/search', title: 'Search messages' }, icon('search', 16), h('span', { class: 'sr-only' }, 'Search messages')),
        h('a', { class: 'btn btn-small', href: '/rooms' }, 'Rooms'),
        h('button', { class: 'btn btn-small btn-primary', type: 'button', onClick: newDm }, 'New message'),
      ),
    ),
    empty,
    list,
  )

  const render = () => {
    empty.hidden = state.chats.length > 0
    list.replaceChildren(...state.chats.map(renderItem))
    // The open chat, while the tab is visible, is on screen: seen, even when a reload of the list
    // answers before its read mark reached the server (a slow link).
    const onScreen = document.visibilityState === 'visible' ? state.openChat : undefined
    setUnread(state.chats.reduce((n, c) => n + (chatKey(c) === onScreen ? 0 : (c.unread ?? 0)), 0))
  }

  let timer = null
  const refreshSoon = () => {
    clearTimeout(timer)
    timer = setTimeout(async () => {
      try {
        setChats((await get('/chats?limit=200')).items)
      } catch (err) {
        console.warn('chat list reload failed', err)
      }
    }, 250)
  }

  const onMessage = ({ message: m }) => {
    const key = messageChatKey(m)
    const chat = state.chats.find((c) => chatKey(c) === key)
    const aboutMe = m.kind === 'service' && m.service?.user_id === state.me.id
    if (!chat || (aboutMe && ['kicked', 'banned', 'left', 'joined'].includes(m.service.type))) return refreshSoon()
    if (chat.last_message && chat.last_message.id > m.id) return
    chat.last_message = m
    // The open chat counts too while the tab is hidden: nobody has seen it yet.
    const seen = state.openChat === key && document.visibilityState === 'visible'
    if (m.kind === 'user' && m.author_id !== state.me.id && !seen) {
      chat.unread = (chat.unread ?? 0) + 1
      if (mentionsMe(m)) chat.mention_count = (chat.mention_count ?? 0) + 1
    }
    // Activity is what people write (as the server orders it); service lines do not reorder.
    if (m.kind === 'user') state.chats = [chat, ...state.chats.filter((c) => c !== chat)]
    render()
  }

  const offs = [
    on('chats', render),
    on('message.created', onMessage),
    on('message.updated', ({ message: m }) => {
      // An edit of a chat's last message changes its preview; an edit that now mentions me, its count.
      const chat = state.chats.find((c) => chatKey(c) === messageChatKey(m))
      if (!chat) return
      if (chat.last_message?.id === m.id) {
        chat.last_message = m
        render()
      }
      if (m.author_id !== state.me.id && mentionsMe(m)) refreshSoon()
    }),
    on('message.deleted', refreshSoon),
    on('chat.cleared', refreshSoon),
    on('dialog.deleted', refreshSoon),
    on('room.updated', refreshSoon),
    on('room.deleted', ({ room_id }) => {
      state.chats = state.chats.filter((c) => !(c.kind === 'room' && c.room.id === room_id))
      render()
    }),
    on('message.read', (d) => {
      if (d.reader_id === state.me.id) refreshSoon() // read in another tab or device
    }),
    on('chat.read', (key) => {
      const chat = state.chats.find((c) => chatKey(c) === key)
      if (chat && (chat.unread || chat.mention_count)) {
        chat.unread = chat.mention_count = 0
        render()
      }
    }),
    on('chats.reload', refreshSoon),
  ]
  const onRoute = () => {
    for (const a of list.querySelectorAll('a.chat-item')) {
      if (a.getAttribute('href') === location.pathname) a.setAttribute('aria-current', 'page')
      else a.removeAttribute('aria-current')
    }
  }
  window.addEventListener('routechange', onRoute)
  document.addEventListener('visibilitychange', render)
  render()
  return () => {
    for (const off of offs) off()
    window.removeEventListener('routechange', onRoute)
    document.removeEventListener('visibilitychange', render)
    clearTimeout(timer)
  }
}

function renderItem(chat) {
  const key = chatKey(chat)
  const href = chat.kind === 'room' ? `/room/${chat.room.id}` : `/dm/${chat.user.id}`
  const name = chat.kind === 'room' ? chat.room.name : displayName(state.users.get(chat.user.id) ?? chat.user)
  const pic =
    chat.kind === 'room'
      ? roomAvatar(chat.room.id)
      : h('span', { class: 'avatar-wrap' }, avatar(chat.user, 40), presenceDot(chat.user))
  const unread = chat.unread ?? 0
  const mentioned = chat.mention_count ?? 0
  const last = chat.last_message
  return h(
    'li',
    {},
    h(
      'a',
      { class: 'chat-item', href, dataset: { chat: key }, 'aria-current': location.pathname === href ? 'page' : null },
      pic,
      h(
        'span',
        { class: 'chat-main' },
        h(
          'span',
          { class: 'chat-top' },
          h('span', { class: 'chat-name', dataset: chat.kind === 'dialog' ? { uname: chat.user.id } : {} }, name),
          chat.kind === 'room' && chat.room.is_private ? h('span', { class: 'lock', title: 'Private room' }, icon('lock', 13), h('span', { class: 'sr-only' }, 'private')) : null,
          last ? timeEl(last.created_at) : null,
        ),
        h(
          'span',
          { class: 'chat-bottom' },
          h('span', { class: 'preview' }, last ? previewParts(last) : chat.kind === 'room' ? chat.room.topic || 'No messages yet' : 'No messages yet'),
          mentioned > 0 ? h('span', { class: 'badge badge-mention', title: plural(mentioned, 'unread mention'), 'aria-label': plural(mentioned, 'unread mention') }, '@') : null,
          unread > 0 ? h('span', { class: 'badge', 'aria-label': `${plural(unread, 'unread message')}` }, unread > 99 ? '99+' : String(unread)) : null,
        ),
      ),
    ),
  )
}

export function presenceDot(user) {
  const online = !!(state.users.get(user.id) ?? user).online
  return h('span', { class: `dot${online ? ' online' : ''}`, dataset: { presence: user.id }, title: online ? 'Online' : 'Offline' }, h('span', { class: 'sr-only' }, online ? 'online' : 'offline'))
}
