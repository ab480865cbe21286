// Signing in (password, guest, phone code), registering, and the password reset pages.
import { post } from '../api.js'
import { h, uid } from '../dom.js'

const NOTICES = {
  email_verified: { kind: 'ok', text: 'Your email is verified. Sign in to start chatting.' },
  invalid_token: { kind: 'error', text: 'That link is invalid or has expired. Ask for a new one below.', panel: 'resend' },
}

/** The sign-in screen; calls done() once a session cookie is set. */
export function showAuth(done) {
  const app = document.getElementById('app')
  app.removeAttribute('aria-busy')
  const params = new URLSearchParams(location.search)
  const notice = NOTICES[params.get('notice')]
  if (params.has('notice')) history.replaceState(null, '', location.pathname === '/reset-password' ? '/' : location.pathname)

  const panels = {
    signin: signInPanel(done),
    guest: guestPanel(done),
    phone: phonePanel(done),
    register: registerPanel(done),
    forgot: forgotPanel(),
    resend: resendPanel(),
  }
  const tabs = [
    ['signin', 'Sign in'],
    ['guest', 'Guest'],
    ['phone', 'Phone'],
    ['register', 'Register'],
  ]
  const tabButtons = tabs.map(([key, label]) =>
    h('button', { type: 'button', role: 'tab', id: `tab-${key}`, 'aria-controls': `panel-${key}`, class: 'tab', onClick: () => select(key), onKeydown: (ev) => arrows(ev, key) }, label),
  )
  const tablist = h('div', { role: 'tablist', class: 'tabs', 'aria-label': 'How to sign in' }, tabButtons)
  const holder = h('div', { class: 'auth-panels' }, Object.entries(panels).map(([key, p]) => ((p.id = `panel-${key}`), p.setAttribute('role', 'tabpanel'), p.setAttribute('aria-labelledby', `tab-${SIGN_IN_PAGES.has(key) ? 'signin' : key}`), p)))

  function select(key, focus = false) {
    for (const [k, p] of Object.entries(panels)) p.hidden = k !== key
    for (const b of tabButtons) {
      const on = b.id === `tab-${key}` || (SIGN_IN_PAGES.has(key) && b.id === 'tab-signin')
      b.setAttribute('aria-selected', String(on))
      b.tabIndex = on ? 0 : -1
      if (on && focus) b.focus()
    }
    panels[key].querySelector('input')?.focus()
  }
  function arrows(ev, key) {
    const i = tabs.findIndex(([k]) => k === key)
    const d = ev.key === 'ArrowRight' ? 1 : ev.key === 'ArrowLeft' ? -1 : 0
    if (!d) return
    ev.preventDefault()
    select(tabs[(i + d + tabs.length) % tabs.length][0], true)
  }
  panels.signin.addEventListener('forgot', () => select('forgot'))
  panels.signin.addEventListener('resend', (ev) => {
    panels.resend.prefill(ev.detail)
    select('resend')
  })
  panels.forgot.addEventListener('back', () => select('signin'))
  panels.resend.addEventListener('back', () => select('signin'))
  panels.register.addEventListener('signin', () => select('signin'))

  app.replaceChildren(
    h(
      'div',
      { class: 'auth' },
      h(
        'section',
        { class: 'auth-card', 'aria-labelledby': 'auth-title' },
        h('div', { class: 'auth-brand' }, h('img', { src: '/favicon.svg', alt: '', width: 40, height: 40 }), h('h1', { id: 'auth-title' }, 'Parley')),
        h('p', { class: 'muted center' }, 'Chat rooms and direct messages that work on any network.'),
        notice ? h('p', { class: `notice notice-${notice.kind}`, role: 'status' }, notice.text) : null,
        tablist,
        holder,
      ),
    ),
  )
  select(notice?.panel ?? 'signin')
}

// Pages reached from the sign-in tab: its tab stays selected.
const SIGN_IN_PAGES = new Set(['signin', 'forgot', 'resend'])

function input(label, props) {
  const id = uid(props.name)
  const el = h('input', { id, ...props })
  return { el, wrap: h('div', { class: 'field' }, h('label', { for: id }, label), el) }
}

