// A room: header, join prompt for non-members, the conversation, the members panel,
// and the member's own standing (silenced, removed) shown in the composer.
import { del, get, patch, post } from '../api.js'
import { iconLabel } from '../icons.js'
import { confirmDialog, formDialog, h, plural, roomAvatar, toast, uid } from '../dom.js'
import { openMenu } from '../menu.js'
import { focusWhenReady, navigate } from '../router.js'
import { displayName, emit, on, rememberUser, state } from '../store.js'
import { setTitle } from '../title.js'
import { silencedBlock } from './composer.js'
import { createConversation } from './conversation.js'
import { createMembersPanel } from './members.js'

/** Ranks of API.md §5: site admin 3 > room admin 2 > moderator 1 > member 0. */
export function rankIn(room, userId) {
  if (userId === state.me.id && state.me.role === 'admin') return 3
  if (room.admin_id === userId) return 2
  if ((room.moderators ?? []).includes(userId)) return 1
  return 0
}

export function mountRoom(el, idText) {
  const id = Number(idText)
  const key = `room:${id}`
  state.openChat = key
  emit('chat.read', key)
  let room = null
  let conv = null
  let panel = null
  let liftTimer = null
  const offs = []

  const titleId = uid('room-title')
  const title = h('h1', { id: titleId, tabindex: '-1' }, 'Loading…')
  const subtitle = h('p', { class: 'subtitle' })
  const membersBtn = h('button', { type: 'button', class: 'btn btn-small', 'aria-expanded': 'false', hidden: true, onClick: () => panel?.toggle() }, iconLabel('users', 'Members'))
  const moreBtn = h('button', { type: 'button', class: 'btn btn-small btn-ghost', hidden: true, 'aria-haspopup': 'menu', 'aria-expanded': 'false', onClick: () => moreMenu() }, iconLabel('dots', 'More'))
  const pic = roomAvatar(id)
  const body = h('div', { class: 'chat-body' })
  el.append(
    h(
      'section',
      { class: 'chat', 'aria-labelledby': titleId },
      h('header', { class: 'chat-head' }, h('a', { class: 'back-link', href: '/', 'aria-label': 'Back to chats' }, '‹'), pic, h('div', { class: 'chat-title' }, title, subtitle), h('div', { class: 'chat-actions' }, membersBtn, moreBtn)),
      body,
    ),
  )

  const paintHeader = () => {
    title.textContent = room.name
    setTitle(room.name)
    const bits = [plural(room.member_count, 'member')]
    if (room.is_private) bits.push('private')
    if (room.topic) bits.push(room.topic)
    subtitle.textContent = bits.join(' · ')
    membersBtn.hidden = moreBtn.hidden = !room.joined
  }

  function moreMenu() {
    openMenu(
      moreBtn,
      [
        rankIn(room, state.me.id) >= 2 && { label: 'Room settings…', onSelect: () => settings() },
        { label: 'Clear history for me…', onSelect: () => clearHistory() },
        { label: 'Leave room…', danger: true, onSelect: () => leave() },
      ],
      { label: 'Room' },
    )
  }

  async function clearHistory() {
    if (!(await confirmDialog('Clear this room’s history?', 'The messages so far disappear for you only; everyone else keeps them.', 'Clear history'))) return
    try {
      await post(`/rooms/${id}/clear`)
      conv?.removeUpTo(Number.MAX_SAFE_INTEGER)
      emit('chats.reload')
    } catch (err) {
      toast(err.message, 'error')
    }
  }

  // Who silenced me and why, or why I was removed: known from the service message, not the room.
  const standing = { by: null, reason: null, removed: null }

  const paintStanding = () => {
    if (!conv) return
    clearTimeout(liftTimer)
    const until = room.silenced?.[state.me.id]
    if (until && Date.parse(until) > Date.now()) {
      conv.composer.setBlock(silencedBlock(until, standing.by, standing.reason))
      // Lift the notice when the silence runs out (setTimeout caps near 24.8 days).
      liftTimer = setTimeout(refreshRoom, Math.min(Date.parse(until) - Date.now() + 500, 2 ** 31 - 1))
    } else if (!room.joined) {
      conv.composer.setBlock({ kind: 'error', text: standing.removed ?? 'You are not a member of this room any more.' })
    } else conv.composer.setBlock(null)
  }

  async function refreshRoom() {
    try {
      room = (await get(`/rooms/${id}`)).room
      paintHeader()
      paintStanding()
      conv?.repaint()
      panel?.repaint()
    } catch (err) {
      if (err.status === 404) gone('This room no longer exists.')
    }
  }
  let refreshTimer = null
  const refreshSoon = () => {
    clearTimeout(refreshTimer)
    refreshTimer = setTimeout(refreshRoom, 200)
  }

  function gone(text) {
    title.textContent = 'Room unavailable'
    subtitle.textContent = ''
    if (conv) conv.composer.setBlock({ kind: 'error', text })
    else body.replaceChildren(h('p', { class: 'empty-state' }, text, ' ', h('a', { href: '/rooms' }, 'Browse rooms')))
  }

  function openConversation() {
    conv = createConversation({
      key,
      base: `/rooms/${id}`,
      label: room.name,
      belongs: (m) => m.room_id === id,
      typingFrom: (d) => (d.room_id === id ? d.user_id : null),
      canDelete: (m) => m.author_id === state.me.id || rankIn(room, state.me.id) >= 1,
      canReport: (m) => m.author_id !== state.me.id,
      onService,
      focusId: Number(new URLSearchParams(location.search).get('m')) || null,
      mentionCandidates: async () => (await get(`/rooms/${id}/members?limit=200`)).items.map((i) => rememberUser(i.user)),
    })
    panel = createMembersPanel({ room: () => room, rank: (uid) => rankIn(room, uid), onChange: refreshSoon, button: membersBtn })
    body.replaceChildren(conv.el, panel.el)
    focusWhenReady(conv.composer.input)
    paintStanding()
    conv.load().catch(() => {})
  }

  function onService(m) {
    const s = m.service
    refreshSoon()
    panel?.refreshSoon()
    if (s.user_id !== state.me.id) return
    const by = displayName(state.users.get(s.actor_id))
    if (s.type === 'silenced') {
      standing.by = by
      standing.reason = s.reason ?? null
      // Show it at once; the room reload confirms it.
      conv.composer.setBlock(silencedBlock(s.until, by, s.reason))
    } else if (s.type === 'kicked' || s.type === 'banned') {
      standing.removed = `You were ${s.type === 'kicked' ? 'removed from' : 'banned from'} this room by ${by}${s.reason ? ` (“${s.reason}”)` : ''}.`
      room.joined = false
      conv.composer.setBlock({ kind: 'error', text: standing.removed })
    }
  }

  function showJoin() {
    const error = h('p', { class: 'form-error', role: 'alert' })
    const pwId = uid('room-pw')
    const pw = room.is_private ? h('input', { id: pwId, type: 'password', required: true, autocomplete: 'off' }) : null
    const form = h(
      'form',
      { class: 'join-card stack' },
      h('h2', {}, room.name),
      room.topic ? h('p', {}, room.topic) : null,
      h('p', { class: 'muted' }, `${room.member_count} of ${plural(room.max_users, 'member')}${room.is_private ? ' · private room' : ''}`),
      pw ? h('div', { class: 'field' }, h('label', { for: pwId }, 'Room password'), pw) : null,
      error,
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-autofocus': '' }, 'Join room'),
    )
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault()
      error.textContent = ''
      try {
        room = (await post(`/rooms/${id}/join`, pw ? { password: pw.value } : undefined)).room
        emit('chats.reload')
        paintHeader()
        openConversation()
        conv.composer.focus()
      } catch (err) {
        error.textContent =
          err.code === 'wrong_password' ? 'That password is not right.' : err.code === 'banned' ? 'You are banned from this room.' : err.code === 'room_full' ? 'This room is full.' : err.message
      }
    })
    body.replaceChildren(h('div', { class: 'join-wrap' }, form))
    ;(pw ?? form.querySelector('button')).focus()
  }

  async function leave() {
    if (!(await confirmDialog(`Leave ${room.name}?`, 'You can join again later, unless it is private and you forget the password.', 'Leave'))) return
    try {
      await post(`/rooms/${id}/leave`)
      emit('chats.reload')
      navigate('/')
    } catch (err) {
      toast(err.message, 'error')
    }
  }

  async function settings() {
    const remove = h('button', { type: 'button', class: 'btn btn-danger', onClick: () => deleteRoom() }, 'Delete room…')
    await formDialog({
      title: 'Room settings',
      fields: [
        { name: 'name', label: 'Name', value: room.name, required: true, attrs: { maxlength: 100 } },
        { name: 'topic', label: 'Topic', value: room.topic ?? '', attrs: { maxlength: 500 } },
        { name: 'password', label: 'New password', type: 'password', hint: 'Leave empty to keep the current setting.', attrs: { autocomplete: 'new-password' } },
        { name: 'open', label: 'Password', options: [['keep', room.is_private ? 'Keep it private' : 'Keep it open'], ['clear', 'Remove the password (open room)']], value: 'keep' },
        { name: 'max_users', label: 'Maximum members', type: 'number', value: room.max_users, attrs: { min: 2, max: 10000 } },
      ],
      extra: h('div', { class: 'row' }, remove),
      submitLabel: 'Save',
      onSubmit: async (v) => {
        const body = { name: v.name.trim(), topic: v.topic.trim(), max_users: Number(v.max_users) }
        if (v.password) body.password = v.password
        else if (v.open === 'clear') body.password = null
        room = { ...room, ...(await patch(`/rooms/${id}`, body)).room }
        paintHeader()
      },
    })
  }

  async function deleteRoom() {
    if (!(await confirmDialog(`Delete ${room.name}?`, 'The room and its history are removed for everyone.', 'Delete room'))) return
    try {
      await del(`/rooms/${id}`)
      document.querySelector('dialog[open]')?.close()
      navigate('/')
    } catch (err) {
      toast(err.message, 'error')
    }
  }

  offs.push(
    on('room.updated', (d) => {
      if (d.room?.id === id && room) {
        room = { ...room, ...d.room }
        paintHeader()
      }
    }),
    on('room.deleted', (d) => d.room_id === id && gone('This room was deleted.')),
    on('chat.cleared', (d) => d.room_id === id && conv?.removeUpTo(d.up_to)),
  )

  ;(async () => {
    try {
      room = (await get(`/rooms/${id}`)).room
    } catch (err) {
      return gone(err.status === 404 ? 'There is no such room, or it was deleted.' : err.message)
    }
    paintHeader()
    if (room.joined) openConversation()
    else showJoin()
  })()

  return () => {
    for (const off of offs) off()
    conv?.destroy()
    panel?.destroy()
    clearTimeout(liftTimer)
    clearTimeout(refreshTimer)
    if (state.openChat === key) state.openChat = null
    setTitle(null)
  }
}
