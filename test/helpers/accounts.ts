// Helpers for the account tests: outbox waits, raw requests from a chosen local address,
// cookie inspection and a look into the database through a connection of its own.
import { request } from 'node:http'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { Client } from './client.js'
import type { OutboxEntry, TestServer } from './server.js'

/** Resolves with the outbox entries once `pick` finds at least one (some mails are sent after the answer). */
export async function waitForOutbox(server: TestServer, pick: (e: OutboxEntry) => boolean, tries = 500): Promise<OutboxEntry[]> {
  for (let i = 0; i < tries; i++) {
    const found = server.outbox().filter(pick)
    if (found.length > 0) return found
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error('no matching outbox entry arrived')
}

/** A second client holding the same cookies: the same browser, as seen later. */
export function cloneClient(server: TestServer, client: Client): Client {
  const copy = server.client()
  for (const [k, v] of client.cookies) copy.cookies.set(k, v)
  return copy
}

/** The Set-Cookie line for parley_session in a response. */
export function sessionCookieLine(headers: Headers): string {
  const line = headers.getSetCookie().find((l) => l.startsWith('parley_session='))
  if (!line) throw new Error('no parley_session cookie set')
  return line
}

/**
 * Runs one query (`?` placeholders) on the server's database through a separate connection:
 * read-only on the SQLite file, or a connection of its own to the Postgres database.
 */
export async function inDb<T = Record<string, unknown>>(server: TestServer, text: string, params: unknown[] = []): Promise<T[]> {
  const url = server.deps.config.postgresUrl
  if (url) {
    const client = new pg.Client({ connectionString: url, types: { getTypeParser: (oid: number) => (oid === 20 ? Number : pg.types.getTypeParser(oid)) } as pg.CustomTypesConfig })
    await client.connect()
    try {
      let n = 0
      return (await client.query(text.replace(/\?/g, () => `$${++n}`), params)).rows as T[]
    } finally {
      await client.end()
    }
  }
  const db = new SQLite(server.deps.config.databaseFile, { readonly: true, fileMustExist: true })
  try {
    return db.prepare(text).all(...params) as T[]
  } finally {
    db.close()
  }
}

export type RawRes = { status: number; headers: Record<string, string | string[] | undefined>; body: any }

/** One JSON request over node:http on a connection of its own, optionally from a given local address (e.g. 127.0.0.2, another IP). */
export function rawRequest(
  url: string,
  opts: { method?: string; path: string; body?: unknown; headers?: Record<string, string>; localAddress?: string; signal?: AbortSignal },
): Promise<RawRes> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body)
  const headers: Record<string, string> = { ...opts.headers }
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json'
    headers['content-length'] = String(Buffer.byteLength(payload))
  }
  return new Promise((resolve, reject) => {
    const req = request(new URL(opts.path, url), { method: opts.method ?? 'GET', headers, localAddress: opts.localAddress, agent: false, ...(opts.signal ? { signal: opts.signal } : {}) }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown = text
        try {
          body = text ? JSON.parse(text) : undefined
        } catch {
          /* keep the text */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

/** The code in a sign-in SMS: the only 6-digit number of its text. */
export function codeIn(text: string): string {
  const codes = text.match(/\b\d{6}\b/g) ?? []
  if (codes.length !== 1) throw new Error(`expected exactly one 6-digit number in: ${text}`)
  return codes[0]!
}

/** Resolves once the server holds at least `n` polls (instead of sleeping and hoping). */
export async function pollsHeld(server: TestServer, n = 1): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (server.deps.hub.heldPolls() >= n) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`the server never held ${n} poll(s)`)
}
