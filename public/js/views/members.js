// The members panel of a room: who is here (with presence), roles, and the staff's actions:
// silence for a while, kick, ban, unban, appoint or remove moderators, add a member.
import { del, get, post } from '../api.js'
import { icon } from '../icons.js'
import { avatar, fmtDateTime, formDialog, h, toast, uid } from '../dom.js'
import { displayName, rememberUser, state } from '../store.js'
import { presenceDot } from './chatlist.js'
import { openGiftDialog } from './gifts.js'
import { pickUser } from './userpick.js'

const DURATIONS = [
  [5 * 60_000, '5 minutes'],
  [15 * 60_000, '15 minutes'],
  [60 * 60_000, '1 hour'],
  [24 * 3600_000, '1 day'],
  [7 * 24 * 3600_000, '1 week'],
]

/** createMembersPanel({room: () => room, rank(userId), onChange(), button}) */
export function createMembersPanel({ room, rank, onChange, button }) {
  const panelId = uid('members')
  const heading = h('h2', {}, 'Members')
  const list = h('ul', { class: 'member-list' })
  const banned = h('div', { class: 'banned' })
  const addBtn = h('button', { type: 'button', class: 'btn btn-small', hidden: true, onClick: () => addMember() }, 'Add member')
  const el = h(
    'aside',
    { id: panelId, class: 'panel', hidden: true, 'aria-label': 'Members' },
    h('div', { class: 'panel-head' }, heading, h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close members', onClick: () => toggle(false) }, icon('close', 16))),
    addBtn,
    list,
    banned,
  )
  button.setAttribute('aria-controls', panelId)
  let items = []
  let timer = null

  function toggle(force) {
    const open = force ?? el.hidden
    el.hidden = !open
    button.setAttribute('aria-expanded', String(open))
    if (open) {
      refresh()
      heading.setAttribute('tabindex', '-1')
      heading.focus()
      document.addEventListener('keydown', onEscape)
    } else {
      document.removeEventListener('keydown', onEscape)
      button.focus()
    }
  }

  // Escape closes the panel, unless something on top of it (a dialog, a menu, the composer's reply) used it.
  function onEscape(ev) {
    if (ev.key !== 'Escape' || ev.defaultPrevented || document.querySelector('dialog[open]')) return
    ev.preventDefault()
    toggle(false)
  }

  async function refresh() {
    const r = room()
    try {
      const data = await get(`/rooms/${r.id}/members?limit=200`)
      items = data.items
      for (const it of items) rememberUser(it.user)
      paint()
    } catch (err) {
      list.replaceChildren(h('li', { class: 'muted' }, err.message))
    }
  }

  function paint() {
    const r = room()
    const myRank = rank(state.me.id)
    heading.textContent = `Members (${items.length})`
    addBtn.hidden = myRank < 1
    const order = { admin: 0, moderator: 1, member: 2 }
    const sorted = [...items].sort((a, b) => order[a.role] - order[b.role] || Number(!!b.user.online) - Number(!!a.user.online) || displayName(a.user).localeCompare(displayName(b.user)))
    list.replaceChildren(...sorted.map((it) => memberRow(it, r, myRank)))
    const bannedIds = r.banned ?? []
    banned.replaceChildren(
      ...(bannedIds.length && myRank >= 1
        ? [
            h('h3', {}, 'Banned'),
            h(
              'ul',
              { class: 'member-list' },
              bannedIds.map((id) => h('li', { class: 'member' }, h('span', { class: 'grow', dataset: { uname: id } }, displayName(state.users.get(id))), h('button', { type: 'button', class: 'btn btn-small', onClick: () => act(`Unbanned`, () => del(`/rooms/${r.id}/bans/${id}`)) }, 'Unban'))),
            ),
          ]
        : []),
    )
  }

  function memberRow({ user, role }, r, myRank) {
    const me = user.id === state.me.id
    const until = r.silenced?.[user.id]
    const silenced = until && Date.parse(until) > Date.now()
    const canAct = !me && !user.deleted && myRank >= 1 && myRank > rank(user.id)
    const actionsId = uid('member-actions')
    const actions = h('div', { id: actionsId, class: 'member-actions', hidden: true })
    const toggleBtn = canAct
      ? h('button', {
          type: 'button',
          class: 'btn btn-small',
          'aria-expanded': 'false',
          'aria-controls': actionsId,
          'aria-label': `Moderate ${displayName(user)}`,
          onClick: (ev) => {
            actions.hidden = !actions.hidden
            ev.currentTarget.setAttribute('aria-expanded', String(!actions.hidden))
            if (!actions.hidden) actions.querySelector('button')?.focus()
          },
        }, 'Moderate')
      : null
    if (canAct) {
      const name = displayName(user)
      actions.append(
        silenced
          ? h('button', { type: 'button', class: 'btn btn-small', onClick: () => act(`${name} can speak again`, () => del(`/rooms/${r.id}/silence/${user.id}`)) }, 'Unsilence')
          : h('button', { type: 'button', class: 'btn btn-small', onClick: () => silence(user) }, 'Silence…'),
        h('button', { type: 'button', class: 'btn btn-small', onClick: () => removal(user, 'kick') }, 'Kick…'),
        h('button', { type: 'button', class: 'btn btn-small btn-danger', onClick: () => removal(user, 'ban') }, 'Ban…'),
        r.admin_id === state.me.id
          ? role === 'moderator'
            ? h('button', { type: 'button', class: 'btn btn-small', onClick: () => act(`${name} is no longer a moderator`, () => del(`/rooms/${r.id}/moderators/${user.id}`)) }, 'Remove moderator')
            : h('button', { type: 'button', class: 'btn btn-small', onClick: () => act(`${name} is now a moderator`, () => post(`/rooms/${r.id}/moderators`, { user_id: user.id })) }, 'Make moderator')
          : null,
      )
    }
    return h(
      'li',
      { class: 'member', dataset: { member: user.id } },
      h('span', { class: 'avatar-wrap' }, avatar(user, 32), presenceDot(user)),
      h(
        'span',
        { class: 'member-main' },
        h('a', { href: `/user/${user.id}`, dataset: { uname: user.id } }, displayName(user)),
        role !== 'member' ? h('span', { class: `chip chip-${role}` }, role) : null,
        silenced ? h('span', { class: 'chip chip-warn', title: `until ${fmtDateTime(until)}` }, 'silenced') : null,
        me ? h('span', { class: 'muted' }, ' (you)') : null,
      ),
      h(
        'span',
        { class: 'member-tools' },
        me || user.deleted ? null : h('a', { class: 'btn btn-small btn-ghost', href: `/dm/${user.id}`, 'aria-label': `Message ${displayName(user)}` }, 'Message'),
        me || user.deleted ? null : h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': `Send ${displayName(user)} a gift`, onClick: () => openGiftDialog(user, r.id) }, icon('gift', 16)),
        toggleBtn,
      ),
      actions,
    )
  }

  async function act(done, fn) {
    try {
      await fn()
      toast(done)
      onChange()
      refresh()
    } catch (err) {
      toast(err.message, 'error')
    }
  }

  async function silence(user) {
    const r = room()
    await formDialog({
      title: `Silence ${displayName(user)}`,
      intro: 'They can still read the room, but cannot send until the time runs out.',
      fields: [
        { name: 'duration', label: 'For how long', options: DURATIONS.map(([ms, l]) => [String(ms), l]), value: String(60 * 60_000) },
        { name: 'reason', label: 'Reason (shown to them)', attrs: { maxlength: 500 } },
      ],
      submitLabel: 'Silence',
      onSubmit: async (v) => {
        const body = { user_id: user.id, until: new Date(Date.now() + Number(v.duration)).toISOString() }
        if (v.reason.trim()) body.reason = v.reason.trim()
        await post(`/rooms/${r.id}/silence`, body)
        toast(`${displayName(user)} is silenced`)
        onChange()
        refresh()
      },
    })
  }

  async function removal(user, kind) {
    const r = room()
    await formDialog({
      title: `${kind === 'kick' ? 'Kick' : 'Ban'} ${displayName(user)}`,
      intro: kind === 'kick' ? 'They leave the room now and may join again.' : 'They leave the room and cannot join again until unbanned.',
      fields: [{ name: 'reason', label: 'Reason (shown to them)', attrs: { maxlength: 500 } }],
      submitLabel: kind === 'kick' ? 'Kick' : 'Ban',
      danger: true,
      onSubmit: async (v) => {
        await post(`/rooms/${r.id}/${kind}`, v.reason.trim() ? { user_id: user.id, reason: v.reason.trim() } : { user_id: user.id })
        toast(`${displayName(user)} was ${kind === 'kick' ? 'kicked' : 'banned'}`)
        onChange()
        refresh()
      },
    })
  }

  async function addMember() {
    const r = room()
    const u = await pickUser('Add a member', { exclude: items.map((i) => i.user.id) })
    if (u) act(`${displayName(u)} was added`, () => post(`/rooms/${r.id}/members`, { user_id: u.id }))
  }

  // Load once now: the names and presence of members help the whole room view.
  refresh()
  return {
    el,
    toggle,
    refresh,
    repaint: () => items.length && paint(),
    refreshSoon() {
      clearTimeout(timer)
      timer = setTimeout(refresh, 250)
    },
    destroy() {
      clearTimeout(timer)
      document.removeEventListener('keydown', onEscape)
    },
  }
}
