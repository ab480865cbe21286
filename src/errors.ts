import type { Logger } from 'pino'
// One error class; its code fixes the status through one table.

export const ERROR_STATUS = {
  invalid_request: 400,
  unknown_field: 400,
  invalid_phone: 400,
  invalid_token: 400,
  invalid_reply: 400,
  invalid_emoji: 400,
  invalid_cursor: 400,
  conflicting_filters: 400,
  not_signed_in: 401,
  invalid_credentials: 401,
  session_revoked: 401,
  session_expired: 401,
  invalid_code: 401,
  wrong_password: 401,
  insufficient_funds: 402,
  forbidden: 403,
  csrf_rejected: 403,
  email_not_verified: 403,
  admins_only: 403,
  not_member: 403,
  banned: 403,
  silenced: 403,
  bad_signature: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  username_taken: 409,
  email_taken: 409,
  name_taken: 409,
  phone_taken: 409,
  room_full: 409,
  nonce_used: 409,
  conflict: 409,
  too_many_reactions: 409,
  cursor_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unsupported_type: 415,
  rate_limited: 429,
  too_many_polls: 429,
  too_soon: 429,
  headers_too_large: 431,
  internal_error: 500,
  unavailable: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode]

export class ApiError extends Error {
  readonly status: ErrorStatus
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = ERROR_STATUS[code]
  }
}

export const notFound = (what = 'resource') => new ApiError('not_found', `No such ${what}.`)
export const forbidden = (message = 'You are not allowed to do that.') => new ApiError('forbidden', message)

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } }
}

/**
 * What to answer for an error a handler threw: an ApiError's own status, body and headers; for
 * anything else a 500 that names the request, with the error logged (never sent).
 */
export function errorAnswer(
  log: Pick<Logger, 'error'>,
  err: unknown,
  request: { id: string; method: string; path: string },
): { status: ErrorStatus; body: ReturnType<typeof errorBody>; headers?: Record<string, string> } {
  if (err instanceof ApiError) return { status: err.status, body: errorBody(err.code, err.message, err.details), headers: err.headers }
  log.error({ reqId: request.id, err, method: request.method, path: request.path }, 'unhandled error')
  return { status: 500, body: errorBody('internal_error', 'Something went wrong on our side.', { request_id: request.id }) }
}
