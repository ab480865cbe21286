// A small popup menu (the WAI-ARIA menu pattern): opened from a button, a long-press or a right
// click; arrow keys move, Enter picks, Escape or Tab or a click elsewhere closes it, and focus
// goes back to where it came from. One menu is open at a time.
import { h } from './dom.js'

let open = null // {el, close}

/**
 * openMenu(anchor, items, {label, at?, className?}) → close(). anchor: the element the menu belongs
 * to (focus returns to it); at: {x, y} for a menu opened by a long-press. items: [{label, onSelect,
 * danger?, name?}] (falsy entries are skipped; name: the accessible name when the label is a symbol).
 * Arrows move (left and right too, for a menu laid out as a grid).
 */
export function openMenu(anchor, items, { label = 'Actions', at, className } = {}) {
  closeMenu()
  const buttons = items.filter(Boolean).map((item) =>
    h(
      'button',
      {
        type: 'button',
        role: 'menuitem',
        tabindex: '-1',
        class: `menu-item${item.danger ? ' danger' : ''}`,
        'aria-label': item.name,
        title: item.name,
        onClick: () => {
          close(false)
          item.onSelect()
        },
      },
      item.label,
    ),
  )
  const el = h('div', { class: className ? `menu ${className}` : 'menu', role: 'menu', 'aria-label': label }, buttons)
  document.body.append(el)
  place(el, anchor, at)
  anchor.setAttribute?.('aria-expanded', 'true')

  const onKey = (ev) => {
    const i = buttons.indexOf(document.activeElement)
    const move = { ArrowDown: i + 1, ArrowRight: i + 1, ArrowUp: i - 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1 }[ev.key]
    if (move !== undefined) {
      ev.preventDefault()
      buttons[(move + buttons.length) % buttons.length].focus()
    } else if (ev.key === 'Escape') {
      ev.preventDefault()
      ev.stopPropagation()
      close(true)
    } else if (ev.key === 'Tab') {
      ev.preventDefault()
      close(true)
    }
  }
  const onOutside = (ev) => {
    if (!el.contains(ev.target)) close(false)
  }
  el.addEventListener('keydown', onKey)
  // Registered after this event has finished, so the click that opened the menu does not close it.
  const armed = setTimeout(() => document.addEventListener('pointerdown', onOutside, true))
  window.addEventListener('resize', onResize)
  function onResize() {
    close(false)
  }

  function close(refocus) {
    if (open?.el !== el) return
    open = null
    clearTimeout(armed)
    document.removeEventListener('pointerdown', onOutside, true)
    window.removeEventListener('resize', onResize)
    anchor.setAttribute?.('aria-expanded', 'false')
    el.remove()
    if (refocus && anchor.isConnected) anchor.focus()
  }
  open = { el, close }
  buttons[0]?.focus()
  return () => close(false)
}

export function closeMenu() {
  open?.close(false)
}

/** Under the anchor (or at the touch point), kept inside the viewport. */
function place(el, anchor, at) {
  const r = anchor.getBoundingClientRect()
  const margin = 8
  const w = el.offsetWidth
  const ht = el.offsetHeight
  let x = at ? at.x : r.right - w
  let y = at ? at.y : r.bottom + 4
  if (y + ht > innerHeight - margin) y = Math.max(margin, (at ? at.y : r.top - 4) - ht)
  x = Math.min(Math.max(margin, x), innerWidth - w - margin)
  el.style.left = `${x}px`
  el.style.top = `${y}px`
}

// 500 ms: the usual long-press time on touch screens.
const LONG_PRESS_MS = 500
// 10 px: a finger that moves further is scrolling, not pressing.
const SLOP_PX = 10

/**
 * Calls fn({x, y}) on a long-press by touch, and on a right click (outside links and selected
 * text, whose own browser menu stays). The browser's own long-press menu is kept from opening.
 */
export function onLongPress(el, fn) {
  let timer = null
  let start = null
  let firedAt = 0
  const cancel = () => {
    clearTimeout(timer)
    timer = null
  }
  el.addEventListener('pointerdown', (ev) => {
    if (ev.pointerType !== 'touch') return
    start = { x: ev.clientX, y: ev.clientY }
    cancel()
    timer = setTimeout(() => {
      timer = null
      firedAt = Date.now()
      // The finger's lifting would click whatever is under it now (a link, a menu item): not that click.
      swallowNextClick()
      fn(start)
    }, LONG_PRESS_MS)
  })
  el.addEventListener('pointermove', (ev) => {
    if (timer && Math.hypot(ev.clientX - start.x, ev.clientY - start.y) > SLOP_PX) cancel()
  })
  for (const type of ['pointerup', 'pointercancel', 'pointerleave']) el.addEventListener(type, cancel)
  el.addEventListener('contextmenu', (ev) => {
    if (ev.target.closest?.('a') || String(getSelection()).length > 0) return
    ev.preventDefault()
    cancel()
    // The browser's own long-press fires contextmenu too: one menu, not two.
    if (Date.now() - firedAt < 1000) return
    fn({ x: ev.clientX, y: ev.clientY })
  })
}

function swallowNextClick() {
  const swallow = (ev) => {
    ev.preventDefault()
    ev.stopPropagation()
    done()
  }
  const done = () => {
    clearTimeout(expiry)
    window.removeEventListener('click', swallow, true)
  }
  window.addEventListener('click', swallow, true)
  // 1.5 s: a lift later than that is a new tap of its own.
  const expiry = setTimeout(done, 1500)
}
