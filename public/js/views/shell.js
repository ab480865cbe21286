// The signed-in layout: top bar (connection state, coins, profile, the account menu), the toast
// region, the chat list on the side and the routed view in <main>.
import { avatar, h, plural } from '../dom.js'
import { icon } from '../icons.js'
import { openMenu } from '../menu.js'
import { navigate } from '../router.js'
import { displayName, on, state } from '../store.js'
import { mountChatList } from './chatlist.js'

let offs = []

/** Site admins and room admins (rooms they administer: created_rooms) handle complaints. */
export const handlesComplaints = (me) => me.role === 'admin' || (me.created_rooms ?? []).length > 0

export function renderShell({ signOut }) {
  for (const off of offs) off()
  const app = document.getElementById('app')
  app.removeAttribute('aria-busy')
  const balance = h('a', { class: 'balance', href: '/profile#coins' })
  const meLink = h('a', { class: 'me-link', href: '/profile' })
  // In the top bar, so it shows in every layout (the chat list is hidden while a chat is open on a phone).
  const conn = h('p', { class: 'conn-status', role: 'status', hidden: state.connection !== 'reconnecting' }, h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), 'Reconnecting…')
  const menuBtn = h('button', { type: 'button', class: 'icon-btn menu-btn', 'aria-label': 'Menu', 'aria-haspopup': 'menu', 'aria-expanded': 'false', onClick: () => accountMenu() }, icon('menu', 20))
  const paintMe = () => {
    const me = state.me
    if (!me) return
    balance.replaceChildren(icon('coin', 16), h('span', { 'aria-hidden': 'true' }, `${me.balance ?? 0}`), h('span', { class: 'sr-only' }, plural(me.balance ?? 0, 'coin')))
    balance.title = `You have ${plural(me.balance ?? 0, 'coin')}`
    meLink.replaceChildren(avatar(me, 28), h('span', { class: 'me-name' }, displayName(me)))
    meLink.setAttribute('aria-label', `Your profile (${displayName(me)})`)
  }
  function accountMenu() {
    const me = state.me
    openMenu(
      menuBtn,
      [
        { label: 'Your profile', onSelect: () => navigate('/profile') },
        me.kind !== 'guest' && { label: 'Invite people', onSelect: () => navigate('/invite') },
        handlesComplaints(me) && { label: 'Complaints', onSelect: () => navigate('/complaints') },
        me.role === 'admin' && { label: 'Gift catalogue', onSelect: () => navigate('/gifts') },
        { label: 'Sign out', onSelect: () => signOut() },
      ],
      { label: 'Account' },
    )
  }
  const topbar = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '/', 'aria-label': 'Parley: your chats' }, h('img', { src: '/favicon.svg', alt: '', width: 24, height: 24 }), h('span', { class: 'brand-name' }, 'Parley')),
    conn,
    h('nav', { class: 'topnav', 'aria-label': 'Account' }, balance, meLink, menuBtn),
  )
  const toasts = h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' })
  const sidebar = h('aside', { id: 'sidebar', class: 'sidebar', 'aria-label': 'Chats' })
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' })
  app.replaceChildren(topbar, toasts, h('div', { class: 'layout' }, sidebar, main))
  offs = [on('me', paintMe), on('connection', (s) => (conn.hidden = s !== 'reconnecting')), mountChatList(sidebar)]
  paintMe()
}

/** The home view: on a phone the chat list is the home screen; on a wide screen a welcome. */
export function mountHome(el) {
  el.append(
    h(
      'section',
      { class: 'welcome' },
      h('h1', { tabindex: '-1' }, 'Welcome to Parley'),
      h('p', { class: 'muted' }, 'Pick a chat on the left, or find a room to join.'),
      h('div', { class: 'row wrap center' }, h('a', { class: 'btn btn-primary', href: '/rooms' }, 'Browse rooms'), h('a', { class: 'btn', href: '/profile' }, 'Edit your profile')),
    ),
  )
}
