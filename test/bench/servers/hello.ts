// Baseline: Hono's hello world on @hono/node-server, in its own process.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { notifyParent, serveParent } from '../lib/ipc.js'

const app = new Hono().get('/', (c) => c.text('Hello, World!'))
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => notifyParent('listening', { port: info.port }))
serveParent({ close: () => new Promise<void>((r) => server.close(() => r())) }, 30 * 60_000)
