// Queries compiled once and run with new values: each run must see its own values, never the
// ones of an earlier run, on the database and inside transactions alike.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { migrateToLatest } from '../src/db/migrate.js'
import { openDatabase, type OpenDb } from '../src/db/open.js'
import { prepared } from '../src/db/prepared.js'

let opened: OpenDb
let dir: string
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-prepared-'))
  opened = openDatabase(join(dir, 'p.db'))
  await migrateToLatest(opened.db)
})
afterEach(async () => {
  await opened.close()
  rmSync(dir, { recursive: true, force: true })
})

const putKv = prepared((db, v: { key: string; value: string }) => db.insertInto('kv').values({ key: v.key, value: v.value }))
// 'fixed' is a constant of the query, not a value: it must stay in place on every run.
const kvAbove = prepared((db, v: { from: string; to: string }) =>
  db.selectFrom('kv').select(['key', 'value']).where('key', '>=', v.from).where('key', '<', v.to).where('value', '!=', 'fixed').orderBy('key').limit(2),
)
const setKv = prepared((db, v: { key: string; value: string }) => db.updateTable('kv').set({ value: v.value }).where('key', '=', v.key))

describe('prepared queries', () => {
  it('run with the values of each call, keeping the constants of the query', async () => {
    const { db } = opened
    for (const [key, value] of [['a1', 'x'], ['a2', 'fixed'], ['a3', 'y'], ['b1', 'z'], ['b2', 'w']]) await putKv.run(db, { key: key!, value: value! })
    expect(await kvAbove.all(db, { from: 'a', to: 'b' })).toEqual([
      { key: 'a1', value: 'x' },
      { key: 'a3', value: 'y' },
    ])
    expect(await kvAbove.all(db, { from: 'b', to: 'c' })).toEqual([
      { key: 'b1', value: 'z' },
      { key: 'b2', value: 'w' },
    ])
    expect(await kvAbove.first(db, { from: 'c', to: 'd' })).toBeUndefined()
    expect(await setKv.run(db, { key: 'b1', value: 'v' })).toBe(1)
    expect(await setKv.run(db, { key: 'nope', value: 'v' })).toBe(0)
    expect(await kvAbove.first(db, { from: 'b', to: 'b2' })).toEqual({ key: 'b1', value: 'v' })
  })

  it('run inside a transaction, and roll back with it', async () => {
    const { db } = opened
    await expect(
      db.transaction().execute(async (trx) => {
        await putKv.run(trx, { key: 't1', value: 'in' })
        expect(await kvAbove.first(trx, { from: 't', to: 'u' })).toEqual({ key: 't1', value: 'in' })
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    expect(await kvAbove.first(db, { from: 't', to: 'u' })).toBeUndefined()
  })

  it('fail on the first run when a value cannot be a parameter, never later with wrong values', async () => {
    // `in` spreads an array into a list: a slot is one value, so the SQL does not even parse.
    const inList = prepared((db, v: { keys: string[] }) => db.selectFrom('kv').selectAll().where('key', 'in', v.keys))
    await expect(inList.all(opened.db, { keys: ['a'] })).rejects.toThrow()
    // A value read while building that ends up nowhere in the parameters (used to shape the query).
    const shaped = prepared((db, v: { desc: boolean }) => db.selectFrom('kv').selectAll().orderBy('key', v.desc ? 'desc' : 'asc'))
    await expect(shaped.all(opened.db, { desc: true })).rejects.toThrow(/"desc" did not become a parameter/)
  })

  it('hand back the id of the row an insert wrote, with or without RETURNING', async () => {
    const event = (v: { data: string }) => ({ type: 'user.updated' as const, data: v.data, audience: null, created_at: 0 })
    const plain = prepared((db, v: { data: string }) => db.insertInto('events').values(event(v)))
    const returning = prepared((db, v: { data: string }) => db.insertInto('events').values(event(v)).returning('id'))
    const { db } = opened
    const first = await plain.insertId(db, { data: 'one' })
    const second = await returning.insertId(db, { data: 'two' })
    const third = await plain.insertId(db, { data: 'three' })
    const rows = await db.selectFrom('events').select(['id', 'data']).orderBy('id').execute()
    expect(rows).toEqual([
      { id: first, data: 'one' },
      { id: second, data: 'two' },
      { id: third, data: 'three' },
    ])
  })
})
