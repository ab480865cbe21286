// Path routing with the History API. The server answers index.html for any non-/api path
// without a dot, so /room/3 or /reset-password?token=… can be opened directly.

const routes = []
let cleanup = null

/** route(/^\/room\/(\d+)$/, 'room', (mainEl, id) => cleanupFn) */
export function route(pattern, name, view) {
  routes.push({ pattern, name, view })
}

export function navigate(path, { replace = false } = {}) {
  if (path !== location.pathname + location.search) history[replace ? 'replaceState' : 'pushState'](null, '', path)
  render({ focus: true })
}

/** Mounts the view for the current path (again): after navigation, or after state was reloaded. */
export function render({ focus = false } = {}) {
  const main = document.getElementById('main')
  if (!main) return
  if (cleanup) cleanup()
  cleanup = null
  main.replaceChildren()
  const path = location.pathname
  const match = routes.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m) ?? { r: routes[0], m: [path] }
  document.body.dataset.view = match.r.name
  wantsFocus = focus
  cleanup = match.r.view(main, ...match.m.slice(1)) ?? null
  window.dispatchEvent(new CustomEvent('routechange'))
  if (focus) {
    const ready = main.querySelector('[data-autofocus]')
    if (ready) focusWhenReady(ready)
    else main.querySelector('h1')?.focus({ preventScroll: true })
  }
}

// A navigation's focus target may arrive later (a chat's composer, once the room has loaded).
let wantsFocus = false

/** Focuses el if the current view was opened by navigation and nothing claimed the focus yet. */
export function focusWhenReady(el) {
  if (!wantsFocus) return
  wantsFocus = false
  el.focus({ preventScroll: true })
}

export function unmount() {
  if (cleanup) cleanup()
  cleanup = null
}

/** Same-origin links navigate without a page load. */
export function interceptLinks() {
  document.addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return
    const a = ev.target.closest?.('a[href]')
    if (!a || a.target || a.hasAttribute('download')) return
    const url = new URL(a.href, location.href)
    if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/files/')) return
    ev.preventDefault()
    navigate(url.pathname + url.search)
  })
  window.addEventListener('popstate', () => render({ focus: true }))
}
