// A direct conversation: the peer's presence, read receipts on my messages, call and gift.
import { del, get, post, qs } from '../api.js'
import { iconLabel } from '../icons.js'
import { avatar, confirmDialog, fmtTime, h, toast, uid } from '../dom.js'
import { openMenu } from '../menu.js'
import { navigate } from '../router.js'
import { displayName, emit, loadUser, on, state } from '../store.js'
import { setTitle } from '../title.js'
import { startCall } from './call.js'
import { presenceDot } from './chatlist.js'
import { createConversation } from './conversation.js'
import { openGiftDialog } from './gifts.js'

export function mountDialog(el, idText) {
  const peerId = Number(idText)
  const me = state.me.id
  const key = `dm:${peerId}`
  state.openChat = key
  emit('chat.read', key)
  let readUpTo = 0 // the peer has read my messages up to this id
  const offs = []

  const titleId = uid('dm-title')
  const title = h('h1', { id: titleId, tabindex: '-1', dataset: { uname: peerId } }, displayName(state.users.get(peerId)))
  const subtitle = h('p', { class: 'subtitle' })
  const picWrap = h('span', { class: 'avatar-wrap' })
  const callBtn = h('button', { type: 'button', class: 'btn btn-small', onClick: () => startCall(state.users.get(peerId)) }, iconLabel('phone', 'Call'))
  const giftBtn = h('button', { type: 'button', class: 'btn btn-small', onClick: () => openGiftDialog(state.users.get(peerId)) }, iconLabel('gift', 'Gift'))
  const moreBtn = h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-haspopup': 'menu', 'aria-expanded': 'false', onClick: () => more() }, iconLabel('dots', 'More'))
  const header = h(
    'header',
    { class: 'chat-head' },
    h('a', { class: 'back-link', href: '/', 'aria-label': 'Back to chats' }, '‹'),
    h('a', { href: `/user/${peerId}`, class: 'head-pic', tabindex: '-1', 'aria-hidden': 'true' }, picWrap),
    h('div', { class: 'chat-title' }, title, subtitle),
    h('div', { class: 'chat-actions' }, callBtn, giftBtn, moreBtn),
  )

  const conv = createConversation({
    key,
    base: `/dialogs/${peerId}`,
    label: displayName(state.users.get(peerId)),
    belongs: (m) => !m.room_id && ((m.author_id === peerId && m.recipient_id === me) || (m.author_id === me && m.recipient_id === peerId)),
    typingFrom: (d) => (d.user_id === peerId && d.recipient_id === me ? peerId : null),
    canDelete: (m) => m.author_id === me,
    canReport: (m) => m.author_id !== me,
    receipt: (m) => (m.author_id === me ? (m.id <= readUpTo ? 'read' : 'sent') : null),
    focusId: Number(new URLSearchParams(location.search).get('m')) || null,
    mentionCandidates: async () => [await loadUser(peerId)],
  })
  el.append(h('section', { class: 'chat', 'aria-labelledby': titleId }, header, h('div', { class: 'chat-body' }, conv.el)))

  const paintPeer = () => {
    const u = state.users.get(peerId)
    if (!u) return
    title.textContent = displayName(u)
    setTitle(displayName(u))
    picWrap.replaceChildren(avatar(u, 40), presenceDot(u))
    subtitle.textContent = u.deleted ? 'This account was deleted' : u.online ? 'online' : u.last_seen ? `last seen ${fmtTime(u.last_seen)}` : 'offline'
    callBtn.disabled = giftBtn.disabled = !!u.deleted
    if (u.deleted) conv.composer.setBlock({ kind: 'error', text: 'This account was deleted; messages can no longer be sent.' })
  }

  /** Which of my messages the peer has read: everything older than the oldest still unread. */
  async function loadReceipts() {
    try {
      const data = await get(`/direct-messages${qs({ to: peerId, unread_only: true, limit: 200 })}`)
      const unread = (data.items ?? []).map((m) => m.id)
      const mine = [...conv.messages.values()].filter((m) => m.author_id === me).map((m) => m.id)
      const upTo = unread.length ? Math.min(...unread) - 1 : Math.max(0, ...mine)
      if (upTo > readUpTo) {
        readUpTo = upTo
        conv.repaint()
      }
    } catch (err) {
      console.warn('receipts unavailable', err)
    }
  }

  function more() {
    const name = displayName(state.users.get(peerId))
    openMenu(
      moreBtn,
      [
        { label: 'Clear history for me…', onSelect: () => act('Clear the history for you?', 'The messages so far disappear for you; they keep theirs.', 'Clear history', () => post(`/dialogs/${peerId}/clear`, {})) },
        { label: 'Clear history for both…', onSelect: () => act(`Clear the history for you and ${name}?`, 'The messages so far disappear on both sides.', 'Clear for both', () => post(`/dialogs/${peerId}/clear`, { for_everyone: true })) },
        { label: 'Remove chat from my list…', danger: true, onSelect: () => act('Remove this chat from your list?', 'It comes back with the next message.', 'Remove', () => del(`/dialogs/${peerId}`), true) },
        { label: 'Remove chat for both…', danger: true, onSelect: () => act(`Remove this chat for you and ${name}?`, 'The conversation is removed on both sides.', 'Remove for both', () => del(`/dialogs/${peerId}?for_everyone=true`), true) },
      ],
      { label: 'Conversation' },
    )
  }

  async function act(title, intro, label, request, leaves = false) {
    if (!(await confirmDialog(title, intro, label))) return
    try {
      await request()
    } catch (err) {
      return toast(err.message, 'error')
    }
    emit('chats.reload')
    if (leaves) navigate('/')
    else conv.removeUpTo(Number.MAX_SAFE_INTEGER)
  }

  const involvesUs = (ids) => Array.isArray(ids) && ids.includes(me) && ids.includes(peerId)
  offs.push(
    on('presence', (d) => d.user_id === peerId && paintPeer()),
    on('message.read', (d) => {
      if (d.reader_id === peerId && involvesUs(d.user_ids) && d.up_to > readUpTo) {
        readUpTo = d.up_to
        conv.repaint()
      }
    }),
    on('chat.cleared', (d) => involvesUs(d.user_ids) && conv.removeUpTo(d.up_to)),
    on('dialog.deleted', (d) => involvesUs(d.user_ids) && conv.removeUpTo(Number.MAX_SAFE_INTEGER)),
  )

  if (peerId === me) {
    conv.composer.setBlock({ kind: 'error', text: 'This is you. Pick someone else to talk to.' })
  }
  loadUser(peerId)
    .then(paintPeer)
    .catch((err) => toast(err.message, 'error'))
  conv
    .load()
    .then(loadReceipts)
    .catch(() => {})

  return () => {
    for (const off of offs) off()
    conv.destroy()
    if (state.openChat === key) state.openChat = null
    setTitle(null)
  }
}
