// Complaints about messages, for site admins (all) and room admins (their rooms).
import { get, patch, qs } from '../api.js'
import { attachmentLabel } from '../attachments.js'
import { h, plural, timeEl, toast, uid } from '../dom.js'
import { displayName, loadUser, state } from '../store.js'

export function mountComplaints(el) {
  const filterId = uid('status')
  const filter = h('select', { id: filterId }, [['', 'All'], ['open', 'Open'], ['resolved', 'Resolved'], ['dismissed', 'Dismissed']].map(([v, l]) => h('option', { value: v }, l)))
  const list = h('ul', { class: 'complaint-list' })
  const status = h('p', { class: 'muted', role: 'status' })
  el.append(
    h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('a', { class: 'back-link', href: '/', 'aria-label': 'Back to chats' }, '‹'), h('h1', { tabindex: '-1' }, 'Complaints')),
      h('div', { class: 'filters' }, h('div', { class: 'field' }, h('label', { for: filterId }, 'Show'), filter)),
      status,
      list,
    ),
  )

  async function load() {
    status.textContent = 'Loading…'
    try {
      const data = await get(`/complaints${qs({ status: filter.value, limit: 100 })}`)
      const items = data.items ?? []
      status.textContent = items.length ? plural(items.length, 'complaint') : 'Nothing here.'
      list.replaceChildren(...items.map(row))
    } catch (err) {
      status.textContent = err.status === 403 ? 'Only site admins and room admins see complaints.' : err.message
    }
  }

  function row(c) {
    const reporter = c.reporter_id
    const msg = c.message ?? null
    for (const id of [reporter, msg?.author_id]) if (id && !state.users.has(id)) loadUser(id).catch(() => {})
    const setStatus = async (s) => {
      try {
        await patch(`/complaints/${c.id}`, { status: s })
        toast(`Complaint ${s}.`)
        load()
      } catch (err) {
        toast(err.message, 'error')
      }
    }
    return h(
      'li',
      { class: 'card complaint' },
      h('p', {}, h('span', { class: `chip chip-${c.status}` }, c.status), ' ', reporter ? ['from ', h('span', { dataset: { uname: reporter } }, displayName(state.users.get(reporter)))] : null, ' ', c.created_at ? timeEl(c.created_at) : null),
      c.text ? h('p', {}, `“${c.text}”`) : null,
      msg
        ? h('blockquote', {}, h('strong', { dataset: { uname: msg.author_id } }, displayName(state.users.get(msg.author_id))), ': ', msg.text || (msg.attachment ? attachmentLabel(msg.attachment) : '(no text)'))
        : h('p', { class: 'muted' }, `Message #${c.message_id}`),
      c.room_id ? h('p', {}, h('a', { href: `/room/${c.room_id}` }, 'Open the room')) : null,
      c.status !== 'resolved' && c.status !== 'dismissed'
        ? h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn btn-small btn-primary', onClick: () => setStatus('resolved') }, 'Resolve'), h('button', { type: 'button', class: 'btn btn-small', onClick: () => setStatus('dismissed') }, 'Dismiss'))
        : null,
    )
  }

  filter.addEventListener('change', load)
  load()
}
