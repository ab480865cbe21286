// The room directory: search, browse by activity, join (with a password for private rooms), create.
import { get, post, qs } from '../api.js'
import { icon } from '../icons.js'
import { formDialog, h, plural, roomAvatar, timeEl, uid } from '../dom.js'
import { navigate } from '../router.js'
import { emit, on } from '../store.js'

// 40: the API's default page; enough to fill a screen.
const PER_PAGE = 40

export function mountDirectory(el) {
  const searchId = uid('room-q')
  const sortId = uid('room-sort')
  const q = h('input', { id: searchId, type: 'search', placeholder: 'Search rooms by name', autocomplete: 'off', 'data-autofocus': '' })
  const sort = h(
    'select',
    { id: sortId },
    [
      ['-activity', 'Most active'],
      ['-members', 'Most members'],
      ['name', 'Name'],
      ['-created_at', 'Newest'],
    ].map(([v, l]) => h('option', { value: v }, l)),
  )
  const list = h('ul', { class: 'room-list', 'aria-label': 'Rooms' })
  const status = h('p', { class: 'muted', role: 'status' })
  const more = h('button', { type: 'button', class: 'btn', hidden: true, onClick: () => load(page + 1) }, 'Show more rooms')
  el.append(
    h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('a', { class: 'back-link', href: '/', 'aria-label': 'Back to chats' }, '‹'), h('h1', { tabindex: '-1' }, 'Rooms'), h('button', { type: 'button', class: 'btn btn-primary', onClick: create }, 'Create room')),
      h('div', { class: 'filters' }, h('div', { class: 'field grow' }, h('label', { for: searchId }, 'Search'), q), h('div', { class: 'field' }, h('label', { for: sortId }, 'Sort by'), sort)),
      status,
      list,
      more,
    ),
  )

  let page = 1
  let seq = 0
  async function load(p = 1) {
    const mine = ++seq
    status.textContent = 'Loading rooms…'
    try {
      const data = await get(`/rooms${qs({ q: q.value.trim(), page: p, per_page: PER_PAGE, sort: sort.value })}`)
      if (mine !== seq) return
      page = p
      const rows = data.rooms.map(roomRow)
      if (p === 1) list.replaceChildren(...rows)
      else list.append(...rows)
      more.hidden = page * PER_PAGE >= data.total
      status.textContent = data.total === 0 ? (q.value.trim() ? 'No room matches that search.' : 'No rooms yet. Create the first one!') : plural(data.total, 'room')
    } catch (err) {
      if (mine === seq) status.textContent = `Could not load rooms: ${err.message}`
    }
  }

  function roomRow(room) {
    return h(
      'li',
      { class: 'room-row' },
      roomAvatar(room.id),
      h(
        'div',
        { class: 'room-main' },
        h('a', { class: 'room-name', href: `/room/${room.id}` }, room.name, room.is_private ? h('span', { class: 'lock', title: 'Private room' }, ' ', icon('lock', 14), h('span', { class: 'sr-only' }, ' (private)')) : null),
        room.topic ? h('p', { class: 'muted room-topic' }, room.topic) : null,
        h('p', { class: 'room-meta muted' }, `${room.member_count}/${plural(room.max_users, 'member')} · active `, timeEl(room.last_activity_at)),
      ),
      room.joined ? h('a', { class: 'btn btn-small', href: `/room/${room.id}` }, 'Open') : h('button', { type: 'button', class: 'btn btn-small btn-primary', onClick: () => join(room) }, 'Join'),
    )
  }

  async function join(room) {
    if (room.is_private) {
      const ok = await formDialog({
        title: `Join ${room.name}`,
        intro: 'This room is private. Ask its members for the password.',
        fields: [{ name: 'password', label: 'Room password', type: 'password', required: true, attrs: { autocomplete: 'off' } }],
        submitLabel: 'Join',
        onSubmit: async ({ password }) => joinWith(room, { password }),
      })
      if (ok) navigate(`/room/${room.id}`)
      return
    }
    try {
      await joinWith(room)
      navigate(`/room/${room.id}`)
    } catch (err) {
      status.textContent = err.message
    }
  }

  async function joinWith(room, body) {
    try {
      await post(`/rooms/${room.id}/join`, body)
      emit('chats.reload')
    } catch (err) {
      if (err.code === 'wrong_password') throw new Error('That password is not right.')
      if (err.code === 'banned') throw new Error('You are banned from this room.')
      if (err.code === 'room_full') throw new Error('This room is full.')
      throw err
    }
  }

  async function create() {
    const room = await formDialog({
      title: 'Create a room',
      fields: [
        { name: 'name', label: 'Name', required: true, attrs: { maxlength: 100 } },
        { name: 'topic', label: 'Topic (optional)', attrs: { maxlength: 500 } },
        { name: 'password', label: 'Password (optional)', type: 'password', hint: 'With a password the room is private: people need it to join.', attrs: { autocomplete: 'new-password' } },
        { name: 'max_users', label: 'Maximum members', type: 'number', value: 255, attrs: { min: 2, max: 10000 } },
      ],
      submitLabel: 'Create',
      onSubmit: async (v) => {
        const body = { name: v.name.trim(), max_users: Number(v.max_users) || 255 }
        if (v.topic.trim()) body.topic = v.topic.trim()
        if (v.password) body.password = v.password
        return (await post('/rooms', body)).room
      },
    })
    if (room) {
      emit('chats.reload')
      navigate(`/room/${room.id}`)
    }
  }

  let timer = null
  q.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(() => load(1), 250)
  })
  sort.addEventListener('change', () => load(1))
  const offs = [on('room.created', () => load(1)), on('room.deleted', () => load(1))]
  load(1)
  return () => {
    clearTimeout(timer)
    for (const off of offs) off()
  }
}
