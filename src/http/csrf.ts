import type { IncomingMessage } from 'node:http'
import type { Config } from '../config.js'
import { ApiError } from '../errors.js'

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export type CsrfOptions = {
  config: Pick<Config, 'publicUrl' | 'allowedOrigins'>
  /** Paths (exact) that take multipart/form-data instead of JSON. */
  multipartPaths: readonly string[]
}

/** What a CSRF check reads of a request: Hono's context and a node request both give it. */
export type CsrfRequest = {
  method: string
  path: string
  header: (name: string) => string | undefined
  /** 'http:' or 'https:', as the request reached this server (asked only without PUBLIC_URL). */
  protocol: () => string
}

/**
 * API.md §2, in its order: a foreign Origin on a state-changing request is 403 csrf_rejected;
 * then a body that is not JSON (multipart on the upload route) is 415. No body needs no type.
 * Throws the ApiError to answer; returns when the request may go on.
 */
export function csrfCheck({ config, multipartPaths }: CsrfOptions): (req: CsrfRequest) => void {
  const allowed = new Set(config.allowedOrigins.map(originOf).filter((o): o is string => o !== null))
  const own = config.publicUrl ? originOf(config.publicUrl) : null
  return (req) => {
    if (!STATE_CHANGING.has(req.method)) return
    const origin = req.header('origin')
    if (origin !== undefined) {
      // Without PUBLIC_URL the server's own origin is the one the request was addressed to.
      const self = own ?? originOf(`${req.protocol()}//${req.header('host') ?? ''}`)
      const o = originOf(origin)
      if (o === null || (o !== self && !allowed.has(o))) throw new ApiError('csrf_rejected', 'Cross-site request refused.')
    }
    if (hasBody(req.header)) {
      const type = (req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
      const wanted = multipartPaths.includes(req.path) ? 'multipart/form-data' : 'application/json'
      if (type !== wanted) throw new ApiError('unsupported_media_type', `The request body must be ${wanted}.`)
    }
  }
}

/** A header of a node request as one string (repeated ones joined, as a web Headers does). */
export function nodeHeader(incoming: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  const value = incoming.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

function hasBody(header: (name: string) => string | undefined): boolean {
  const length = header('content-length')
  if (length !== undefined) return Number(length) > 0
  return header('transfer-encoding') !== undefined
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url)
    return u.origin === 'null' ? null : u.origin
  } catch {
    return null
  }
}
