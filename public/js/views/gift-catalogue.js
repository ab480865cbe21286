// The gift catalogue (GET /api/gifts); site admins add gifts to it (POST /api/gifts), with a
// picture uploaded here or given as a URL.
import { get, post, upload } from '../api.js'
import { NOT_A_PICTURE } from '../attachments.js'
import { h, plural, uid } from '../dom.js'
import { icon } from '../icons.js'
import { state } from '../store.js'

export function mountGiftCatalogue(el) {
  const list = h('ul', { class: 'catalogue' })
  const status = h('p', { class: 'muted', role: 'status' })
  const admin = state.me.role === 'admin'
  el.append(
    h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('a', { class: 'back-link', href: '/', 'aria-label': 'Back to chats' }, '‹'), h('h1', { tabindex: '-1' }, 'Gift catalogue')),
      h('div', { class: 'cards' }, admin ? addForm(() => load()) : h('p', { class: 'card muted' }, 'Site admins add gifts to the catalogue.'), h('section', { class: 'card stack', 'aria-labelledby': 'catalogue-title' }, h('h2', { id: 'catalogue-title' }, 'Gifts'), status, list)),
    ),
  )

  async function load() {
    try {
      const { gifts } = await get('/gifts')
      status.textContent = gifts.length ? plural(gifts.length, 'gift') : 'The catalogue is empty.'
      list.replaceChildren(
        ...gifts.map((g) =>
          h(
            'li',
            { class: 'gift-item' },
            g.image_url ? h('img', { src: g.image_url, alt: '', width: 40, height: 40 }) : h('span', { class: 'gift-emoji' }, icon('gift', 32)),
            h('span', { class: 'grow' }, h('strong', {}, g.name)),
            h('span', { class: 'muted' }, plural(g.price, 'coin')),
          ),
        ),
      )
    } catch (err) {
      status.textContent = `Could not load the catalogue: ${err.message}`
    }
  }
  load()
}

function addForm(onAdded) {
  const ids = { name: uid('gift-name'), price: uid('gift-price'), file: uid('gift-file'), url: uid('gift-url') }
  const name = h('input', { id: ids.name, required: true, maxlength: 100, autocomplete: 'off', 'data-autofocus': '' })
  const price = h('input', { id: ids.price, type: 'number', required: true, min: 0, step: 1, value: '1' })
  const file = h('input', { id: ids.file, type: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp' })
  const url = h('input', { id: ids.url, type: 'text', inputmode: 'url', placeholder: 'https://… or /files/…', maxlength: 2048 })
  const error = h('p', { class: 'form-error', role: 'alert' })
  const done = h('p', { class: 'muted', role: 'status' })
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add gift')
  const form = h(
    'form',
    { class: 'card stack' },
    h('h2', {}, 'Add a gift'),
    h('div', { class: 'field' }, h('label', { for: ids.name }, 'Name'), name),
    h('div', { class: 'field' }, h('label', { for: ids.price }, 'Price in coins'), price),
    h('div', { class: 'field' }, h('label', { for: ids.file }, 'Picture'), file),
    h('div', { class: 'field' }, h('label', { for: ids.url }, 'Or the picture’s address'), url),
    error,
    done,
    h('div', { class: 'row' }, submit),
  )
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    error.textContent = done.textContent = ''
    submit.disabled = true
    try {
      const picture = file.files?.[0]
      const uploaded = picture ? await upload(picture) : null
      // Any file uploads now (API.md §16); only a picture makes a gift.
      if (uploaded && uploaded.is_image === false) throw new Error(`Could not use ${picture.name}: ${NOT_A_PICTURE}`)
      const imageUrl = uploaded ? uploaded.url : url.value.trim()
      if (!imageUrl) throw new Error('Choose a picture, or give its address.')
      const { gift } = await post('/gifts', { name: name.value.trim(), image_url: imageUrl, price: Number(price.value) })
      done.textContent = `Added ${gift?.name ?? name.value.trim()}.`
      form.reset()
      price.value = '1'
      onAdded()
    } catch (err) {
      error.textContent = err.details?.length ? err.details.map((d) => d.message).join(' ') : err.message
    } finally {
      submit.disabled = false
    }
  })
  return form
}
