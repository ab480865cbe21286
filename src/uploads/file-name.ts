// The name a file is stored and offered under (API.md §16): the client's name with any folder
// part, control and format characters removed, at most 255 bytes of UTF-8. Pure functions.

// 255 bytes: what most file systems take as one name, and API.md §16's cap.
export const MAX_NAME_BYTES = 255
const FALLBACK = 'file'
// Controls (C0, DEL, C1: NUL, CR, LF, tab…), format characters (bidi overrides, zero-width),
// lone surrogates and the line and paragraph separators: nothing a name needs, all of them ways to
// disguise one ("gpj.exe" shown reversed) or to break a header or a log line.
const DROP = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu
// Folder separators of POSIX and Windows. busboy already keeps only the last part; this holds for
// any other caller too.
const SEPARATORS = /[/\\]/

export function sanitizeFileName(raw: string | undefined | null): string {
  // Only what follows the last separator: "../../etc/passwd" is "passwd", "C:\x\y.txt" "y.txt".
  const base = (raw ?? '').split(SEPARATORS).at(-1)!.normalize('NFC').replace(DROP, '').trim()
  // "." and ".." name folders, not files.
  const name = base.replace(/^\.+$/, '')
  return name.length === 0 ? FALLBACK : truncateUtf8(name, MAX_NAME_BYTES)
}

/** At most `max` bytes, cut between whole characters, keeping a short extension ("….pdf") when there is one. */
function truncateUtf8(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : ''
  let head = ''
  let bytes = Buffer.byteLength(ext)
  for (const ch of name.slice(0, name.length - ext.length)) {
    const b = Buffer.byteLength(ch)
    if (bytes + b > max) break
    head += ch
    bytes += b
  }
  return head + ext
}

/**
 * Content-Disposition for a download (RFC 6266): an ASCII fallback for old clients and the exact
 * name as RFC 5987 `filename*`, so no name can end the header or add a parameter.
 */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_')
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}
