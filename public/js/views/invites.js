// Inviting people by email or SMS (POST /api/invites), and who of them joined (GET /api/invites).
import { get, post, qs } from '../api.js'
import { fmtDateTime, h, plural, timeEl, uid } from '../dom.js'
import { state } from '../store.js'

// 50: a screenful; "Show more" pages on.
const PAGE = 50

export function mountInvites(el) {
  const boxId = uid('invitees')
  const box = h('textarea', { id: boxId, rows: 4, required: true, 'aria-describedby': `${boxId}-hint`, autocomplete: 'off', 'data-autofocus': '' })
  const error = h('p', { class: 'form-error', role: 'alert' })
  const done = h('p', { class: 'muted', role: 'status' })
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send invitations')
  const form = h(
    'form',
    { class: 'card stack' },
    h('h2', {}, 'Invite people'),
    h('div', { class: 'field' }, h('label', { for: boxId }, 'Email addresses or phone numbers'), box, h('small', { class: 'muted', id: `${boxId}-hint` }, 'One per line, or separated by commas. Each gets a link to this site.')),
    error,
    done,
    h('div', { class: 'row' }, submit),
  )
  const list = h('ul', { class: 'invite-list' })
  const listStatus = h('p', { class: 'muted', role: 'status' })
  const more = h('button', { type: 'button', class: 'btn btn-small', hidden: true, onClick: () => load(false) }, 'Show more')
  const sent = h('section', { class: 'card stack', 'aria-labelledby': 'sent-title' }, h('h2', { id: 'sent-title' }, 'Your invitations'), listStatus, list, more)
  el.append(
    h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('a', { class: 'back-link', href: '/', 'aria-label': 'Back to chats' }, '‹'), h('h1', { tabindex: '-1' }, 'Invitations')),
      state.me.kind === 'guest' ? h('p', { class: 'card' }, 'Guests cannot invite people. Register an account to invite your friends.') : h('div', { class: 'cards' }, form, sent),
    ),
  )
  if (state.me.kind === 'guest') return

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    error.textContent = done.textContent = ''
    // Phone numbers may hold spaces (+44 20 7946 0958): only lines, commas and semicolons separate.
    const entries = box.value.split(/[\n,;]+/).map((e) => e.trim()).filter(Boolean)
    if (!entries.length) return (error.textContent = 'Write at least one email address or phone number.')
    const emails = entries.filter((e) => e.includes('@'))
    const phones = entries.filter((e) => !e.includes('@'))
    const body = {}
    if (emails.length) body.emails = emails
    if (phones.length) body.phones = phones
    submit.disabled = true
    try {
      const data = await post('/invites', body)
      done.textContent = `Sent ${plural(data.sent, 'invitation')}.`
      box.value = ''
      load(true)
    } catch (err) {
      error.textContent = reason(err, { emails, phones })
    } finally {
      submit.disabled = false
    }
  })

  let offset = 0
  async function load(fresh) {
    if (fresh) offset = 0
    listStatus.textContent = 'Loading…'
    try {
      const data = await get(`/invites${qs({ limit: PAGE, offset })}`)
      const rows = data.items.map(row)
      if (fresh) list.replaceChildren(...rows)
      else list.append(...rows)
      offset += data.items.length
      more.hidden = !data.has_more
      listStatus.textContent = offset === 0 ? 'You have not invited anyone yet.' : ''
    } catch (err) {
      listStatus.textContent = `Could not load your invitations: ${err.message}`
    }
  }
  load(true)
}

function row(inv) {
  return h(
    'li',
    { class: 'invite' },
    h('span', { class: 'grow invite-to' }, inv.email ?? inv.phone),
    inv.joined_at ? h('span', { class: 'chip chip-ok', title: `Joined ${fmtDateTime(inv.joined_at)}` }, 'joined') : h('span', { class: 'chip' }, 'not yet'),
    h('span', { class: 'muted invite-when' }, 'sent ', timeEl(inv.created_at)),
  )
}

/** The API's refusal in words, naming the entry it is about (details say `emails.2`, `phones.0`). */
function reason(err, sent) {
  if (err.status === 403) return 'Guests cannot invite people.'
  if (err.code === 'rate_limited') return `That is more than you can invite today; try again in ${plural(Math.ceil((err.retryAfter ?? 3600) / 3600), 'hour')}.`
  const d = err.details?.[0]
  const [list, index] = String(d?.path ?? '').split('.')
  const entry = sent[list]?.[Number(index)]
  if (entry !== undefined) return `“${entry}” is not ${list === 'emails' ? 'an email address' : 'a phone number'} we can send to.`
  return err.message
}
