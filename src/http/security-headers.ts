// Headers on every answer (API.md §13): the web client runs only the server's own scripts and
// styles and is never framed; no answer is sniffed into another type; no URL leaks as a referrer.
import type { IncomingMessage, ServerResponse } from 'node:http'

// Images may come from elsewhere (a gift's image_url); scripts, styles and connections may not.
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  'img-src * data: blob:',
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** Web pages, static files, uploads and the operations endpoints. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': PAGE_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // For browsers that predate frame-ancestors.
  'X-Frame-Options': 'DENY',
})

/** JSON answers of /api: nothing in them may load or run anything, or be framed. Short, as polls are most answers. */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
})

const PAGE = Object.entries(PAGE_HEADERS)
const API = Object.entries(API_HEADERS)

/**
 * Sets the security headers before Hono answers (a route may override one). The pipeline's own
 * answers (the fast paths') put them in with the rest of their headers instead, checked once
 * per kind of answer (http/pipeline.ts, headersOf), not set here one by one on every poll.
 */
export function secureResponse(req: IncomingMessage, res: ServerResponse): void {
  for (const [name, value] of req.url?.startsWith('/api/') ? API : PAGE) res.setHeader(name, value)
}
