// API.md §13 behind a reverse proxy: TRUST_PROXY names the proxies whose X-Forwarded-For is
// believed; per-IP limits then count real clients, and /metrics counts a proxied request as
// remote. Without TRUST_PROXY, X-Forwarded-For is ignored.
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { rawRequest } from './helpers/accounts.js'
import { startTestServer, type TestServer } from './helpers/server.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

let n = 0
/** A failed login for an account that does not exist (a fresh one each time: only the per-IP count grows). */
const failedLogin = (s: TestServer, headers: Record<string, string>, localAddress?: string) =>
  rawRequest(s.url, { method: 'POST', path: '/api/auth/login', body: { login: `nobody${++n}`, password: 'wrong password' }, headers, ...(localAddress ? { localAddress } : {}) })

describe('per-IP limits behind a proxy', () => {
  it('with TRUST_PROXY, each forwarded client has its own sign-in budget', async () => {
    server = await startTestServer({ SIGNIN_RATE_LIMIT: '10', TRUST_PROXY: '127.0.0.1' })
    for (let i = 0; i < 10; i++) expect((await failedLogin(server, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(401)
    expect((await failedLogin(server, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(429)
    // Another client behind the same proxy is not locked out.
    expect((await failedLogin(server, { 'x-forwarded-for': '203.0.113.8' })).status).toBe(401)
    // A client cannot pick its own address: the proxy appends the real one, which is what counts.
    expect((await failedLogin(server, { 'x-forwarded-for': '203.0.113.8, 203.0.113.7' })).status).toBe(429)
  })

  it('X-Forwarded-For from a peer that is not a trusted proxy is ignored', async () => {
    server = await startTestServer({ SIGNIN_RATE_LIMIT: '10', TRUST_PROXY: '127.0.0.1' })
    for (let i = 0; i < 10; i++) expect((await failedLogin(server, { 'x-forwarded-for': `198.51.100.${i}` }, '127.0.0.2')).status).toBe(401)
    expect((await failedLogin(server, { 'x-forwarded-for': '198.51.100.99' }, '127.0.0.2')).status).toBe(429)
  })

  it('without TRUST_PROXY, X-Forwarded-For is ignored: every request counts for the peer', async () => {
    server = await startTestServer({ SIGNIN_RATE_LIMIT: '10' })
    for (let i = 0; i < 10; i++) expect((await failedLogin(server, { 'x-forwarded-for': `198.51.100.${i}` })).status).toBe(401)
    expect((await failedLogin(server, { 'x-forwarded-for': '198.51.100.99' })).status).toBe(429)
  })

  it('CIDR ranges, and chains of trusted proxies: the first untrusted address from the right is the client', async () => {
    server = await startTestServer({ REGISTER_RATE_LIMIT: '1', TRUST_PROXY: '127.0.0.0/8, 10.0.0.0/8' })
    const s = server
    const register = (name: string, xff: string) =>
      rawRequest(s.url, { method: 'POST', path: '/api/auth/register', body: { username: name, email: `${name}@example.test`, password: 'long enough' }, headers: { 'x-forwarded-for': xff } })
    expect((await register('chain1', '203.0.113.20, 10.1.2.3')).status).toBe(201)
    // The same client through another inner proxy: the same budget, spent.
    expect((await register('chain2', '203.0.113.20, 10.9.9.9')).status).toBe(429)
    expect((await register('chain3', '203.0.113.21, 10.1.2.3')).status).toBe(201)
  })

  it('TRUST_PROXY must be addresses or CIDR ranges', () => {
    expect(() => loadConfig({ DATA_DIR: '/tmp/parley-unused', SECRET_KEY: 'x'.repeat(40), TRUST_PROXY: 'my-proxy.example' })).toThrow(ConfigError)
    expect(loadConfig({ DATA_DIR: '/tmp/parley-unused', SECRET_KEY: 'x'.repeat(40), TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1' }).trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', '::1'])
  })
})

describe('/metrics behind a proxy', () => {
  it('with TRUST_PROXY, a proxied request is remote (403 without METRICS_TOKEN); a direct one from loopback is not', async () => {
    server = await startTestServer({ TRUST_PROXY: '127.0.0.1', METRICS_TOKEN: 'scrape-token-0123456789' })
    const proxied = await rawRequest(server.url, { path: '/metrics', headers: { 'x-forwarded-for': '203.0.113.7' } })
    expect(proxied.status).toBe(403)
    expect(proxied.body.error.code).toBe('forbidden')
    // A forged "I am loopback" before the real address changes nothing.
    expect((await rawRequest(server.url, { path: '/metrics', headers: { 'x-forwarded-for': '127.0.0.1, 203.0.113.7' } })).status).toBe(403)
    const withToken = await rawRequest(server.url, { path: '/metrics', headers: { 'x-forwarded-for': '203.0.113.7', authorization: 'Bearer scrape-token-0123456789' } })
    expect(withToken.status).toBe(200)
    expect((await rawRequest(server.url, { path: '/metrics' })).status).toBe(200)
  })

  it('without TRUST_PROXY, X-Forwarded-For does not make a loopback scrape remote', async () => {
    server = await startTestServer()
    expect((await rawRequest(server.url, { path: '/metrics', headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200)
  })
})
