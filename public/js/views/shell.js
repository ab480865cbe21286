// The signed-in layout: top bar, chat list on the side, the routed view in <main>.
import { avatar, h } from '../dom.js'
import { icon } from '../icons.js'
import { displayName, on, state } from '../store.js'
import { mountChatList } from './chatlist.js'

let offs = []

export function renderShell({ signOut }) {
  for (const off of offs) off()
  const app = document.getElementById('app')
  app.removeAttribute('aria-busy')
  const balance = h('a', { class: 'balance', href: '/profile#coins', title: 'Your coins' })
  const staffLink = h('a', { class: 'btn btn-ghost', href: '/complaints' }, 'Complaints')
  const meLink = h('a', { class: 'me-link', href: '/profile' })
  const paintMe = () => {
    const me = state.me
    if (!me) return
    balance.replaceChildren(icon('coin', 16), `${me.balance ?? 0}`, h('span', { class: 'sr-only' }, ' coins'))
    meLink.replaceChildren(avatar(me, 28), h('span', { class: 'me-name' }, displayName(me)))
    meLink.setAttribute('aria-label', `Your profile (${displayName(me)})`)
    staffLink.hidden = !(me.role === 'admin' || (me.created_rooms ?? []).length > 0)
  }
  const topbar = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '/' }, h('img', { src: '/favicon.svg', alt: '', width: 24, height: 24 }), 'Parley'),
    h('nav', { class: 'topnav', 'aria-label': 'Account' }, staffLink, balance, meLink, h('button', { class: 'btn btn-ghost', type: 'button', onClick: () => signOut() }, 'Sign out')),
  )
  const sidebar = h('aside', { id: 'sidebar', class: 'sidebar', 'aria-label': 'Chats' })
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' })
  app.replaceChildren(topbar, h('div', { class: 'layout' }, sidebar, main))
  offs = [on('me', paintMe), mountChatList(sidebar)]
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
      h('div', { class: 'row' }, h('a', { class: 'btn btn-primary', href: '/rooms' }, 'Browse rooms'), h('a', { class: 'btn', href: '/profile' }, 'Edit your profile')),
    ),
  )
}
