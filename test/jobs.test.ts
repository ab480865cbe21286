import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateToLatest } from '../src/db/migrate.js'
import { openPostgres } from '../src/db/postgres.js'
import type { AppDeps } from '../src/deps.js'
import { startJobs } from '../src/jobs.js'
import { PostgresStore } from '../src/store/postgres.js'
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/postgres.js'

describe('periodic jobs', () => {
  it('stop() resolves only once a run in flight has finished, so the database outlives it', async () => {
    const errors: unknown[] = []
    const log = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) })
    let finished = false
    const slow = {
      name: 'slow',
      everyMs: 60_000,
      run: async () => {
        await new Promise((r) => setTimeout(r, 100))
        finished = true
      },
    }
    const jobs = startJobs({ log } as unknown as AppDeps, [slow])
    await jobs.stop()
    expect(finished).toBe(true)
    expect(errors).toEqual([])
  })
})

describe.runIf(onPostgres)('periodic jobs on Postgres', () => {
  let database: TestDatabase
  const opened: Array<{ close: () => Promise<void> }> = []
  beforeAll(async () => {
    database = await createTestDatabase()
  })
  afterAll(async () => {
    for (const o of opened) await o.close()
    await database.drop()
  })
  const storeOn = async () => {
    const o = openPostgres(database.url, 2)
    opened.push(o)
    await migrateToLatest(o.db)
    return new PostgresStore(o.db, async () => undefined, { error: () => undefined })
  }

  it('a database job runs on one process at a time: another process skips its turn while one runs it', async () => {
    const [a, b] = [await storeOn(), await storeOn()]
    let release!: () => void
    const holding = new Promise<void>((r) => (release = r))
    let started!: () => void
    const running = new Promise<void>((r) => (started = r))
    const first = a.exclusive('prune-events', async () => {
      started()
      await holding
    })
    await running
    let ranElsewhere = false
    expect(await b.exclusive('prune-events', async () => void (ranElsewhere = true))).toBe(false)
    expect(ranElsewhere).toBe(false)
    // Another job's name is not held.
    expect(await b.exclusive('missed-calls', async () => undefined)).toBe(true)
    release()
    expect(await first).toBe(true)
    // Once the first process is done, the next turn is anyone's.
    expect(await b.exclusive('prune-events', async () => void (ranElsewhere = true))).toBe(true)
    expect(ranElsewhere).toBe(true)
  })

  it('startJobs runs a database job through the store, and a memory job on every process', async () => {
    const store = await storeOn()
    const other = await storeOn()
    let release!: () => void
    const holding = new Promise<void>((r) => (release = r))
    let started!: () => void
    const running = new Promise<void>((r) => (started = r))
    const held = other.exclusive('shared', async () => {
      started()
      await holding
    })
    await running
    const runs: string[] = []
    const log = pino({ level: 'silent' })
    const jobs = startJobs({ log, store } as unknown as AppDeps, [
      { name: 'shared', everyMs: 60_000, database: true, run: () => void runs.push('shared') },
      { name: 'local', everyMs: 60_000, run: () => void runs.push('local') },
    ])
    await jobs.stop()
    release()
    await held
    expect(runs).toEqual(['local'])
  })
})
