// Faye's Node client for the fan-out peer, held to one transport: HTTP long-polling.
import http from 'node:http'
import faye, { type Client } from 'faye'

export const FAYE_MOUNT = '/faye'
export const FAYE_ROOM = '/room'

// Every connection type Faye knows besides 'long-polling' (Node registers 'in-process' and
// 'websocket'; the others are the browser's), so the client can pick no other.
const OTHER_TRANSPORTS = ['websocket', 'eventsource', 'in-process', 'cross-origin-long-polling', 'callback-polling']

/**
 * Faye's Node client takes no agent option: its long-polling transport calls http.request without
 * one, which uses http.globalAgent. So a process of Faye clients makes the shared bench agent the
 * global one, and every request of every Faye client in it goes through that agent.
 */
export function useAgentForFaye(agent: http.Agent): void {
  http.globalAgent = agent
}

export function longPollingClient(baseUrl: string): Client {
  const client = new faye.Client(`${baseUrl}${FAYE_MOUNT}`)
  for (const t of OTHER_TRANSPORTS) client.disable(t)
  return client
}
