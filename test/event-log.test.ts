// The store and the event log below the poll: group commit, after-commit functions in commit
// order, and the database path a cursor takes when memory no longer reaches it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { migrateToLatest } from '../src/db/migrate.js'
import { openDatabase, type OpenDb } from '../src/db/open.js'
import { type BusMessage, LocalBus } from '../src/events/bus.js'
import { EventLog } from '../src/events/log.js'
import type { Trx } from '../src/db/schema.js'
import { positionOf as p, SqliteStore } from '../src/store/sqlite.js'

const clock = { now: () => Date.now() }
let opened: OpenDb | undefined
let dir: string | undefined
afterEach(async () => {
  await opened?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function logWith(tailCapacity: number) {
  dir = mkdtempSync(join(tmpdir(), 'parley-log-'))
  opened = openDatabase(join(dir, 'log.db'))
  await migrateToLatest(opened.db)
  const store = new SqliteStore(opened.db, async () => undefined, { error: () => undefined })
  await store.init()
  const bus = new LocalBus()
  const log = new EventLog(store, bus, clock, tailCapacity)
  await log.init()
  // What the bus carried: the committed events, each with its recipients.
  const wakes: Array<{ users: number[] | null; position: string }> = []
  bus.subscribe((m: BusMessage) => {
    if (m.kind !== 'committed') return
    log.received(m.events)
    for (const e of m.events) wakes.push({ users: e.users && [...e.users], position: e.position })
  })
  return { log, store, wakes, db: opened.db }
}

const ids = (r: { events: { json: string }[] }) => r.events.map((e) => JSON.parse(e.json).data.n)

describe('event log', () => {
  it('reads from the database past the memory tail, each user only its own and everyone’s events', async () => {
    const { log, store } = await logWith(2)
    await store.transaction(async (trx) => {
      await log.publish(trx, 'message.created', { n: 1 }, [1, 2])
      await log.publish(trx, 'message.created', { n: 2 }, [2])
      await log.publish(trx, 'room.created', { n: 3 }, 'everyone')
      await log.publish(trx, 'message.created', { n: 4 }, [12]) // 12 contains "1" and "2": no false match
      await log.publish(trx, 'message.created', { n: 5 }, [1])
    })
    expect(ids(await log.readAfter(1, p(0)))).toEqual([1, 3, 5])
    expect(ids(await log.readAfter(2, p(0)))).toEqual([1, 2, 3])
    expect(ids(await log.readAfter(12, p(0)))).toEqual([3, 4])
    expect(ids(await log.readAfter(1, p(0), 2))).toEqual([1, 3])
    // From memory (the last two events) the answer is the same.
    expect(ids(await log.readAfter(1, p(3)))).toEqual([5])
  })

  it('hands a committed event to the bus with its audience, and nothing of a rolled-back one', async () => {
    const { log, store, wakes, db } = await logWith(10)
    await store.transaction(async (trx) => {
      await log.publish(trx, 'message.created', { n: 1 }, [5, 3, 5])
    })
    await expect(
      store.transaction(async (trx) => {
        await log.publish(trx, 'message.created', { n: 2 }, [7])
        throw new Error('rolled back')
      }),
    ).rejects.toThrow()
    expect(wakes).toEqual([{ users: [3, 5], position: p(1) }])
    const rows = await db.selectFrom('events').select(['id', 'audience']).execute()
    expect(rows).toEqual([{ id: 1, audience: ',3,5,' }])
    expect(log.latestPosition()).toBe(p(1))
  })

  it('commits transactions that arrive together as one group, each rolled back alone when it throws', async () => {
    const { log, store, wakes, db } = await logWith(10)
    const putKv = (trx: Trx, key: string) => trx.insertInto('kv').values({ key, value: 'v' }).execute()
    // Started in the same turn of the event loop: they commit together.
    const first = store.transaction(async (trx) => {
      await putKv(trx, 'k1')
      await log.publish(trx, 'message.created', { n: 1 }, [1])
      return 'one'
    })
    const second = store.transaction(async (trx) => {
      await putKv(trx, 'k2')
      await log.publish(trx, 'message.created', { n: 2 }, [2])
      return 'two'
    })
    const third = store.transaction(async (trx) => {
      await putKv(trx, 'k3')
      await log.publish(trx, 'message.created', { n: 3 }, [3])
      throw new Error('third fails')
    })
    const fourth = store.transaction(async (trx) => {
      // Sees the writes of the functions before it, as if each had committed alone.
      const seen = await trx.selectFrom('kv').select('key').where('key', 'like', 'k%').orderBy('key').execute()
      await putKv(trx, 'k4')
      await log.publish(trx, 'message.created', { n: 4 }, [4])
      return seen.map((r) => r.key)
    })
    const settled = await Promise.allSettled([first, second, third, fourth])
    expect(store.commits).toBe(1)
    expect(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['one', 'two', 'third fails', ['k1', 'k2']])
    const keys = await db.selectFrom('kv').select('key').where('key', 'like', 'k%').orderBy('key').execute()
    expect(keys.map((r) => r.key)).toEqual(['k1', 'k2', 'k4'])
    // The committed functions' events reach the bus in commit order; the failed one's is gone everywhere.
    expect(wakes.map((w) => w.users)).toEqual([[1], [2], [4]])
    expect(ids(await log.readAfter(4, p(0)))).toEqual([4])
    expect(ids(await log.readAfter(3, p(0)))).toEqual([])
    const events = await db.selectFrom('events').select('data').orderBy('id').execute()
    expect(events.map((e) => JSON.parse(e.data).n)).toEqual([1, 2, 4])
    // One started later, alone, commits alone.
    await store.transaction(async (trx) => putKv(trx, 'k5'))
    expect(store.commits).toBe(2)
  })

  it('runs after-commit functions in commit order, before the caller’s answer, and none of a rolled-back function', async () => {
    const { store } = await logWith(10)
    const ran: string[] = []
    const job = (name: string, fail = false) =>
      store.transaction(async (trx) => {
        store.onCommit(trx, () => ran.push(`${name} hook`))
        if (fail) throw new Error(name)
        return name
      }).then((v) => void ran.push(`${v} answered`), () => void ran.push(`${name} refused`))
    await Promise.all([job('a'), job('b', true), job('c')])
    expect(ran.filter((r) => r.endsWith('hook'))).toEqual(['a hook', 'c hook'])
    expect(ran.indexOf('a hook')).toBeLessThan(ran.indexOf('a answered'))
    expect(ran.indexOf('c hook')).toBeLessThan(ran.indexOf('c answered'))
    expect(ran).toContain('b refused')
    await expect(store.db.transaction().execute(async (trx) => store.onCommit(trx, () => undefined))).rejects.toThrow(/store.transaction/)
  })

  it('after a restart the newest events are back in memory and older ones are read from the log', async () => {
    const first = await logWith(3)
    await first.store.transaction(async (trx) => {
      for (let n = 1; n <= 6; n++) await first.log.publish(trx, 'message.created', { n }, [1])
    })
    const again = new EventLog(first.store, new LocalBus(), clock, 3)
    await again.init()
    expect(again.latestPosition()).toBe(p(6))
    expect(ids(await again.readAfter(1, p(0)))).toEqual([1, 2, 3, 4, 5, 6])
    expect(ids(await again.readAfter(1, p(4)))).toEqual([5, 6])
    expect(again.knownSince(p(6))).toBe(true)
    expect(again.knownSince(p(5))).toBe(false)
  })

  it('publishing outside store.transaction() is refused', async () => {
    const { log, db } = await logWith(3)
    await expect(db.transaction().execute((trx) => log.publish(trx, 'message.created', {}, [1]))).rejects.toThrow(/store.transaction/)
  })
})
