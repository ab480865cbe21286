// Headers on every answer (API.md §13): the web client runs only the server's own scripts and
// styles and is never framed; no answer is sniffed into another type; no URL leaks as a referrer.
import type { ServerResponse } from 'node:http'

// Images may come from elsewhere (a gift's image_url); scripts, styles and connections may not.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  // Stopgap: the web client sets avatar colours and sizes through style attributes
  // (public/js/dom.js h()); once it sets them through el.style instead, this line goes.
  "style-src-attr 'unsafe-inline'",
  'img-src * data: blob:',
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // For browsers that predate frame-ancestors.
  'X-Frame-Options': 'DENY',
})

const ENTRIES = Object.entries(SECURITY_HEADERS)

/** Sets the security headers on a response before anything answers it (a route may override one). */
export function secureResponse(res: ServerResponse): void {
  for (const [name, value] of ENTRIES) res.setHeader(name, value)
}
