// Secrets: scrypt password hashes, random tokens and codes from the CSPRNG, constant-time compares.
import { createHash, createHmac, randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>

// N=2^15, r=8, p=1: ~32 MiB and tens of milliseconds per hash, OWASP's scrypt baseline.
const N = 32768
const R = 8
const P = 1
const KEYLEN = 32
const MAXMEM = 64 * 1024 * 1024

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password.normalize('NFC'), salt, KEYLEN, { N, r: R, p: P, maxmem: MAXMEM })
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  // Without a stored hash, still spend the time of one, so response time does not reveal accounts.
  const parts = (stored ?? DUMMY).split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [, n, r, p, saltB64, keyB64] = parts as [string, string, string, string, string, string]
  const expected = Buffer.from(keyB64, 'base64url')
  const key = await scrypt(password.normalize('NFC'), Buffer.from(saltB64, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAXMEM,
  })
  return stored !== null && key.length === expected.length && timingSafeEqual(key, expected)
}

const DUMMY = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEYLEN).toString('base64url')}`

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
