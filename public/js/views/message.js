// One message in a conversation, and the short text of a message for previews.
import { attachmentLabel, fileEl, isImage } from '../attachments.js'
import { avatar, fmtDateTime, fmtTime, h, timeEl } from '../dom.js'
import { renderBody } from '../format.js'
import { icon } from '../icons.js'
import { onLongPress, openMenu } from '../menu.js'
import { mentionsMe, ownMentionName } from '../mentions.js'
import { navigate } from '../router.js'
import { displayName, loadUser, state } from '../store.js'
import { openReactionPicker, reactionsEl } from './reactions.js'

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

/** previewText as nodes: an author's name fills itself in once the user is loaded. */
export function previewParts(m) {
  if (m.kind === 'user' && m.room_id && m.author_id !== state.me?.id) return [nameEl(m.author_id), ': ', m.text || attachmentLabel(m.attachment)]
  return [previewText(m)]
}

export function previewText(m) {
  if (m.kind === 'service' && m.service) return serviceText(m.service)
  const who = m.author_id === state.me?.id ? 'You: ' : m.room_id ? `${nameOf(m.author_id)}: ` : ''
  const body = m.text || attachmentLabel(m.attachment)
  return who + body
}

/**
 * One message as a list item. Its parts are built by the functions below, one per part (author
 * line with the "edited" mark, reply reference, body or its editor, attachment, reactions,
 * receipt). Every message has one tab stop, its actions button (reactions under it are buttons
 * too); the same menu opens on a long-press (touch) or a right click.
 * ctx: {canDelete(m), canReport(m), onReply(m), onDelete(m), onReport(m), onEdit?(m), onReact?(m, emoji, on),
 *       editor?(m) → the open editor's element or null, find(id), receipt(m), onMediaLoad()}
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
  const menuBtn = h('button', { type: 'button', class: 'icon-btn msg-menu-btn', 'aria-label': `Message actions: ${snippet(m)}`, 'aria-haspopup': 'menu', 'aria-expanded': 'false' }, icon('dots'))
  const showMenu = (at) =>
    openMenu(
      menuBtn,
      [
        { label: 'Reply', onSelect: () => ctx.onReply(m) },
        ctx.onReact && { label: 'Add a reaction…', onSelect: () => openReactionPicker(menuBtn, (emoji) => ctx.onReact(m, emoji, true), at) },
        mine && ctx.onEdit && { label: 'Edit', onSelect: () => ctx.onEdit(m) },
        m.text && { label: 'Copy text', onSelect: () => copyText(m.text) },
        !mine && { label: `View ${displayName(state.users.get(m.author_id))}’s profile`, onSelect: () => navigate(`/user/${m.author_id}`) },
        ctx.canReport(m) && { label: 'Report…', onSelect: () => ctx.onReport(m) },
        ctx.canDelete(m) && { label: 'Delete…', danger: true, onSelect: () => ctx.onDelete(m) },
      ],
      { label: 'Message actions', at },
    )
  menuBtn.addEventListener('click', () => showMenu())
  const li = h(
    'li',
    { class: `msg${mine ? ' mine' : ''}${!mine && mentionsMe(m) ? ' mentions-me' : ''}`, id: `m${m.id}`, dataset: { id: m.id, author: m.author_id } },
    h('a', { class: 'msg-avatar', href: `/user/${m.author_id}`, tabindex: '-1', 'aria-hidden': 'true' }, avatar(author, 32)),
    h(
      'div',
      { class: 'bubble' },
      authorLine(m),
      replyRef(m, ctx),
      ctx.editor?.(m) ?? bodyEl(m),
      m.attachment ? attachmentEl(m.attachment, ctx) : null,
      ctx.onReact ? reactionsEl(m, (emoji, on) => ctx.onReact(m, emoji, on)) : null,
      receiptEl(ctx.receipt?.(m)),
    ),
    h('div', { class: 'msg-actions' }, menuBtn),
  )
  onLongPress(li, showMenu)
  return li
}

/**
 * A message of mine not yet acknowledged (outbox.js): sending, waiting to retry, or refused with
 * the reason and the actions to try again or drop it.
 */
