// POST /api/uploads (multipart, field `file`) and GET /files/<stored name>. API.md §8, §16.
import { Readable } from 'node:stream'
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { AppDeps, AppEnv } from '../deps.js'
import { SCHEMA, type SchemaCarrier } from '../http/validate.js'
import { findStoredFile } from './files.js'
import { attachmentDisposition } from './file-name.js'
import { DOWNLOAD_TYPE, receiveUpload } from './uploads.js'

// A year, immutable: a stored name never changes content. Private (the reader's browser only)
// unless anyone may see the file.
const FILE_CACHE = 'max-age=31536000, immutable'
// A download opened in a tab anyway: a sandbox (no scripts, forms, plugins, a unique origin), no
// subresource loads (no beacons) and no framing.
const DOWNLOAD_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"

/** Describes the multipart body for /api/openapi.json without parsing (and so buffering) it. */
function multipartDoc(): MiddlewareHandler<AppEnv> {
  const mw: MiddlewareHandler<AppEnv> = async (_c, next) => next()
  ;(mw as SchemaCarrier)[SCHEMA] = [{ target: 'form', schema: z.object({ file: z.file().describe('Any file up to UPLOAD_MAX_BYTES. PNG, JPEG, GIF and WebP (by their bytes) are images; anything else is served only as a download, under its sanitized name.') }) }]
  return mw
}

export function uploadRoutes(deps: AppDeps, requireUser: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>().post('/', requireUser, multipartDoc(), async (c) => {
    // The raw Node request when served by @hono/node-server; the web stream otherwise (e.g. app.request in tests).
    const body = c.env?.incoming ?? (c.req.raw.body ? Readable.fromWeb(c.req.raw.body as import('node:stream/web').ReadableStream) : null)
    const upload = await receiveUpload(deps, c.var.userId, {
      contentType: c.req.header('content-type'),
      contentLength: c.req.header('content-length'),
      body,
    })
    return c.json({ data: { upload } }, 201)
  })
}

export function fileRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/:name', async (c) => {
    const file = await findStoredFile(deps, c.req.param('name'))
    c.header('Content-Type', file.download === null ? file.contentType : DOWNLOAD_TYPE)
    c.header('Content-Length', String(file.size))
    c.header('X-Content-Type-Options', 'nosniff')
    c.header('Cache-Control', `${file.shared ? 'public' : 'private'}, ${FILE_CACHE}`)
    if (file.download !== null) {
      // API.md §16: a file that is not an image is only ever a download. octet-stream and nosniff
      // keep any browser from rendering it (an HTML file stays bytes), and a sandbox policy keeps
      // it from running anything or reaching the site's origin even if one did.
      c.header('Content-Disposition', attachmentDisposition(file.download))
      c.header('Content-Security-Policy', DOWNLOAD_POLICY)
    }
    if (c.req.method === 'HEAD') return c.body(null, 200)
    return c.body(Readable.toWeb(file.open()) as ReadableStream, 200)
  })
}
