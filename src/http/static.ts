// The web client, served from Assets (the repository's public/ or the executable's copy of it).
import type { Context, MiddlewareHandler, Next } from 'hono'
import { serveStatic } from 'hono/serve-static'
import type { Assets } from '../assets.js'

const INDEX = 'index.html'

/** GET/HEAD of a client file by its path; Hono's serveStatic refuses '..', '//' and backslashes first. */
export function staticFiles(assets: Assets): MiddlewareHandler {
  return serveStatic({
    root: '/',
    isDir: (path) => path.endsWith('/'),
    getContent: async (path) => (await assets.file(path.replace(/^\/+/, ''))) ?? null,
  })
}

/** Client-side pages (e.g. /reset-password from the reset email) get the web client's page. */
export function clientPages(assets: Assets) {
  return async (c: Context, next: Next) => {
    if (c.req.path.startsWith('/api/') || c.req.path.includes('.')) return next()
    const page = await assets.file(INDEX)
    if (!page) return next()
    return c.html(new TextDecoder().decode(page))
  }
}
