// The profile editor (with photo), coins (balance, free coins), gifts received, and the account.
import { del, get, patch, post, upload } from '../api.js'
import { NOT_A_PICTURE } from '../attachments.js'
import { icon } from '../icons.js'
import { avatar, fmtDateTime, formDialog, h, plural, uid } from '../dom.js'
import { disableNotifications, enableNotifications, notificationState } from '../notify.js'
import { displayName, on, setMe, state } from '../store.js'
import { giftList } from './user.js'

// The API counts free-coin claims per social network (API.md §7), a leftover of the seed; a
// self-hosted site has none of them, so one button claims under one fixed network: once a day.
const FREE_COINS_NETWORK = 'mailru'

export function mountProfile(el) {
  const me = state.me
  const offs = []
  const photoBox = h('div', { class: 'photo-box' })
  const photoInputId = uid('photo')
  const photoInput = h('input', { id: photoInputId, type: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp', class: 'sr-only' })
  const photoStatus = h('p', { class: 'muted', role: 'status' })
  const paintPhoto = () => photoBox.replaceChildren(avatar(state.me, 96))

  photoInput.addEventListener('change', async () => {
    const f = photoInput.files?.[0]
    photoInput.value = ''
    if (!f) return
    photoStatus.textContent = 'Uploading…'
    try {
      const up = await upload(f)
      setMe((await patch('/me', { photo_upload_id: up.id })).user)
      photoStatus.textContent = 'Photo updated.'
      paintPhoto()
    } catch (err) {
      // Any file uploads (API.md §16); only an image can be a photo (415 unsupported_type).
      photoStatus.textContent = err.code === 'unsupported_type' ? `Could not set the photo: ${NOT_A_PICTURE}` : `Could not set the photo: ${err.message}`
    }
  })
  const removePhoto = h('button', { type: 'button', class: 'btn btn-small btn-ghost', onClick: async () => {
    try {
      setMe((await patch('/me', { photo_upload_id: null })).user)
      paintPhoto()
      photoStatus.textContent = 'Photo removed.'
    } catch (err) {
      photoStatus.textContent = err.message
    }
  } }, 'Remove photo')

  // --- profile form
  const fields = [
    ['nickname', 'Display name', 'text', { maxlength: 64, autocomplete: 'nickname' }],
    ['location', 'Location', 'text', { maxlength: 128 }],
    ['birth_date', 'Birthday', 'date', {}],
  ].map(([name, label, type, attrs]) => {
    const id = uid(name)
    const input = h('input', { id, name, type, value: me[name] ?? '', ...attrs })
    return { name, input, wrap: h('div', { class: 'field' }, h('label', { for: id }, label), input) }
  })
  const genderId = uid('gender')
  const gender = h('select', { id: genderId, name: 'gender' }, [['', 'Not set'], ['0', 'Male'], ['1', 'Female']].map(([v, l]) => h('option', { value: v, selected: String(me.gender ?? '') === v }, l)))
  const bioId = uid('bio')
  const bio = h('textarea', { id: bioId, name: 'bio', rows: 3, maxlength: 2000 })
  bio.value = me.bio ?? ''
  const saveStatus = h('p', { class: 'muted', role: 'status' })
  const form = h(
    'form',
    { class: 'stack card' },
    h('h2', {}, 'Profile'),
    h('div', { class: 'photo-row' }, photoBox, h('div', { class: 'stack' }, h('label', { class: 'btn btn-small', for: photoInputId }, 'Change photo'), photoInput, removePhoto, photoStatus)),
    fields.map((f) => f.wrap),
    h('div', { class: 'field' }, h('label', { for: genderId }, 'Gender'), gender),
    h('div', { class: 'field' }, h('label', { for: bioId }, 'About you'), bio),
    saveStatus,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save profile')),
  )
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    const body = {}
    for (const f of fields) body[f.name] = f.input.value.trim() || null
    body.gender = gender.value === '' ? null : Number(gender.value)
    body.bio = bio.value.trim() || null
    saveStatus.textContent = 'Saving…'
    try {
      setMe((await patch('/me', body)).user)
      saveStatus.textContent = 'Saved.'
    } catch (err) {
      saveStatus.textContent = err.details?.length ? err.details.map((d) => d.message).join(' ') : err.message
    }
  })

  // --- coins
  const balance = h('p', { class: 'big-number' })
  const coinStatus = h('p', { class: 'muted', role: 'status' })
  const paintBalance = () => balance.replaceChildren(icon('coin', 22), plural(state.me.balance ?? 0, 'coin'))
  const claim = h('button', { type: 'button', class: 'btn btn-primary', onClick: async () => {
    claim.disabled = true
    try {
      const data = await post('/me/free-coins', { network: FREE_COINS_NETWORK })
      setMe({ ...state.me, balance: data.balance })
      coinStatus.textContent = `Claimed. You can claim again from ${fmtDateTime(data.next_at)}.`
    } catch (err) {
      coinStatus.textContent = err.code === 'too_soon' ? `Already claimed today; try again in ${waitText(err.retryAfter ?? 0)}.` : err.message
    } finally {
      claim.disabled = false
    }
  } }, 'Claim free coins')
  const coins = h(
    'section',
    { class: 'card stack', id: 'coins', 'aria-labelledby': 'coins-title' },
    h('h2', { id: 'coins-title' }, 'Coins'),
    balance,
    h('p', { class: 'muted' }, 'Coins pay for gifts. Free coins can be claimed once a day.'),
    h('div', { class: 'row wrap' }, claim),
    coinStatus,
  )

  // --- notifications
  const notifyStatus = h('p', { class: 'muted', role: 'status' })
  const notifyBtn = h('button', { type: 'button', class: 'btn', onClick: async () => {
    if (notificationState() === 'on') disableNotifications()
    else await enableNotifications()
    paintNotify()
  } })
  const paintNotify = () => {
    const s = notificationState()
    notifyBtn.hidden = s === 'unsupported' || s === 'blocked'
    notifyBtn.textContent = s === 'on' ? 'Turn off notifications' : 'Turn on notifications'
    notifyStatus.textContent = {
      on: 'On: direct messages and mentions of you notify you while Parley is in the background.',
      off: 'Off.',
      blocked: 'This browser blocks notifications from this site; allow them in its site settings.',
      unsupported: 'This browser cannot show notifications.',
    }[s]
  }
  const notifications = h(
    'section',
    { class: 'card stack', 'aria-labelledby': 'notify-title' },
    h('h2', { id: 'notify-title' }, 'Notifications'),
    h('p', { class: 'muted' }, 'Get a notification for direct messages and @mentions of you while this tab is in the background.'),
    notifyStatus,
    h('div', { class: 'row' }, notifyBtn),
  )
  paintNotify()

  // --- gifts received
  const gifts = h('section', { class: 'card stack', 'aria-labelledby': 'gifts-title' }, h('h2', { id: 'gifts-title' }, 'Gifts you received'), giftList(me.id))

  // --- account
  const account = h(
    'section',
    { class: 'card stack', 'aria-labelledby': 'account-title' },
    h('h2', { id: 'account-title' }, 'Account'),
    h('dl', { class: 'facts' }, [
      ['Signed in as', me.username ?? displayName(me)],
      ['Account', { user: 'Registered', guest: 'Guest', phone: 'Phone' }[me.kind] ?? me.kind],
      me.email ? ['Email', `${me.email}${me.email_verified ? '' : ' (not verified)'}`] : null,
      me.phone ? ['Phone', me.phone] : null,
    ].filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    h(
      'div',
      { class: 'row wrap' },
      h('button', { type: 'button', class: 'btn', onClick: async () => {
        try {
          await post('/auth/logout', { all: true })
        } catch {}
        location.assign('/')
      } }, 'Sign out everywhere'),
      h('button', { type: 'button', class: 'btn btn-danger', onClick: deleteAccount }, 'Delete account…'),
    ),
  )

  async function deleteAccount() {
    const needsPassword = me.kind === 'user' // password accounts; guests and phone accounts have none
    const ok = await formDialog({
      title: 'Delete your account?',
      intro: 'Your profile is removed and you are signed out everywhere. Messages you wrote stay, shown as from a deleted user.',
      fields: needsPassword ? [{ name: 'password', label: 'Your password', type: 'password', required: true, attrs: { autocomplete: 'current-password' } }] : [],
      submitLabel: 'Delete my account',
      danger: true,
      onSubmit: async (v) => {
        await del('/me', needsPassword ? { password: v.password } : {})
      },
    })
    if (ok) location.assign('/')
  }

  el.append(
    h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('a', { class: 'back-link', href: '/', 'aria-label': 'Back to chats' }, '‹'), h('h1', { tabindex: '-1' }, 'Your profile')),
      h('div', { class: 'cards' }, form, coins, notifications, gifts, account),
    ),
  )
  paintPhoto()
  paintBalance()
  offs.push(on('me', () => (paintBalance(), paintPhoto())))
  if (location.hash === '#coins') coins.scrollIntoView()
  return () => offs.forEach((off) => off())
}

/** "5 hours", "1 hour", "12 minutes": how long until the next claim. */
function waitText(seconds) {
  return seconds >= 3600 ? plural(Math.ceil(seconds / 3600), 'hour') : plural(Math.max(1, Math.ceil(seconds / 60)), 'minute')
}
