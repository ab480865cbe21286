// Ways to get signed-in clients quickly, all through the public API.
import { expect } from 'vitest'
import type { Client } from './client.js'
import { lastMessageTo, type TestServer } from './server.js'

let counter = 0
export const uniqueName = (prefix = 'user') => `${prefix}${process.pid % 1000}x${++counter}`

/** Registers, verifies by the emailed link, and logs in. Returns the signed-in client and its user. */
export async function registerUser(server: TestServer, username = uniqueName(), password = 'correct horse battery') {
  const client = server.client()
  const email = `${username.toLowerCase()}@example.test`
  const reg = await client.post('/api/auth/register', { username, email, password })
  expect(reg.status, JSON.stringify(reg.body)).toBe(201)
  const link = /\/api\/auth\/verify-email\?token=([\w-]+)/.exec(lastMessageTo(server, email).text)
  const verified = await client.get(`/api/auth/verify-email?token=${link![1]}`, { headers: { accept: 'application/json' } })
  expect(verified.status).toBe(200)
  const login = await client.post('/api/auth/login', { login: username, password })
  expect(login.status, JSON.stringify(login.body)).toBe(200)
  return { client, user: login.body.data.user as { id: number; username: string; role: string }, email, password }
}

/** A guest session: the cheapest signed-in client. */
export async function guest(server: TestServer, name = uniqueName('guest')): Promise<{ client: Client; user: { id: number; name: string } }> {
  const client = server.client()
  const res = await client.post('/api/auth/guest', { name })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return { client, user: res.body.data.user }
}

/** Asserts the contract's error shape and code. */
export function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({ status, code })
  expect(typeof res.body.error.message).toBe('string')
}
