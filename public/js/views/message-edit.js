// Editing one's own message in place (API.md §16: PATCH /api/messages/:id). Enter saves,
// Shift+Enter starts a new line, Escape cancels. On a slow link the text stays in the box, greyed,
// until the server answers; a refusal shows its reason and keeps the text to try again.
import { patch } from '../api.js'
import { h, uid } from '../dom.js'

/**
 * createEditor(m, {onSaved(message), onClose()}) → {el, focus()}. onSaved gets the server's
 * message; onClose is called once the editor is done (saved or cancelled).
 */
export function createEditor(m, { onSaved, onClose }) {
  const id = uid('edit')
  const text = h('textarea', { id, class: 'edit-text', rows: 2, maxlength: 4000, autocomplete: 'off' })
  text.value = m.text ?? ''
  const error = h('p', { class: 'form-error', role: 'alert' })
  const status = h('span', { class: 'muted edit-status', role: 'status' })
  const save = h('button', { type: 'submit', class: 'btn btn-small btn-primary' }, 'Save')
  const cancel = h('button', { type: 'button', class: 'btn btn-small', onClick: () => close() }, 'Cancel')
  const form = h(
    'form',
    { class: 'edit-form', 'aria-label': 'Edit message' },
    h('label', { class: 'sr-only', for: id }, 'Edit your message'),
    text,
    error,
    h('div', { class: 'row end' }, status, cancel, save),
  )
  let saving = false
  let closed = false

  const autosize = () => {
    text.style.height = 'auto'
    text.style.height = `${Math.min(text.scrollHeight, 240)}px`
  }
  text.addEventListener('input', autosize)
  text.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault()
      form.requestSubmit()
    } else if (ev.key === 'Escape') {
      ev.preventDefault()
      ev.stopPropagation()
      if (!saving) close()
    }
  })

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    if (saving) return
    const body = text.value.trim()
    if (body === (m.text ?? '').trim()) return close()
    if (!body) {
      error.textContent = 'A message needs some text. To remove it, delete the message instead.'
      return text.focus()
    }
    saving = true
    error.textContent = ''
    status.textContent = 'Saving…'
    save.disabled = cancel.disabled = text.readOnly = true
    try {
      const data = await patch(`/messages/${m.id}`, { text: body })
      close()
      onSaved(data.message)
    } catch (err) {
      error.textContent = err.status === 0 ? 'Not saved: no connection. Your text is still here; try again.' : `Not saved: ${err.message}`
      status.textContent = ''
      save.disabled = cancel.disabled = text.readOnly = false
      saving = false
      text.focus()
    }
  })

  function close() {
    if (closed) return
    closed = true
    onClose()
  }

  return {
    el: form,
    focus() {
      text.focus()
      text.setSelectionRange(text.value.length, text.value.length)
      autosize()
    },
    get saving() {
      return saving
    },
  }
}
