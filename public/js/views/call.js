// One-to-one calls over WebRTC (API.md §9): the server relays offer, answer and ICE candidates
// through /api/calls and call.* poll events; media flows peer to peer.
import { post } from '../api.js'
import { h, toast } from '../dom.js'
import { displayName, loadUser, on } from '../store.js'

// No STUN/TURN by default: peers on one network connect through host candidates. A deployment
// serving people behind different NATs adds its STUN/TURN servers here.
const ICE_SERVERS = []
// 50 ms: local candidates arrive in bursts; one POST per burst.
const CANDIDATE_BATCH_MS = 50

const STATE_TEXT = {
  calling: 'Calling…',
  ringing: 'Incoming call',
  new: 'Connecting…',
  connecting: 'Connecting…',
  connected: 'Connected',
  disconnected: 'Connection lost, retrying…',
  failed: 'Connection failed',
  closed: 'Call ended',
}

let call = null

export function mountCalls() {
  const offs = [
    on('call.offer', onOffer),
    on('call.answer', onAnswer),
    on('call.candidates', onCandidates),
    on('call.ended', (d) => {
      if (call && d.call?.id === call.id) finish(d.reason ? `Call ended (${d.reason})` : 'Call ended', false)
    }),
  ]
  return () => {
    for (const off of offs) off()
    if (call) finish('Call ended', true)
  }
}

export async function startCall(peer) {
  if (!peer) return
  if (call) return toast('You are already in a call.')
  call = newCall(peer, 'caller')
  paint('calling')
  try {
    await attachMedia()
    const pc = call.pc
    await pc.setLocalDescription(await pc.createOffer())
    const data = await post('/calls', { user_id: peer.id, sdp: pc.localDescription.sdp, candidates: takeCandidates().slice(0, 32) })
    if (!call) return
    call.id = data.call.id
    flushCandidates()
  } catch (err) {
    toast(`Could not call: ${err.message}`, 'error')
    finish(null, true)
  }
}

function newCall(peer, role) {
  const c = { id: null, peer, role, pc: null, local: null, outbox: [], timer: null, remoteQueue: [], ui: null, offer: null }
  c.ui = callUi(c)
  return c
}

async function attachMedia() {
  const pc = new RTCPeerConnection({ iceServers: ICE_SERVERS })
  call.pc = pc
  call.local = await media()
  if (call.local) {
    for (const t of call.local.getTracks()) pc.addTrack(t, call.local)
    call.ui.local.srcObject = call.local
  } else {
    pc.addTransceiver('audio', { direction: 'recvonly' })
    pc.addTransceiver('video', { direction: 'recvonly' })
  }
  pc.addEventListener('icecandidate', (ev) => {
    if (!ev.candidate || !ev.candidate.candidate) return
    call?.outbox.push(ev.candidate.toJSON())
    scheduleFlush()
  })
  pc.addEventListener('track', (ev) => {
    if (call) call.ui.remote.srcObject = ev.streams[0] ?? new MediaStream([ev.track])
  })
  pc.addEventListener('connectionstatechange', () => call?.pc === pc && paint(pc.connectionState))
}

/** Camera and microphone, else microphone only, else nothing (receive only). */
async function media() {
  for (const constraints of [{ audio: true, video: true }, { audio: true }]) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints)
    } catch {
      /* try the next */
    }
  }
  return null
}

function takeCandidates() {
  const out = call.outbox
  call.outbox = []
  return out
}

function scheduleFlush() {
  if (!call?.id || call.timer) return
  call.timer = setTimeout(flushCandidates, CANDIDATE_BATCH_MS)
}

function flushCandidates() {
  if (!call?.id) return
  call.timer = null
  const candidates = takeCandidates()
  // 32: the API's cap on candidates per request.
  for (let i = 0; i < candidates.length; i += 32) {
    post(`/calls/${call.id}/candidates`, { candidates: candidates.slice(i, i + 32) }).catch((err) => console.warn('candidates not sent', err))
  }
}

// The API accepts a candidate as RTCIceCandidateInit or as its bare line.
const asInit = (c) => (typeof c === 'string' ? { candidate: c, sdpMLineIndex: 0 } : c)

async function addRemoteCandidates(list) {
  for (const raw of list ?? []) {
    const c = asInit(raw)
    if (!call.pc?.remoteDescription) call.remoteQueue.push(c)
    else await call.pc.addIceCandidate(c).catch((err) => console.warn('bad candidate', err))
  }
}