export function renderPending(entry, { onRetry, onDiscard }) {
  const failed = entry.state === 'failed'
  const status = failed
    ? h('span', { class: 'pending-status', role: 'alert' }, `Not sent: ${refusal(entry)}`, ' ', h('button', { type: 'button', class: 'link-btn', onClick: () => onRetry(entry) }, 'Try again'), ' · ', h('button', { type: 'button', class: 'link-btn', onClick: () => onDiscard(entry) }, 'Discard'))
    : h('span', { class: 'pending-status' }, entry.note ?? 'Sending…')
  return h(
    'li',
    { class: `msg mine pending${failed ? ' failed' : ''}`, dataset: { clientId: entry.client_id } },
    h(
      'div',
      { class: 'bubble' },
      entry.payload.text ? h('div', { class: 'text' }, renderBody(entry.payload.text, { mention: ownMentionName() })) : null,
      entry.attachment ? (isImage(entry.attachment) ? h('img', { class: 'attachment', src: entry.attachment.url, alt: 'Attached image' }) : fileEl(entry.attachment)) : null,
      status,
    ),
  )
}

/** Why the server refused a send, in the reader's words (the API's own message otherwise). */
function refusal(entry) {
  const until = entry.details?.until
  if (entry.code === 'silenced') return `you are silenced in this room${until ? ` until ${fmtTime(until)}` : ''}.`
  if (entry.code === 'not_member') return 'you are not a member of this room.'
  if (entry.code === 'banned') return 'you are banned from this room.'
  return entry.note
}

function authorLine(m) {
  return h('div', { class: 'meta' }, nameEl(m.author_id, 'a', { class: 'author', href: `/user/${m.author_id}`, tabindex: '-1' }), timeEl(m.created_at), editedMark(m))
}

function editedMark(m) {
  if (!m.edited_at) return null
  return h('span', { class: 'edited', title: `Edited ${fmtDateTime(m.edited_at)}` }, 'edited')
}

function replyRef(m, ctx) {
  if (!m.reply_to_id) return null
  const replied = ctx.find(m.reply_to_id)
  return h(
    'a',
    { class: 'reply-ref', href: `#m${m.reply_to_id}`, tabindex: '-1', onClick: (ev) => jumpTo(ev, m.reply_to_id) },
    replied ? [nameEl(replied.author_id, 'strong'), ' ', replied.text || attachmentLabel(replied.attachment)] : 'Reply to an earlier message',
  )
}

/** The text, formatted (format.js): the one place a message body becomes DOM nodes. */
function bodyEl(m) {
  return m.text ? h('div', { class: 'text' }, renderBody(m.text, { mention: mentionsMe(m) ? ownMentionName() : null })) : null
}

function receiptEl(receipt) {
  if (!receipt) return null
  const label = receipt === 'read' ? 'Read' : 'Sent'
  return h('span', { class: `receipt ${receipt}`, 'aria-label': label, title: label }, receipt === 'read' ? '✓✓' : '✓')
}

/**
 * Copies to the clipboard. The Clipboard API needs a secure context; a site served over plain
 * http (on a LAN) gets the older selection copy, so text stays copyable where touch screens
 * cannot select it (app.css turns selection off in bubbles there, for the long-press).
 */
function copyText(text) {
  if (navigator.clipboard?.writeText) return navigator.clipboard.writeText(text).catch(() => {})
  const area = h('textarea', { class: 'sr-only', readonly: true, 'aria-hidden': 'true' })
  area.value = text
  const focused = document.activeElement
  document.body.append(area)
  area.select()
  document.execCommand('copy')
  area.remove()
  focused?.focus?.()
}

/** A few words of a message, to tell its actions button from the others'. */
function snippet(m) {
  const text = m.text || attachmentLabel(m.attachment)
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}

function attachmentEl(att, ctx) {
  if (isImage(att)) {
    const img = h('img', { class: 'attachment', src: att.url, alt: 'Attached image', loading: 'lazy', decoding: 'async' })
    img.addEventListener('load', () => ctx.onMediaLoad?.())
    return h('a', { href: att.url, target: '_blank', rel: 'noopener noreferrer', class: 'attachment-link', tabindex: '-1' }, img)
  }
  return fileEl(att)
}

function jumpTo(ev, id) {
  const target = document.getElementById(`m${id}`)
  if (!target) return
  ev.preventDefault()
  target.scrollIntoView({ block: 'center', behavior: 'smooth' })
  target.classList.add('flash')
  setTimeout(() => target.classList.remove('flash'), 1200)
}
