// The message composer: text, one image attachment, a reply target, and the reason a send
// cannot happen (silenced, not a member). Enter sends, Shift+Enter starts a new line.
// Sending hands the message to the outbox (outbox.js) and clears the box at once, so what is typed
// next is never touched by the send before it; the text being written is kept as the chat's draft.
import { upload } from '../api.js'
import { attachmentLabel, fmtSize, isImage } from '../attachments.js'
import { icon } from '../icons.js'
import { clientId, fmtTime, h, uid } from '../dom.js'
import { loadDraft, saveDraft } from '../drafts.js'
import { displayName, state } from '../store.js'
import { attachMentionComplete } from './mention-complete.js'

// 3 s: the server sends at most one typing event per user per 3 s anyway.
const TYPING_EVERY_MS = 3000

/**
 * createComposer({chat, send, typing, label, mentionCandidates?, onEditLast?}) → {el, input, setReply, setBlock, focus}
 * send(payload, attachment): queues {text?, attachment_id?, reply_to_id?, client_id}; attachment
 * is {url, name, size, content_type, is_image} for the pending preview, or null. mentionCandidates(): a promise of the users @ offers.
 * onEditLast(): Up in an empty box edits the reader's last message; true when there was one.
 */
export function createComposer({ chat, send, typing, label = 'Message', mentionCandidates, onEditLast }) {
  const textId = uid('compose')
  const fileId = uid('attach')
  let reply = null
  let attachment = null // {id, url} once uploaded
  let block = null
  let lastTyping = 0
  let uploads = 0 // the latest upload started

  const text = h('textarea', { id: textId, rows: 1, placeholder: 'Write a message…', maxlength: 4000, autocomplete: 'off', 'data-autofocus': '' })
  const file = h('input', { id: fileId, type: 'file', class: 'sr-only' })
  const sendBtn = h('button', { type: 'submit', class: 'btn btn-primary send-btn' }, 'Send')
  const notice = h('p', { class: 'composer-notice', role: 'status', hidden: true })
  const replyBox = h('div', { class: 'composer-reply', hidden: true })
  const attachBox = h('div', { class: 'composer-attach', hidden: true })
  const complete = mentionCandidates ? attachMentionComplete(text, mentionCandidates) : null
  const form = h(
    'form',
    { class: 'composer', 'aria-label': 'Send a message' },
    replyBox,
    attachBox,
    notice,
    complete?.el,
    h(
      'div',
      { class: 'composer-row' },
      h('label', { class: 'icon-btn attach-btn', for: fileId, title: 'Attach a file' }, icon('clip', 20), h('span', { class: 'sr-only' }, 'Attach a file')),
      file,
      h('label', { class: 'sr-only', for: textId }, label),
      text,
      sendBtn,
    ),
  )

  const showNotice = (msg, kind = 'info') => {
    notice.hidden = !msg
    notice.textContent = msg ?? ''
    notice.dataset.kind = kind
  }
  const refreshSend = () => {
    sendBtn.disabled = !!block || attachBox.dataset.busy === '1'
  }

  const autosize = () => {
    if (!text.isConnected) return
    text.style.height = 'auto'
    text.style.height = `${Math.min(text.scrollHeight, 160)}px`
  }

  text.value = loadDraft(chat)
  text.addEventListener('input', () => {
    autosize()
    saveDraft(chat, text.value)
    if (text.value.trim() && Date.now() - lastTyping > TYPING_EVERY_MS && !block) {
      lastTyping = Date.now()
      typing?.().catch(() => {})
    }
  })
  text.addEventListener('keydown', (ev) => {
    if (complete?.onKeydown(ev)) return
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault()
      form.requestSubmit()
    } else if (ev.key === 'ArrowUp' && !text.value && onEditLast?.()) {
      ev.preventDefault()
    } else if (ev.key === 'Escape' && reply) {
      ev.preventDefault() // the reply, not the panel around
      setReply(null)
    }
  })

  file.addEventListener('change', async () => {
    const f = file.files?.[0]
    file.value = ''
    if (!f) return
    const mine = ++uploads // a later pick replaces this one, whichever answer comes first
    attachment = null
    attachBox.hidden = false
    attachBox.dataset.busy = '1'
    refreshSend()
    attachBox.replaceChildren(h('span', { class: 'muted', role: 'status' }, `Uploading ${f.name} (${fmtSize(f.size)})…`))
    try {
      const up = await upload(f)
      if (mine !== uploads) return
      // Older servers answer without the name: the browser knows it.
      attachment = { ...up, name: up.name ?? f.name }
      attachBox.replaceChildren(
        isImage(up) ? h('img', { src: up.url, alt: `Attached: ${f.name}`, class: 'thumb' }) : icon('file', 28),
        h('span', { class: 'grow attach-name' }, attachment.name, h('span', { class: 'muted' }, ` · ${fmtSize(up.size ?? f.size)}`)),
        h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Remove attachment', onClick: clearAttachment }, icon('close', 16)),
      )
    } catch (err) {
      if (mine !== uploads) return
      const why = err.status === 413 ? 'it is larger than this site allows.' : err.status === 0 ? 'no connection. Try again when you are back online.' : err.message
      attachBox.replaceChildren(h('span', { class: 'error grow', role: 'alert' }, `Could not attach ${f.name}: ${why}`), h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Dismiss', onClick: clearAttachment }, icon('close', 16)))
    } finally {
      if (mine === uploads) {
        attachBox.dataset.busy = ''
        refreshSend()
      }
    }
  })

  function clearAttachment() {
    uploads++
    attachBox.dataset.busy = ''
    refreshSend()
    attachment = null
    attachBox.hidden = true
    attachBox.replaceChildren()
    text.focus()
  }

  function setReply(m) {
    reply = m
    replyBox.hidden = !m
    if (!m) return replyBox.replaceChildren()
    const who = displayName(state.users.get(m.author_id))
    replyBox.replaceChildren(
      h('span', { class: 'grow' }, 'Replying to ', h('strong', {}, who), ': ', (m.text || attachmentLabel(m.attachment)).slice(0, 120)),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Cancel reply', onClick: () => setReply(null) }, icon('close', 16)),
    )
    text.focus()
  }

  /** setBlock({text, kind}) shows why sending is not possible now; setBlock(null) lifts it. */
  function setBlock(b) {
    block = b
    showNotice(b?.text ?? null, b?.kind ?? 'warn')
    refreshSend()
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    if (block) return
    if (attachBox.dataset.busy === '1') return showNotice('Wait for the file to finish uploading, then send.', 'warn')
    const body = text.value.trim()
    if (!body && !attachment) return text.focus()
    const payload = { client_id: clientId() }
    if (body) payload.text = body
    if (attachment) payload.attachment_id = attachment.id
    if (reply) payload.reply_to_id = reply.id
    send(payload, attachment ? { url: attachment.url, name: attachment.name, size: attachment.size, content_type: attachment.content_type, is_image: isImage(attachment) } : null)
    text.value = ''
    complete?.reset()
    saveDraft(chat, '')
    autosize()
    clearAttachment()
    setReply(null)
    showNotice(null)
    text.focus()
  })

  // A restored draft of several lines opens at its height.
  requestAnimationFrame(autosize)
  return { el: form, input: text, setReply, setBlock, focus: () => text.focus() }
}

/** The notice for a silenced member: why, and until when. */
export function silencedBlock(until, by, reason) {
  const when = until ? ` until ${fmtTime(until)}` : ''
  const who = by ? ` by ${by}` : ''
  return { kind: 'warn', text: `You are silenced in this room${who}${when}${reason ? ` (“${reason}”)` : ''}. You can read, but not send.` }
}
