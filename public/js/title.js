// The tab's title: what is on screen, with the number of unread messages in front, "(3) Lobby · Parley".
let base = 'Parley'
let unread = 0

/** setTitle('Lobby') while a view shows it; setTitle(null) for the plain site name. */
export function setTitle(name) {
  base = name ? `${name} · Parley` : 'Parley'
  paint()
}

export function setUnread(n) {
  unread = n
  paint()
}

function paint() {
  document.title = unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${base}` : base
}
