// A dialog to find a user by name: used to start a direct message or add a room member.
import { get, qs } from '../api.js'
import { avatar, h, uid } from '../dom.js'
import { displayName, rememberUser, state } from '../store.js'

/** Resolves with the chosen user, or null. */
export function pickUser(title, { exclude = [] } = {}) {
  return new Promise((resolve) => {
    let chosen = null
    const inputId = uid('who')
    const input = h('input', { id: inputId, type: 'search', autocomplete: 'off', placeholder: 'Name or username' })
    const list = h('ul', { class: 'pick-list', 'aria-label': 'Matching users' })
    const status = h('p', { class: 'muted', role: 'status' })
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-label': title },
      h(
        'div',
        { class: 'stack' },
        h('h2', { class: 'dialog-title' }, title),
        h('div', { class: 'field' }, h('label', { for: inputId }, 'Search people'), input),
        status,
        list,
        h('div', { class: 'row end' }, h('button', { type: 'button', class: 'btn', onClick: () => dialog.close() }, 'Cancel')),
      ),
    )
    let timer
    let seq = 0
    const search = async () => {
      const mine = ++seq
      const q = input.value.trim()
      if (!q) {
        list.replaceChildren()
        status.textContent = 'Type to search.'
        return
      }
      try {
        const data = await get(`/users${qs({ q, limit: 20 })}`)
        if (mine !== seq) return
        const users = (data.items ?? []).filter((u) => !u.deleted && u.id !== state.me?.id && !exclude.includes(u.id))
        status.textContent = users.length ? `${users.length} found` : 'Nobody by that name.'
        list.replaceChildren(
          ...users.map((u) =>
            h(
              'li',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'pick-item',
                  onClick: () => {
                    chosen = rememberUser(u)
                    dialog.close()
                  },
                },
                avatar(u, 28),
                h('span', {}, displayName(u)),
                u.username && u.username !== u.name ? h('span', { class: 'muted' }, `@${u.username}`) : null,
              ),
            ),
          ),
        )
      } catch (err) {
        status.textContent = err.message
      }
    }
    input.addEventListener('input', () => {
      clearTimeout(timer)
      timer = setTimeout(search, 200)
    })
    dialog.addEventListener('close', () => {
      dialog.remove()
      resolve(chosen)
    })
    document.body.append(dialog)
    dialog.showModal()
    status.textContent = 'Type to search.'
  })
}
