// Secrets: scrypt password hashes, random tokens and codes from the CSPRNG, constant-time compares.
import { createHash, createHmac, randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>

// API.md §13: scrypt with r=8, p=1 and N=2^cost, cost from PASSWORD_HASH_COST (17 by default:
// ~128 MiB and about half a second of one core per hash, off the event loop in libuv's pool).
const R = 8
const P = 1
const KEYLEN = 32
// A stored hash names its own N; past 2^20 (1 GiB per hash) it is refused, never computed.
const MAX_STORED_N = 2 ** 20

const params = (n: number, r: number, p: number) => ({ N: n, r, p, maxmem: 256 * n * r })

export async function hashPassword(password: string, cost: number): Promise<string> {
  const n = 2 ** cost
  const salt = randomBytes(16)
  const key = await scrypt(password.normalize('NFC'), salt, KEYLEN, params(n, R, P))
  return `scrypt$${n}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

type Parsed = { n: number; r: number; p: number; salt: Buffer; key: Buffer }

function parse(stored: string): Parsed | null {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  if (![n, r, p].every(Number.isSafeInteger) || n < 2 || n > MAX_STORED_N || (n & (n - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return null
  return { n, r, p, salt: Buffer.from(parts[4]!, 'base64url'), key: Buffer.from(parts[5]!, 'base64url') }
}

/**
 * Whether the password matches the stored hash. Without a stored hash it still spends the time
 * of one at `cost`, so response time does not reveal which accounts exist.
 */
export async function verifyPassword(password: string, stored: string | null, cost: number): Promise<boolean> {
  const parsed = stored === null ? dummy(cost) : parse(stored)
  if (!parsed) return false
  const key = await scrypt(password.normalize('NFC'), parsed.salt, parsed.key.length, params(parsed.n, parsed.r, parsed.p))
  return stored !== null && key.length === parsed.key.length && timingSafeEqual(key, parsed.key)
}

/** Whether a hash is weaker than what `cost` asks for now (upgraded at the next sign-in). */
export function needsRehash(stored: string, cost: number): boolean {
  const parsed = parse(stored)
  return parsed === null || parsed.n < 2 ** cost || parsed.r < R || parsed.p < P
}

const dummy = (cost: number): Parsed => ({ n: 2 ** cost, r: R, p: P, salt: Buffer.alloc(16), key: Buffer.alloc(KEYLEN) })

/** A URL-safe random token (256 bits). */
export const randomToken = () => randomBytes(32).toString('base64url')

/** A 6-digit code, uniformly from the CSPRNG. */
export const randomCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0')

/** Tokens and codes are stored only as their SHA-256; a leaked table holds nothing usable. */
export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/** Constant-time equality of two strings (different lengths compare false without early exit on content). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab)
    return false
  }
  return timingSafeEqual(ab, bb)
}

export const hmacSha256Hex = (key: string, message: string) => createHmac('sha256', key).update(message).digest('hex')
