// Small DOM helpers: h() builds elements, plus time formatting, toasts and form dialogs.

const PROPS = new Set(['value', 'checked', 'selected', 'muted', 'autoplay', 'srcObject', 'playsInline', 'indeterminate'])

/** h('button', {class: 'x', onClick: fn}, 'Label', child, [more]) */
export function h(tag, props, ...children) {
  const el = document.createElement(tag)
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v)
    else if (k === 'class') el.className = v
    else if (k === 'text') el.textContent = v
    else if (k === 'dataset') Object.assign(el.dataset, v)
    else if (PROPS.has(k)) el[k] = v
    else el.setAttribute(k, v === true ? '' : String(v))
  }
  append(el, children)
  return el
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue
    el.append(c instanceof Node ? c : String(c))
  }
  return el
}

let seq = 0
/** A unique id for label/aria wiring. */
export const uid = (prefix = 'f') => `${prefix}-${++seq}`

export function fmtTime(iso) {
  if (!iso) return ''
  const d = new Date(iso)
  const now = new Date()
  const sameDay = d.toDateString() === now.toDateString()
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
  if (sameDay) return time
  const sameYear = d.getFullYear() === now.getFullYear()
  return d.toLocaleDateString([], { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) }) + ' ' + time
}

export function fmtDateTime(iso) {
  return iso ? new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) : ''
}

export function timeEl(iso) {
  return h('time', { datetime: iso, title: fmtDateTime(iso) }, fmtTime(iso))
}

/**
 * A short-lived notice in the polite live region. The region sits in the page's flow under the top
 * bar (views/shell.js), so a toast pushes the layout down for a moment and never covers a control.
 */
export function toast(text, kind = 'info') {
  const root = document.getElementById('toasts')
  if (!root) return
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text)
  root.append(el)
  setTimeout(() => el.remove(), TOAST_MS)
}
// 5 s: long enough to read a sentence, short enough not to pile up.
const TOAST_MS = 5000

/** "1 coin", "3 coins": English plurals through Intl.PluralRules. */
export function plural(n, one, many = `${one}s`) {
  return `${n} ${PLURALS.select(n) === 'one' ? one : many}`
}
const PLURALS = new Intl.PluralRules('en')

/**
 * A modal form in a native <dialog> (focus is trapped, Esc cancels).
 * fields: [{name, label, type?, value?, required?, options?: [[value, label]], hint?, attrs?}]
 * onSubmit(values) may throw an ApiError: its message shows in the dialog, which stays open.
 * Resolves with onSubmit's result, or null when cancelled.
 */
export function formDialog({ title, intro, fields = [], submitLabel = 'OK', danger = false, onSubmit = async (v) => v, extra }) {
  return new Promise((resolve) => {
    const error = h('p', { class: 'form-error', role: 'alert' })
    const inputs = fields.map((f) => field(f))
    const cancel = h('button', { type: 'button', class: 'btn', onClick: () => dialog.close() }, 'Cancel')
    const submit = h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary' }, submitLabel)
    const form = h(
      'form',
      { method: 'dialog', class: 'stack' },
      h('h2', { class: 'dialog-title' }, title),
      intro ? h('p', { class: 'muted' }, intro) : null,
      inputs.map((i) => i.wrap),
      extra ?? null,
      error,
      h('div', { class: 'row end' }, cancel, submit),
    )
    const dialog = h('dialog', { class: 'dialog', 'aria-label': title }, form)
    let result = null
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault()
      const values = {}
      for (const i of inputs) values[i.name] = i.read()
      submit.disabled = true
      error.textContent = ''
      try {
        result = (await onSubmit(values)) ?? true
        dialog.close()
      } catch (err) {
        error.textContent = err.message || 'Something went wrong.'
      } finally {
        submit.disabled = false
      }
    })
    dialog.addEventListener('close', () => {
      dialog.remove()
      resolve(result)
    })
    document.body.append(dialog)
    dialog.showModal()
  })
}

export function confirmDialog(title, intro, submitLabel = 'OK', danger = true) {
  return formDialog({ title, intro, submitLabel, danger })
}

function field({ name, label, type = 'text', value, required, options, hint, attrs = {} }) {
  const id = uid(name)
  let input
  if (options) {
    input = h('select', { id, name, required }, options.map(([v, l]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, l)))
  } else if (type === 'textarea') {
    input = h('textarea', { id, name, required, rows: 3, ...attrs })
    input.value = value ?? ''
  } else {
    input = h('input', { id, name, type, required, value: value ?? '', ...attrs })
  }
  const hintEl = hint ? h('small', { class: 'muted', id: `${id}-hint` }, hint) : null
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id)
  const wrap = h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl)
  return { name, wrap, read: () => (type === 'file' ? input.files?.[0] ?? null : input.value) }
}

/**
 * Initials in a coloured circle, or the photo. Marked with the user's id, so store.rememberUser can
 * swap it when their photo changes. Colour and size go through the CSSOM (allowed by a CSP that
 * refuses style attributes).
 */
export function avatar(user, size = 36) {
  const name = user?.name ?? '?'
  const dataset = user?.id ? { avatar: user.id, size } : undefined
  if (user?.photo_url) return h('img', { class: 'avatar', src: user.photo_url, alt: '', width: size, height: size, loading: 'lazy', dataset })
  const el = h('span', { class: 'avatar', 'aria-hidden': 'true', dataset }, initials(name))
  el.style.setProperty('--hue', String(((user?.id ?? 0) * 47) % 360))
  el.style.width = el.style.height = `${size}px`
  return el
}

/** A room's picture: '#' on a colour of its own. */
export function roomAvatar(roomId) {
  const el = h('span', { class: 'avatar room-avatar', 'aria-hidden': 'true' }, '#')
  el.style.setProperty('--hue', String((roomId * 67) % 360))
  return el
}

function initials(name) {
  const parts = String(name).trim().split(/\s+/)
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase()
}

/** A random id for idempotent sends; crypto.randomUUID needs a secure context, so fall back. */
export function clientId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID()
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 12)
}
