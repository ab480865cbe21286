// One message in a conversation, and the short text of a message for previews.
import { avatar, fmtTime, h, timeEl } from '../dom.js'
import { icon } from '../icons.js'
import { displayName, loadUser, state } from '../store.js'

/** A name label that fills itself in once the user is loaded (store.rememberUser repaints it). */
export function nameEl(id, tag = 'span', props = {}) {
  const known = state.users.get(id)
  if (!known) loadUser(id).catch(() => {})
  return h(tag, { ...props, dataset: { uname: id } }, known ? displayName(known) : '…')
}

const nameOf = (id) => (id === state.me?.id ? 'You' : displayName(state.users.get(id)))

const you = (position) => (position === 0 ? 'You' : 'you')

/** A service message as sentence parts: strings, and {uid} where a user's name goes. */
function serviceParts(s) {
  const u = { uid: s.user_id }
  const a = { uid: s.actor_id }
  const was = s.user_id === state.me?.id ? ' were' : ' was'
  const until = s.until ? ` until ${fmtTime(s.until)}` : ''
  switch (s.type) {
    case 'joined':
      return [u, ' joined']
    case 'left':
      return [u, ' left']
    case 'kicked':
      return [u, was, ' removed by ', a]
    case 'banned':
      return [u, was, ' banned by ', a]
    case 'unbanned':
      return [u, was, ' unbanned by ', a]
    case 'silenced':
      return [u, was, ' silenced by ', a, until]
    case 'unsilenced':
      return [a, ' lifted the silence on ', u]
    case 'moderator_added':
      return [a, ' made ', u, ' a moderator']
    case 'moderator_removed':
      return [a, ' removed ', u, ' as moderator']
    case 'gift':
      return [a, ' sent ', u, ' a gift']
    default:
      return [String(s.type)]
  }
}

/** Plain text of a service message, for previews and announcements. */
export function serviceText(s) {
  return serviceParts(s)
    .map((p, i) => (typeof p === 'string' ? p : p.uid === state.me?.id ? you(i) : nameOf(p.uid)))
    .join('')
}

function serviceLine(s) {
  return serviceParts(s).map((p, i) => (typeof p === 'string' ? p : p.uid === state.me?.id ? you(i) : nameEl(p.uid)))
}

export function previewText(m) {
  if (m.kind === 'service' && m.service) return serviceText(m.service)
  const who = m.author_id === state.me?.id ? 'You: ' : m.room_id ? `${nameOf(m.author_id)}: ` : ''
  const body = m.text || (m.attachment ? 'Photo' : '')
  return who + body
}

/**
 * ctx: {canDelete(m), canReport(m), onReply(m), onDelete(m), onReport(m), find(id), receipt(m)}
 */
export function renderMessage(m, ctx) {
  if (m.kind === 'service') {
    const s = m.service ?? { type: 'unknown' }
    return h(
      'li',
      { class: 'msg service', id: `m${m.id}`, dataset: { id: m.id } },
      h('p', {}, serviceLine(s), s.reason ? h('span', { class: 'reason' }, ` — “${s.reason}”`) : null, ' ', timeEl(m.created_at)),
    )
  }
  const mine = m.author_id === state.me?.id
  const author = state.users.get(m.author_id) ?? { id: m.author_id }
  const actions = h(
    'div',
    { class: 'msg-actions' },
    h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Reply', title: 'Reply', onClick: () => ctx.onReply(m) }, icon('reply')),
    ctx.canReport(m) ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Report message', title: 'Report', onClick: () => ctx.onReport(m) }, icon('flag')) : null,
    ctx.canDelete(m) ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Delete message', title: 'Delete', onClick: () => ctx.onDelete(m) }, icon('trash')) : null,
  )
  const replied = m.reply_to_id ? ctx.find(m.reply_to_id) : null
  const replyRef = m.reply_to_id
    ? h(
        'a',
        { class: 'reply-ref', href: `#m${m.reply_to_id}`, onClick: (ev) => jumpTo(ev, m.reply_to_id) },
        replied ? [nameEl(replied.author_id, 'strong'), ' ', replied.text ?? (replied.attachment ? 'Photo' : '')] : 'Reply to an earlier message',
      )
    : null
  const receipt = ctx.receipt?.(m)
  return h(
    'li',
    { class: `msg${mine ? ' mine' : ''}`, id: `m${m.id}`, dataset: { id: m.id, author: m.author_id } },
    h('a', { class: 'msg-avatar', href: `/user/${m.author_id}`, tabindex: '-1', 'aria-hidden': 'true' }, avatar(author, 32)),
    h(
      'div',
      { class: 'bubble' },
      h('div', { class: 'meta' }, nameEl(m.author_id, 'a', { class: 'author', href: `/user/${m.author_id}` }), timeEl(m.created_at)),
      replyRef,
      m.text ? h('p', { class: 'text' }, m.text) : null,
      m.attachment ? attachmentEl(m.attachment, ctx) : null,
      receipt ? h('span', { class: `receipt ${receipt}`, 'aria-label': receipt === 'read' ? 'Read' : 'Sent', title: receipt === 'read' ? 'Read' : 'Sent' }, receipt === 'read' ? '✓✓' : '✓') : null,
    ),
    actions,
  )
}

function attachmentEl(att, ctx) {
  if (att.content_type?.startsWith('image/')) {
    const img = h('img', { class: 'attachment', src: att.url, alt: 'Attached image', loading: 'lazy', decoding: 'async' })
    img.addEventListener('load', () => ctx.onMediaLoad?.())
    return h('a', { href: att.url, target: '_blank', rel: 'noopener', class: 'attachment-link' }, img)
  }
  return h('a', { href: att.url, target: '_blank', rel: 'noopener' }, 'Attachment')
}

function jumpTo(ev, id) {
  const target = document.getElementById(`m${id}`)
  if (!target) return
  ev.preventDefault()
  target.scrollIntoView({ block: 'center', behavior: 'smooth' })
  target.classList.add('flash')
  setTimeout(() => target.classList.remove('flash'), 1200)
}
