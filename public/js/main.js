// Boot: find out who is signed in, then run the app on the poll loop (API.md §10).
import { get, post, setSessionGoneHandler } from './api.js'
import { h, toast } from './dom.js'
import { maybeNotify } from './notify.js'
import { startOutbox, stopOutbox } from './outbox.js'
import { startPolling } from './poll.js'
import * as router from './router.js'
import { displayName, emit, loadUser, paintPresence, rememberUser, setChats, setMe, state } from './store.js'
import { setTitle, setUnread } from './title.js'
import { showAuth, showReset } from './views/auth.js'
import { mountCalls } from './views/call.js'
import { mountDialog } from './views/dm.js'
import { mountRoom } from './views/room.js'
import { mountComplaints } from './views/complaints.js'
import { mountDirectory } from './views/directory.js'
import { mountGiftCatalogue } from './views/gift-catalogue.js'
import { mountInvites } from './views/invites.js'
import { mountProfile } from './views/profile.js'
import { mountSearch } from './views/search.js'
import { renderShell, mountHome } from './views/shell.js'
import { mountUser } from './views/user.js'

router.route(/^\/$/, 'home', mountHome)
router.route(/^\/rooms$/, 'rooms', mountDirectory)
router.route(/^\/room\/(\d+)$/, 'room', mountRoom)
router.route(/^\/dm\/(\d+)$/, 'dm', mountDialog)
router.route(/^\/profile$/, 'profile', mountProfile)
router.route(/^\/user\/(\d+)$/, 'user', mountUser)
router.route(/^\/complaints$/, 'complaints', mountComplaints)
router.route(/^\/invite$/, 'invite', mountInvites)
router.route(/^\/gifts$/, 'gifts', mountGiftCatalogue)
router.route(/^\/search$/, 'search', mountSearch)
router.interceptLinks()

let stopPolling = null
let stopCalls = null
let screen = 'boot' // 'boot' | 'reset' | 'auth' | 'app'

async function boot() {
  setSessionGoneHandler(() => signedOut())
  if (location.pathname === '/reset-password') {
    screen = 'reset'
    return showReset(() => boot())
  }
  try {
    setMe((await get('/me')).user)
  } catch (err) {
    if (err.status === 401) return signedOut()
    return showFatal(err)
  }
  startApp()
}

function startApp() {
  screen = 'app'
  renderShell({ signOut })
  startOutbox(state.me.id)
  stopCalls = mountCalls()
  stopPolling = startPolling({
    loadState,
    onEvents,
    onSignedOut: () => signedOut(),
    onStatus: (s) => {
      state.connection = s
      emit('connection', s)
    },
  })
}

/** Everything on screen, loaded after the cursor was taken: so nothing between is missed. */
async function loadState() {
  const [me, chats] = await Promise.all([get('/me'), get('/chats?limit=200').catch(tolerate)])
  setMe(me.user)
  if (chats) setChats(chats.items)
  router.render()
}

/** A failed side request should not stop the app; a network failure should retry the load. */
function tolerate(err) {
  if (err.status === 0 || err.status === 401) throw err
  console.warn('could not load', err)
  return null
}

function onEvents(events) {
  for (const ev of events) {
    try {
      applyGlobal(ev)
      emit(ev.type, ev.data)
    } catch (err) {
      console.error('event', ev.type, err)
    }
  }
}

function applyGlobal({ type, data }) {
  if (type === 'presence') {
    const known = state.users.get(data.user_id)
    if (known) rememberUser({ id: data.user_id, online: data.online, last_seen: data.last_seen })
    else paintPresence({ id: data.user_id, online: data.online })
  } else if (type === 'user.updated') {
    // Own sessions get the private view; people sharing a room or dialog get the public one.
    if (data.user.id === state.me.id) setMe({ ...state.me, ...data.user })
    else rememberUser(data.user)
  } else if (type === 'balance.changed') {
    setMe({ ...state.me, balance: data.balance })
  } else if (type === 'gift.received') {
    const g = data.sent_gift
    loadUser(g.from_id).then((u) => toast(`${displayName(u)} sent you a gift: ${g.gift?.name ?? 'a gift'}${g.text ? ` — “${g.text}”` : ''}`))
  } else if (type === 'message.created' && data.message.author_id) {
    const m = data.message
    if (!state.users.has(m.author_id)) loadUser(m.author_id).catch(() => {})
    maybeNotify(m)
  } else if (type === 'room.created' || type === 'room.updated') {
    // Rooms one administers (created_rooms) decide whether the Complaints screen is offered.
    adminOf(data.room.id, data.room.admin_id === state.me.id)
  } else if (type === 'room.deleted') {
    adminOf(data.room_id, false)
  }
}

function adminOf(roomId, yes) {
  const rooms = state.me.created_rooms ?? []
  if (rooms.includes(roomId) === yes) return
  setMe({ ...state.me, created_rooms: yes ? [...rooms, roomId] : rooms.filter((id) => id !== roomId) })
}

async function signOut(all = false) {
  try {
    await post('/auth/logout', all ? { all: true } : {})
  } catch (err) {
    if (err.status !== 401) return toast(err.message, 'error')
  }
  signedOut()
}

function signedOut() {
  // Several requests may find the session gone at once; show the sign-in screen once.
  if (screen === 'auth') return
  screen = 'auth'
  stopPolling?.()
  stopCalls?.()
  stopOutbox()
  stopPolling = stopCalls = null
  setUnread(0)
  setTitle(null)
  router.unmount()
  state.me = null
  state.users.clear()
  state.chats = []
  state.openChat = null
  showAuth(() => boot())
}

function showFatal(err) {
  const app = document.getElementById('app')
  app.removeAttribute('aria-busy')
  app.replaceChildren(
    h('div', { class: 'center-card' }, h('h1', {}, 'Parley is unreachable'), h('p', { class: 'muted' }, err.message), h('button', { class: 'btn btn-primary', onClick: () => boot() }, 'Try again')),
  )
}

boot()