async function onOffer(d) {
  if (call) {
    // Busy: decline the second caller.
    if (d.call.id !== call.id) post(`/calls/${d.call.id}/end`, { reason: 'busy' }).catch(() => {})
    return
  }
  const peer = await loadUser(d.call.caller_id).catch(() => ({ id: d.call.caller_id }))
  call = newCall(peer, 'callee')
  call.id = d.call.id
  call.offer = d
  paint('ringing')
  call.ui.accept.focus()
}

async function accept() {
  const c = call
  paint('connecting')
  try {
    await attachMedia()
    await c.pc.setRemoteDescription({ type: 'offer', sdp: c.offer.sdp })
    await addRemoteCandidates(c.remoteQueue.splice(0).concat(c.offer.candidates ?? []))
    await c.pc.setLocalDescription(await c.pc.createAnswer())
    await post(`/calls/${c.id}/answer`, { sdp: c.pc.localDescription.sdp, candidates: takeCandidates().slice(0, 32) })
    flushCandidates()
  } catch (err) {
    toast(`Could not answer: ${err.message}`, 'error')
    finish(null, true)
  }
}

async function onAnswer(d) {
  if (!call || d.call.id !== call.id || call.role !== 'caller') return
  await call.pc.setRemoteDescription({ type: 'answer', sdp: d.sdp })
  await addRemoteCandidates(call.remoteQueue.splice(0).concat(d.candidates ?? []))
  paint(call.pc.connectionState)
}

async function onCandidates(d) {
  if (!call || d.call.id !== call.id) return
  if (!call.pc) call.remoteQueue.push(...(d.candidates ?? []))
  else await addRemoteCandidates(d.candidates)
}

/** Ends the call locally; tells the server when this side hangs up. */
function finish(message, tellServer, reason = 'hangup') {
  const c = call
  if (!c) return
  call = null
  clearTimeout(c.timer)
  if (tellServer && c.id) post(`/calls/${c.id}/end`, { reason }).catch(() => {})
  c.pc?.close()
  for (const t of c.local?.getTracks() ?? []) t.stop()
  c.ui.state.dataset.state = 'closed'
  c.ui.state.textContent = message ?? 'Call ended'
  c.ui.actions.replaceChildren()
  setTimeout(() => c.ui.root.remove(), 1500)
  if (message) toast(message)
}

function paint(s) {
  if (!call) return
  const ui = call.ui
  ui.state.dataset.state = s
  ui.state.textContent = STATE_TEXT[s] ?? s
  ui.root.dataset.state = s
  const name = displayName(call.peer)
  ui.title.textContent = s === 'ringing' ? `${name} is calling` : s === 'calling' ? `Calling ${name}` : `Call with ${name}`
  if (s === 'ringing') ui.actions.replaceChildren(ui.accept, ui.decline)
  else ui.actions.replaceChildren(ui.mute, ui.hangup)
}

function callUi(c) {
  const name = displayName(c.peer)
  const state_ = h('p', { id: 'call-state', class: 'call-state', role: 'status', 'aria-live': 'polite' })
  const remote = h('video', { class: 'call-remote', autoplay: true, playsInline: true, 'aria-label': `${name}'s video` })
  const local = h('video', { class: 'call-local', autoplay: true, playsInline: true, muted: true, 'aria-label': 'Your video' })
  const accept = h('button', { type: 'button', class: 'btn btn-primary', onClick: () => accept_() }, 'Accept')
  const decline = h('button', { type: 'button', class: 'btn btn-danger', onClick: () => finish('Call declined', true, 'declined') }, 'Decline')
  const hangup = h('button', { type: 'button', class: 'btn btn-danger', onClick: () => finish('Call ended', true) }, 'Hang up')
  const mute = h('button', {
    type: 'button',
    class: 'btn',
    'aria-pressed': 'false',
    onClick: () => {
      const tracks = c.local?.getAudioTracks() ?? []
      const muted = mute.getAttribute('aria-pressed') !== 'true'
      for (const t of tracks) t.enabled = !muted
      mute.setAttribute('aria-pressed', String(muted))
      mute.textContent = muted ? 'Unmute' : 'Mute'
    },
  }, 'Mute')
  const actions = h('div', { class: 'row center' })
  const title = h('h2', {})
  const root = h(
    'section',
    { class: 'call', role: 'dialog', 'aria-label': `Call with ${name}` },
    title,
    state_,
    h('div', { class: 'call-videos' }, remote, local),
    actions,
  )
  document.getElementById('call-root')?.append(root)
  return { root, title, state: state_, remote, local, accept, decline, hangup, mute, actions }
}

function accept_() {
  if (call?.role === 'callee') accept()
}

