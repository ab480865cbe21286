// API.md §13 and issue 11: one process per DATA_DIR (a lock the kernel drops on exit or crash),
// and the files that hold secrets readable by their owner only.
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { diskRuntime } from '../src/assets.js'
import { runCli } from '../src/cli.js'
import { loadConfig } from '../src/config.js'
import { DataDirLocked } from '../src/data-dir-lock.js'
import { startServer } from '../src/main.js'
import { spawnParley, startChildServer } from './helpers/child-server.js'
import { startTestServer } from './helpers/server.js'
import { Client } from './helpers/client.js'

const temps: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-datadir-'))
  temps.push(dir)
  return dir
}
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })))

const modeOf = (path: string) => statSync(path).mode & 0o777
const quietIo = { out: () => {}, err: () => {} }
const runtime = diskRuntime()

describe('one process per DATA_DIR', () => {
  it('a second server on the same DATA_DIR fails at once with a clear message; once the first stops, a new one starts', async () => {
    // The lock guards the SQLite file, so this runs on SQLite in the Postgres run too (there,
    // processes sharing one database is the point: API.md §14).
    const first = await startTestServer({ DATABASE_URL: '' })
    const env = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: first.dataDir, SECRET_KEY: 'x'.repeat(40), LOG_LEVEL: 'error' }
    const second = startServer(loadConfig(env), { runtime })
    await expect(second).rejects.toThrow(DataDirLocked)
    await expect(second).rejects.toThrow(`another Parley process is already serving DATA_DIR ${first.dataDir}`)
    // The first goes on serving as if nothing happened.
    expect((await first.client().get('/healthz')).status).toBe(200)
    const again = await first.restart()
    try {
      expect((await again.client().get('/healthz')).status).toBe(200)
    } finally {
      await again.close()
    }
  })

  it('across processes: the second `parley serve` exits 1 naming the lock, `admin grant` and `migrate` still work beside the first, and after a SIGKILL of the first a new one starts', async () => {
    const dataDir = tempDir()
    const first = await startChildServer(dataDir)
    let next: Awaited<ReturnType<typeof startChildServer>> | undefined
    try {
      const reg = await new Client(first.url).post('/api/auth/register', { username: 'lockkeeper', email: 'keeper@example.test', password: 'long enough' })
      expect(reg.status).toBe(201)
      const started = Date.now()
      const second = spawnParley(['serve'], { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir })
      expect(await second.exited).toBe(1)
      expect(second.output()).toContain(`another Parley process is already serving DATA_DIR ${dataDir}`)
      // At once: no busy wait (tsx's start-up is most of this).
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(first.alive()).toBe(true)
      const env = { DATA_DIR: dataDir, SECRET_KEY: 'x'.repeat(40) }
      expect(await runCli(['migrate'], env, quietIo, runtime)).toEqual({ code: 0 })
      expect(await runCli(['admin', 'grant', 'lockkeeper'], env, quietIo, runtime)).toEqual({ code: 0 })
      first.proc.kill('SIGKILL')
      await new Promise((r) => first.proc.once('exit', r))
      next = await startChildServer(dataDir)
      expect((await fetch(`${next.url}/healthz`)).status).toBe(200)
    } finally {
      await first.stop()
      await next?.stop()
    }
  }, 180_000)
})

describe('files that hold secrets are readable by their owner only', () => {
  const start = (dataDir: string) =>
    // No SECRET_KEY: one is generated into DATA_DIR. No provider: emails go to DATA_DIR/outbox.
    startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'error', PASSWORD_HASH_COST: '10' }), { runtime })

  it('a fresh DATA_DIR is 0700; the database, its WAL and SHM, the lock, the secret and the outbox files 0600', async () => {
    const dataDir = join(tempDir(), 'data')
    const running = await start(dataDir)
    try {
      const res = await new Client(running.url).post('/api/auth/register', { username: 'modes', email: 'modes@example.test', password: 'long enough' })
      expect(res.status).toBe(201)
      expect(modeOf(dataDir)).toBe(0o700)
      for (const f of ['parley.db', 'parley.db-wal', 'parley.db-shm', 'parley.lock', 'secret.key']) expect(modeOf(join(dataDir, f)), f).toBe(0o600)
      const outbox = join(dataDir, 'outbox')
      expect(modeOf(outbox)).toBe(0o700)
      const { readdirSync } = await import('node:fs')
      const mails = readdirSync(outbox)
      expect(mails.length).toBe(1)
      expect(modeOf(join(outbox, mails[0]!))).toBe(0o600)
    } finally {
      await running.stop()
    }
  })

  it('a database left group- and world-readable by an older version is narrowed at start', async () => {
    const dataDir = tempDir()
    const first = await start(dataDir)
    await first.stop()
    for (const f of ['parley.db', 'parley.db-wal']) {
      if (!existsSync(join(dataDir, f))) writeFileSync(join(dataDir, f), '')
      chmodSync(join(dataDir, f), 0o644)
    }
    const again = await start(dataDir)
    try {
      for (const f of ['parley.db', 'parley.db-wal', 'parley.db-shm']) expect(modeOf(join(dataDir, f)), f).toBe(0o600)
    } finally {
      await again.stop()
    }
  })
})
