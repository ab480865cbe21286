// Who the client is (API.md §13): the TCP peer, or, when the peer is one of TRUST_PROXY's
// proxies, the address that proxy forwarded in X-Forwarded-For. Without TRUST_PROXY the header
// is ignored, so a client cannot name itself another address.
import type { IncomingMessage } from 'node:http'
import type { Context } from 'hono'
import proxyaddr from 'proxy-addr'
import type { Config } from '../config.js'
import type { AppEnv } from '../deps.js'

type NodeRequest = Pick<IncomingMessage, 'headers' | 'socket'>

/**
 * The client's address for a node request. X-Forwarded-For is read from its right end, each hop
 * believed only while it comes from a trusted proxy: the first untrusted address is the client.
 */
export function clientAddress(req: NodeRequest, config: Pick<Config, 'trustProxy'>): string {
  const peer = req.socket?.remoteAddress
  if (peer === undefined) return 'unknown'
  // Compiling a few addresses costs microseconds, and only the routes that need the address ask.
  if (config.trustProxy.length === 0) return peer
  return proxyaddr(req as IncomingMessage, proxyaddr.compile([...config.trustProxy]))
}

/** The client's address behind a Hono context (see clientAddress). */
export function clientIp(c: Context<AppEnv>, config: Pick<Config, 'trustProxy'>): string {
  const incoming = c.env?.incoming
  return incoming ? clientAddress(incoming, config) : 'unknown'
}
