import type { Context } from 'hono'
import type { AppEnv } from '../deps.js'

/** The peer address of the TCP connection (a reverse proxy's own address when behind one). */
export function clientIp(c: Context<AppEnv>): string {
  return c.env?.incoming?.socket?.remoteAddress ?? 'unknown'
}
