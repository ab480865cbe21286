// A redis-server of the test's own, on a free port, that the test may stop and start again (the
// machine's Redis on 6379 is never touched). Nothing is saved: a restart starts empty, as a Redis
// used only for what is not durable may.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { freePort } from './child-server.js'

export type TestRedis = {
  url: string
  port: number
  /** A key prefix of its own, for the servers of one test. */
  prefix: () => string
  stop: () => Promise<void>
  start: () => Promise<void>
  /** SIGSTOP / SIGCONT: connected but not answering. */
  pause: () => void
  resume: () => void
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let proc: ChildProcess | undefined
  const start = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    // Answers PING: ready.
    for (let i = 0; ; i++) {
      const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
      probe.on('error', () => undefined)
      const ok = await probe.connect().then(
        () => probe.ping().then(() => true),
        () => false,
      )
      probe.disconnect()
      if (ok) return
      if (i > 100 || proc.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const stop = async () => {
    const p = proc
    proc = undefined
    if (!p || p.exitCode !== null) return
    const exited = once(p, 'exit')
    p.kill('SIGKILL')
    await exited
  }
  await start()
  return {
    url,
    port,
    prefix: () => `test-${randomBytes(6).toString('hex')}:`,
    stop,
    start,
    pause: () => void proc?.kill('SIGSTOP'),
    resume: () => void proc?.kill('SIGCONT'),
  }
}