/** A form whose submit runs action(); its error shows in an alert line under the fields. */
function authForm(fields, submitLabel, action, after = []) {
  const error = h('p', { class: 'form-error', role: 'alert' })
  const button = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, submitLabel)
  const form = h('form', { class: 'stack', novalidate: false }, fields.map((f) => f.wrap), error, button, after)
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    error.textContent = ''
    button.disabled = true
    try {
      await action({ error })
    } catch (err) {
      error.textContent = err.message
    } finally {
      button.disabled = false
    }
  })
  return form
}

function signInPanel(done) {
  const login = input('Username or email', { name: 'login', autocomplete: 'username', required: true })
  const password = input('Password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })
  const forgot = h('button', { type: 'button', class: 'link-btn', onClick: () => panel.dispatchEvent(new Event('forgot')) }, 'Forgot your password?')
  const typedEmail = () => (login.el.value.includes('@') ? login.el.value.trim() : '')
  const resend = h('button', { type: 'button', class: 'link-btn', onClick: () => panel.dispatchEvent(new CustomEvent('resend', { detail: typedEmail() })) }, 'Resend the verification link')
  const form = authForm([login, password], 'Sign in', async () => {
    try {
      await post('/auth/login', { login: login.el.value.trim(), password: password.el.value })
    } catch (err) {
      if (err.code === 'email_not_verified') throw new Error('Please verify your email first: open the link we sent you, then sign in. Lost it? Resend the verification link below.')
      if (err.code === 'invalid_credentials') throw new Error('That username or password is not right.')
      throw err
    }
    done()
  }, [h('div', { class: 'row wrap between' }, forgot, resend)])
  const panel = h('div', {}, form)
  return panel
}

function guestPanel(done) {
  const name = input('Your name', { name: 'name', autocomplete: 'nickname', required: true, maxlength: 32 })
  return h(
    'div',
    {},
    h('p', { class: 'muted' }, 'Chat without an account. Your guest name is free again once you leave.'),
    authForm([name], 'Continue as guest', async () => {
      await post('/auth/guest', { name: name.el.value.trim() })
      done()
    }),
  )
}

function phonePanel(done) {
  const phone = input('Phone number', { name: 'phone', type: 'tel', autocomplete: 'tel', required: true, placeholder: '+1 555 123 4567' })
  const code = input('6-digit code from the SMS', { name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6, required: true })
  const panel = h('div', {})
  const step1 = authForm([phone], 'Send me a code', async () => {
    await post('/auth/phone', { phone: phone.el.value.trim() })
    panel.replaceChildren(h('p', { class: 'muted', role: 'status' }, `We sent a code to ${phone.el.value.trim()}.`), step2)
    code.el.focus()
  })
  const step2 = authForm([code], 'Sign in', async () => {
    try {
      await post('/auth/phone/verify', { phone: phone.el.value.trim(), code: code.el.value.trim() })
    } catch (err) {
      if (err.code === 'invalid_code') throw new Error('That code is not right, or it expired.')
      throw err
    }
    done()
  }, [h('button', { type: 'button', class: 'link-btn', onClick: () => panel.replaceChildren(step1) }, 'Use another number')])
  panel.append(step1)
  return panel
}

function registerPanel(done) {
  const username = input('Username', { name: 'username', autocomplete: 'username', required: true, minlength: 3, maxlength: 32, pattern: '[A-Za-z0-9_.\\-]{3,32}' })
  const email = input('Email', { name: 'email', type: 'email', autocomplete: 'email', required: true })
  const password = input('Password (8 characters or more)', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 })
  const panel = h('div', {})
  const form = authForm([username, email, password], 'Create account', async () => {
    await post('/auth/register', { username: username.el.value.trim(), email: email.el.value.trim(), password: password.el.value })
    // Without email verification the account can sign in at once.
    try {
      await post('/auth/login', { login: username.el.value.trim(), password: password.el.value })
      return done()
    } catch (err) {
      if (err.code !== 'email_not_verified') throw err
    }
    const address = email.el.value.trim()
    panel.replaceChildren(
      h('div', { class: 'notice notice-ok', role: 'status' }, h('strong', {}, 'Check your email. '), `We sent a link to ${address}. Open it to verify your account, then sign in.`),
      resendForm(address),
      h('button', { type: 'button', class: 'btn btn-block', onClick: () => panel.dispatchEvent(new Event('signin')) }, 'Back to sign in'),
    )
  })
  panel.append(form)
  return panel
}

