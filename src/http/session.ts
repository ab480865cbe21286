// The only module that touches iron-session. The cookie holds nothing but a sealed session id;
// the session row on the server decides whether it is still good.
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { sealData, unsealData } from 'iron-session'
import type { Config } from '../config.js'
import type { AppEnv } from '../deps.js'
import { ApiError } from '../errors.js'
import { BoundedCache } from '../bounded-cache.js'
import { nodeHeader } from './csrf.js'

export const SESSION_COOKIE = 'parley_session'
// 50,000 cookies of ~300 bytes: ~20 MB at most, more than the signed-in users of one box.
const UNSEAL_CACHE_SIZE = 50_000
// 30 days: the session row expires with the same lifetime, so the cookie never outlives it by much.
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000

type Sealed = { sid: string }

export async function sealSessionId(config: Pick<Config, 'secretKey'>, sid: string): Promise<string> {
  return sealData({ sid } satisfies Sealed, { password: config.secretKey, ttl: SESSION_TTL_MS / 1000 })
}

export async function unsealSessionId(config: Pick<Config, 'secretKey'>, sealed: string): Promise<string | null> {
  try {
    const data = await unsealData<Partial<Sealed>>(sealed, { password: config.secretKey, ttl: SESSION_TTL_MS / 1000 })
    return typeof data.sid === 'string' && data.sid.length > 0 ? data.sid : null
  } catch {
    return null
  }
}

function secure(config: Pick<Config, 'publicUrl'>) {
  return config.publicUrl?.startsWith('https:') ?? false
}

export async function setSessionCookie(c: Context, config: Pick<Config, 'secretKey' | 'publicUrl'>, sid: string) {
  setCookie(c, SESSION_COOKIE, await sealSessionId(config, sid), {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: secure(config),
    maxAge: SESSION_TTL_MS / 1000,
  })
}

export function clearSessionCookie(c: Context, config: Pick<Config, 'publicUrl'>) {
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure: secure(config) })
}

export type SessionCheck = (sid: string) => Promise<{ userId: number } | 'revoked' | 'expired'>
export type SignedInSession = { userId: number; sid: string }

/**
 * Reads a session from the cookie's sealed value: 401 not_signed_in without a valid one,
 * session_revoked / session_expired when the row says so. Shared by requireUser and the poll's
 * fast path, so both use one cache of unsealed cookies.
 */
export function sessionReader(opts: { config: Pick<Config, 'secretKey'>; check: SessionCheck; known?: KnownSession }) {
  // Unsealing is costly (key derivation, HMAC, AES; README, Benchmarks, has the figure); a long-polling
  // client presents the same cookie every few seconds, so remember what each cookie unsealed to.
  // Only cookies that unsealed are kept; the session row still decides on every request.
  const unsealed = new BoundedCache<string, string>(UNSEAL_CACHE_SIZE)
  const read = async (sealed: string | undefined): Promise<SignedInSession> => {
    if (!sealed) throw new ApiError('not_signed_in', 'Sign in first.')
    let sid = unsealed.get(sealed) ?? null
    if (sid === null) {
      sid = await unsealSessionId(opts.config, sealed)
      if (!sid) throw new ApiError('not_signed_in', 'The session cookie is not valid; sign in again.')
      // A copy of its own as the key: `sealed` is cut out of the request's Cookie header, and a cut
      // keeps the whole header (and its request's other cookies) alive as long as it is kept.
      unsealed.set(Buffer.from(sealed, 'latin1').toString('latin1'), sid)
    }
    const result = await opts.check(sid)
    if (result === 'revoked') throw new ApiError('session_revoked', 'This session was signed out; sign in again.')
    if (result === 'expired') throw new ApiError('session_expired', 'This session expired; sign in again.')
    return { userId: result.userId, sid }
  }
  /**
   * The same session at once, when both the cookie and the session are already known and good
   * (a long-polling client's every poll); undefined otherwise, and read() then decides.
   */
  const now = (sealed: string | undefined): SignedInSession | undefined => {
    const sid = sealed && opts.known ? unsealed.get(sealed) : undefined
    const userId = sid === undefined ? undefined : opts.known!(sid)
    return userId === undefined ? undefined : { userId, sid: sid! }
  }
  /** Whether a session read before is still known and good: not revoked, not expired, still cached. */
  const still = (s: SignedInSession): boolean => opts.known !== undefined && opts.known(s.sid) === s.userId
  return Object.assign(read, { now, still })
}
export type SessionReader = ReturnType<typeof sessionReader>
/** The user of a session already known to be live (the session cache, no query), or undefined. */
export type KnownSession = (sid: string) => number | undefined

/** requireUser: sets c.var.userId and c.var.sessionId, or answers 401 as sessionReader says. */
export function sessionAuth(read: SessionReader): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const session = await requestSession(read, c)
    c.set('userId', session.userId)
    c.set('sessionId', session.sid)
    await next()
  }
}

/**
 * The signed-in session of the router's request, as sessionReader says (its 401 thrown): at once
 * when already known and good, else once read.
 */
export function requestSession(read: SessionReader, c: Context<AppEnv>): SignedInSession | Promise<SignedInSession> {
  // From the node request when there is one: no web Headers object is built just for this.
  const incoming = c.env?.incoming
  const sealed = sessionCookieOf(incoming ? nodeHeader(incoming, 'cookie') : c.req.header('cookie'))
  return read.now(sealed) ?? read(sealed)
}

/** The sealed session value in a raw Cookie header: the one reader of the session cookie, for the router and the fast paths. */
export function sessionCookieOf(header: string | undefined): string | undefined {
  if (!header) return undefined
  const name = `${SESSION_COOKIE}=`
  for (let at = header.indexOf(name); at !== -1; at = header.indexOf(name, at + 1)) {
    // A whole cookie name: at the start, or after "; " (not the tail of another name).
    if (at > 0 && header[at - 1] !== ' ' && header[at - 1] !== ';') continue
    const end = header.indexOf(';', at)
    const value = header.slice(at + name.length, end === -1 ? undefined : end).trim()
    // A sealed value has no escapes (hono's setCookie leaves its characters as they are).
    if (!value.includes('%')) return value
    try {
      return decodeURIComponent(value)
    } catch {
      return undefined
    }
  }
  return undefined
}

/** The session id behind the request's cookie, if any (for logout of a possibly revoked session). */
export async function sessionIdOf(c: Context, config: Pick<Config, 'secretKey'>): Promise<string | null> {
  const sealed = getCookie(c, SESSION_COOKIE)
  return sealed ? unsealSessionId(config, sealed) : null
}
