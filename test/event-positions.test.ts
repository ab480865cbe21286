// Postgres (API.md §14): event positions never skip a late commit. Two raw connections write
// events the way the app does (the tx column's default is the writing transaction): T1 begins and
// writes first, T2 writes after it and commits first. A reader ordering by id alone would deliver
// T2's event and then skip T1's, whose id is smaller, when T1 commits.
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PostgresStore } from '../src/store/postgres.js'
import { cursorOf, pollOnce } from './helpers/events.js'
import { onPostgres } from './helpers/postgres.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { guest } from './helpers/users.js'
import type { Client } from './helpers/client.js'

let server: TestServer
let reader: Client
const open: pg.Client[] = []

beforeAll(async () => {
  if (!onPostgres) return
  server = await startTestServer()
  reader = (await guest(server)).client
})
afterAll(async () => {
  await Promise.all(open.map((c) => c.end()))
  await server?.close()
})

async function connection(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: server.deps.config.postgresUrl })
  await c.connect()
  open.push(c)
  return c
}

/** An event for every signed-in user, written on this connection in its open transaction. */
const writeEvent = (c: pg.Client, roomId: number) =>
  c.query(`insert into events (type, data, users, created_at) values ('room.deleted', $1, null, $2)`, [JSON.stringify({ room_id: roomId }), Date.now()])

const roomIds = (events: Array<{ type: string; data: { room_id?: number } }>) => events.filter((e) => e.type === 'room.deleted').map((e) => e.data.room_id)

/** Polls (holding up to 5 s each) until `n` room.deleted events came; the cursor after them. */
async function pollFor(cursor: string, n: number) {
  const got: Array<number | undefined> = []
  let c = cursor
  for (let i = 0; i < 20 && got.length < n; i++) {
    const r = await pollOnce(reader, c, { timeout: 5 })
    got.push(...roomIds(r.events))
    c = r.cursor
  }
  return { got, cursor: c }
}

describe.runIf(onPostgres)('event positions on Postgres', () => {
  const store = () => server.deps.store as PostgresStore

  for (const ending of ['commit', 'rollback'] as const) {
    it(`an event committed while an older transaction is open waits for it; then each comes once, in order (older one: ${ending})`, async () => {
      const base = ending === 'commit' ? 100 : 200
      /** This case's room ids among events read from the store, in the store's order. */
      const ours = (events: Array<{ type: string; data: string }>) =>
        roomIds(events.map((e) => ({ type: e.type, data: JSON.parse(e.data) }))).filter((id) => id! > base && id! < base + 100)
      const cursor = await cursorOf(reader)
      const t1 = await connection()
      const t2 = await connection()
      await t1.query('begin')
      await writeEvent(t1, base + 1)
      await t2.query('begin')
      await writeEvent(t2, base + 2)
      await t2.query('commit')

      // T2's event is committed and visible, and nothing reads it while T1 is open: the log's
      // reader says it waits, a poll (answered from this process's log) and a read of the store
      // (a cursor from before the tail) find nothing.
      const released = await store().finalEventsAfter(store().origin, 1000)
      expect(released.pending).toBe(true)
      expect(released.events.map((e) => JSON.parse(e.data).room_id)).not.toContain(base + 2)
      const visible = await t2.query(`select count(*)::int as n from events where data = $1`, [JSON.stringify({ room_id: base + 2 })])
      expect(visible.rows[0].n).toBe(1)
      // The bus is told something committed (as a commit through the app would), and a poll
      // held meanwhile, while the log is read again and again, gets nothing from T2.
      await server.deps.bus.publish({ kind: 'committed', events: [] })
      expect(roomIds((await pollOnce(reader, cursor, { timeout: 2 })).events)).toEqual([])
      const fromStore = await store().eventsAfter(1, store().origin, 500)
      expect(ours(fromStore.events)).toEqual([])

      await t1.query(ending)
      const { got, cursor: after } = await pollFor(cursor, ending === 'commit' ? 2 : 1)
      expect(got).toEqual(ending === 'commit' ? [base + 1, base + 2] : [base + 2])
      // Nothing twice: from the answer's cursor, no room.deleted comes again.
      expect(roomIds((await pollOnce(reader, after)).events)).toEqual([])
      expect(ours((await store().eventsAfter(1, store().origin, 500)).events)).toEqual(got)
    })
  }
})