function forgotPanel() {
  const login = input('Username or email', { name: 'login', autocomplete: 'username', required: true })
  const panel = h('div', {})
  const back = h('button', { type: 'button', class: 'link-btn', onClick: () => panel.dispatchEvent(new Event('back')) }, 'Back to sign in')
  panel.append(
    h('h2', { class: 'small-title' }, 'Reset your password'),
    authForm([login], 'Email me a reset link', async () => {
      await post('/auth/password-reset/request', { login: login.el.value.trim() })
      panel.replaceChildren(h('p', { class: 'notice notice-ok', role: 'status' }, 'If an account matches, we sent it a link to choose a new password. It is valid for one hour.'), back)
    }, [back]),
  )
  return panel
}

const RESENT = 'If that address belongs to an account still waiting to be verified, we sent it a new link. It is valid for 48 hours; the older links stop working.'

/** A new verification link for an address (API.md §16): the answer never says whether it exists. */
function resendPanel() {
  const email = input('Your email address', { name: 'email', type: 'email', autocomplete: 'email', required: true })
  const panel = h('div', {})
  const back = h('button', { type: 'button', class: 'link-btn', onClick: () => panel.dispatchEvent(new Event('back')) }, 'Back to sign in')
  const form = authForm([email], 'Send a new link', async () => {
    await post('/auth/verify-email/resend', { email: email.el.value.trim() })
    panel.replaceChildren(h('p', { class: 'notice notice-ok', role: 'status' }, RESENT), back)
  }, [back])
  panel.append(h('h2', { class: 'small-title' }, 'Get a new verification link'), form)
  panel.prefill = (address) => {
    if (address) email.el.value = address
    if (!panel.contains(form)) panel.replaceChildren(h('h2', { class: 'small-title' }, 'Get a new verification link'), form)
  }
  return panel
}

/** "Resend the link" for the address just registered. */
function resendForm(address) {
  const status = h('p', { class: 'muted', role: 'status' })
  return h(
    'div',
    { class: 'stack' },
    authForm([], 'Resend the link', async () => {
      await post('/auth/verify-email/resend', { email: address })
      status.textContent = `We sent a new link to ${address}.`
    }),
    status,
  )
}

/** /reset-password?token=… from the reset email. */
export function showReset(done) {
  const app = document.getElementById('app')
  app.removeAttribute('aria-busy')
  const token = new URLSearchParams(location.search).get('token') ?? ''
  const pw = input('New password (8 characters or more)', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 })
  const again = input('Repeat the new password', { name: 'again', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 })
  const toSignIn = () => {
    history.replaceState(null, '', '/')
    done()
  }
  const card = h('section', { class: 'auth-card', 'aria-labelledby': 'reset-title' }, h('h1', { id: 'reset-title' }, 'Choose a new password'))
  if (!token) card.append(h('p', { class: 'notice notice-error' }, 'This page needs the link from the reset email.'), h('button', { class: 'btn btn-block', onClick: toSignIn }, 'Go to sign in'))
  else
    card.append(
      authForm([pw, again], 'Set password', async () => {
        if (pw.el.value !== again.el.value) throw new Error('The two passwords differ.')
        try {
          await post('/auth/password-reset', { token, password: pw.el.value })
        } catch (err) {
          if (err.code === 'invalid_token') throw new Error('This link is invalid, used, or expired. Ask for a new one from the sign-in page.')
          throw err
        }
        card.replaceChildren(h('h1', { id: 'reset-title' }, 'Password changed'), h('p', { class: 'notice notice-ok', role: 'status' }, 'Your password is set. Other sessions were signed out.'), h('button', { class: 'btn btn-primary btn-block', onClick: toSignIn }, 'Sign in'))
      }),
    )
  app.replaceChildren(h('div', { class: 'auth' }, card))
  card.querySelector('input,button')?.focus()
}
