// Someone's public profile: photo, presence, gifts received; message, call or send a gift.
import { get, qs } from '../api.js'
import { icon } from '../icons.js'
import { avatar, fmtTime, h, timeEl } from '../dom.js'
import { displayName, loadUser, state } from '../store.js'
import { startCall } from './call.js'
import { presenceDot } from './chatlist.js'
import { openGiftDialog } from './gifts.js'

export function mountUser(el, idText) {
  const id = Number(idText)
  const head = h('h1', { tabindex: '-1' }, 'Profile')
  const body = h('div', { class: 'cards' })
  el.append(h('section', { class: 'page' }, h('div', { class: 'page-head' }, h('a', { class: 'back-link', href: '/', 'aria-label': 'Back to chats' }, '‹'), head), body))
  // Fetch fresh (not from the cache): the profile page shows the latest.
  get(`/users/${id}`)
    .then((d) => paint(d.user))
    .catch(() => loadUser(id).then(paint, (err) => body.replaceChildren(h('p', {}, err.message))))

  function paint(u) {
    state.users.set(u.id, { ...(state.users.get(u.id) ?? {}), ...u })
    head.textContent = displayName(u)
    if (u.deleted) return body.replaceChildren(h('p', { class: 'card' }, 'This account was deleted.'))
    const me = u.id === state.me.id
    const facts = [
      ['Status', u.online ? 'Online' : u.last_seen ? `Last seen ${fmtTime(u.last_seen)}` : 'Offline'],
      u.username ? ['Username', `@${u.username}`] : null,
      u.kind === 'guest' ? ['Account', 'Guest'] : null,
      u.location ? ['Location', u.location] : null,
      ['Member since', new Date(u.created_at).toLocaleDateString()],
    ].filter(Boolean)
    body.replaceChildren(
      h(
        'section',
        { class: 'card profile-card' },
        h('span', { class: 'avatar-wrap big' }, avatar(u, 96), presenceDot(u)),
        h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
        me
          ? h('a', { class: 'btn', href: '/profile' }, 'Edit your profile')
          : h(
              'div',
              { class: 'row wrap' },
              h('a', { class: 'btn btn-primary', href: `/dm/${u.id}` }, 'Message'),
              h('button', { type: 'button', class: 'btn', onClick: () => startCall(u) }, 'Call'),
              h('button', { type: 'button', class: 'btn', onClick: () => openGiftDialog(u) }, 'Send a gift'),
            ),
      ),
      h('section', { class: 'card stack' }, h('h2', {}, 'Gifts received'), giftList(u.id)),
    )
  }
}

/** The gifts a user received, newest first. */
export function giftList(userId) {
  const list = h('ul', { class: 'gift-list' }, h('li', { class: 'muted' }, 'Loading…'))
  get(`/users/${userId}/gifts${qs({ limit: 50 })}`)
    .then((data) => {
      const items = data.items ?? []
      if (!items.length) return list.replaceChildren(h('li', { class: 'muted' }, 'No gifts yet.'))
      list.replaceChildren(
        ...items.map((g) => {
          const from = h('span', { dataset: { uname: g.from_id } }, displayName(state.users.get(g.from_id)))
          if (!state.users.has(g.from_id)) loadUser(g.from_id).catch(() => {})
          return h(
            'li',
            { class: 'gift-item' },
            g.gift?.image_url ? h('img', { src: g.gift.image_url, alt: '', width: 40, height: 40 }) : h('span', { class: 'gift-emoji' }, icon('gift', 32)),
            h('span', { class: 'grow' }, h('strong', {}, g.gift?.name ?? 'Gift'), ' from ', from, g.text ? h('span', { class: 'muted' }, ` — “${g.text}”`) : null),
            timeEl(g.created_at),
          )
        }),
      )
    })
    .catch((err) => list.replaceChildren(h('li', { class: 'muted' }, `Gifts unavailable: ${err.message}`)))
  return list
}
