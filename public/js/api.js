// The one door to the server: JSON in, `data` out, failures as ApiError with the contract's shape.

export class ApiError extends Error {
  constructor(status, code, message, details, retryAfter) {
    super(message)
    this.name = 'ApiError'
    this.status = status // 0 when the network failed before any answer
    this.code = code
    this.details = details
    this.retryAfter = retryAfter
  }
}

// 401 codes that mean "this session is gone", as opposed to a wrong password in a form.
const SESSION_GONE = new Set(['not_signed_in', 'session_revoked', 'session_expired'])
let onSessionGone = () => {}

/** Called once by main.js: what to do when any request finds the session gone. */
export function setSessionGoneHandler(fn) {
  onSessionGone = fn
}

/**
 * request('POST', '/rooms', {name}) → the answer's `data` (null for 204).
 * `timeoutMs` aborts a request that hangs (a half-dead connection never answers otherwise).
 */
export async function request(method, path, body, { signal, timeoutMs } = {}) {
  const init = { method, headers: { accept: 'application/json' }, credentials: 'same-origin' }
  if (body instanceof FormData) init.body = body
  else if (body !== undefined) {
    init.body = JSON.stringify(body)
    init.headers['content-type'] = 'application/json'
  }
  const signals = [signal, timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined].filter(Boolean)
  if (signals.length) init.signal = signals.length === 1 ? signals[0] : AbortSignal.any(signals)

  let res
  try {
    res = await fetch('/api' + path, init)
  } catch (err) {
    if (signal?.aborted) throw err
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection.')
  }
  if (res.status === 204) return null
  let json = null
  try {
    json = await res.json()
  } catch {
    if (res.ok) return null
  }
  if (!res.ok) {
    const e = json?.error ?? {}
    const err = new ApiError(res.status, e.code ?? `http_${res.status}`, e.message ?? res.statusText, e.details, Number(res.headers.get('retry-after')) || undefined)
    if (res.status === 401 && SESSION_GONE.has(err.code)) onSessionGone(err)
    throw err
  }
  return json?.data ?? null
}

export const get = (path, opts) => request('GET', path, undefined, opts)
export const post = (path, body, opts) => request('POST', path, body, opts)
export const patch = (path, body, opts) => request('PATCH', path, body, opts)
export const del = (path, body, opts) => request('DELETE', path, body, opts)

/** POST /api/uploads (multipart, field `file`) → {id, url, content_type, size}. */
export async function upload(file) {
  const form = new FormData()
  form.append('file', file)
  const data = await request('POST', '/uploads', form)
  return data.upload
}

/** A query string from an object, skipping empty values. */
export function qs(params) {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v))
  const s = p.toString()
  return s ? `?${s}` : ''
}
