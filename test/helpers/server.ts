// A real server on an ephemeral port over a real SQLite file in a fresh temp dir.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { diskRuntime } from '../../src/assets.js'
import { loadConfig } from '../../src/config.js'
import type { Clock } from '../../src/clock.js'
import type { AppOptions } from '../../src/app.js'
import { startServer, type Running } from '../../src/main.js'
import { Client } from './client.js'
import { createTestDatabase, onPostgres, type TestDatabase } from './postgres.js'

export class TestClock implements Clock {
  private offset = 0
  now() {
    return Date.now() + this.offset
  }
  advance(ms: number) {
    this.offset += ms
  }
}

export type TestServer = Running & {
  dataDir: string
  outboxDir: string
  clock: TestClock
  /** The Postgres run's database of this server (undefined on SQLite). */
  database: TestDatabase | undefined
  env: Record<string, string>
  client: () => Client
  outbox: () => OutboxEntry[]
  /** Stops (as SIGTERM would) and starts again on the same data directory. */
  restart: () => Promise<TestServer>
  close: () => Promise<void>
}

export type OutboxEntry = { channel: 'email' | 'sms'; to: string; subject?: string; text: string; created_at: string; file: string }

const SECRET = 'test-secret-key-that-is-long-enough-0123456789'

type Existing = { dataDir: string; clock: TestClock; database?: TestDatabase | undefined }

/**
 * On SQLite in a temp dir, or (the Postgres run) on a fresh database as well, dropped by close().
 * `app`: options of the app (fastPaths: false sends every request through the router).
 */
export async function startTestServer(env: Record<string, string> = {}, existing?: Existing, app: AppOptions = {}): Promise<TestServer> {
  const dataDir = existing?.dataDir ?? mkdtempSync(join(tmpdir(), 'parley-test-'))
  // A test that names its own DATABASE_URL keeps it.
  const database = existing ? existing.database : onPostgres && env.DATABASE_URL === undefined ? await createTestDatabase() : undefined
  const outboxDir = join(dataDir, 'outbox')
  const fullEnv = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    OUTBOX_DIR: outboxDir,
    SECRET_KEY: SECRET,
    LOG_LEVEL: 'error',
    // Many sign-ins, registrations and rooms from one address in a few seconds: tests of each
    // limit set it again.
    SIGNIN_RATE_LIMIT: '0',
    REGISTER_RATE_LIMIT: '0',
    ROOM_CREATE_RATE_LIMIT: '0',
    // scrypt at N=2^10, not the default 2^17 (~0.5 s a hash): test/passwords.test.ts covers 2^17.
    PASSWORD_HASH_COST: '10',
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...env,
  }
  const clock = existing?.clock ?? new TestClock()
  let running: Running
  try {
    const config = loadConfig(fullEnv)
    running = await startServer(config, { ...app, runtime: diskRuntime(), clock, log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) })
  } catch (err) {
    if (!existing) await database?.drop()
    throw err
  }
  const server: TestServer = {
    ...running,
    dataDir,
    outboxDir,
    clock,
    database,
    env,
    client: () => new Client(running.url),
    outbox: () => readOutbox(outboxDir),
    restart: async () => {
      await running.stop()
      // The same port, so clients (and their cookie jars) carry on as across a real restart.
      return startTestServer({ ...env, PORT: String(running.port) }, { dataDir, clock, database }, app)
    },
    close: async () => {
      await running.stop()
      await database?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return server
}

export function readOutbox(dir: string): OutboxEntry[] {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  } catch {
    return []
  }
  return files.map((file) => ({ ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as Omit<OutboxEntry, 'file'>), file }))
}

/** The newest outbox entry to this address, or throws. */
export function lastMessageTo(server: TestServer, to: string): OutboxEntry {
  const entry = server.outbox().filter((e) => e.to === to).at(-1)
  if (!entry) throw new Error(`no outbox message to ${to}`)
  return entry
}
