// Attachments (API.md §16): images show as pictures; any other file as its name, size and a
// download link. The name is the uploader's text, so it only ever becomes a text node.
import { h } from './dom.js'
import { icon } from './icons.js'

/** Why a file cannot be a photo or a gift's picture. */
export const NOT_A_PICTURE = 'that file is not a picture. Choose a PNG, JPEG, GIF or WebP image.'

/** An image by the server's verdict (is_image); older answers carry only the content type. */
export const isImage = (att) => (typeof att?.is_image === 'boolean' ? att.is_image : !!att?.content_type?.startsWith('image/'))

/** What a preview or a quote says for a message's attachment. */
export function attachmentLabel(att) {
  if (!att) return ''
  return isImage(att) ? 'Photo' : `File: ${att.name ?? 'attachment'}`
}

/** 2.4 MB, 530 KB, 12 bytes: sizes as file managers show them (1 KB = 1024 bytes). */
export function fmtSize(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return ''
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`
  const units = ['KB', 'MB', 'GB']
  let n = bytes / 1024
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[i]}`
}

/** A file that is not an image: its name and size, and a link that downloads it. */
export function fileEl(att) {
  const name = att.name ?? 'attachment'
  const size = fmtSize(att.size)
  return h(
    'a',
    { class: 'file-attachment', href: att.url, download: name, 'aria-label': `Download ${name}${size ? `, ${size}` : ''}` },
    icon('file', 22),
    h('span', { class: 'file-main' }, h('span', { class: 'file-name' }, name), h('span', { class: 'file-size muted' }, size)),
    icon('download', 18),
  )
}
