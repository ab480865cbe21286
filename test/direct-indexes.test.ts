// Migration 0013: the indexes of direct messages hold direct messages only (a room message writes
// no entry into them), on SQLite and Postgres alike, and its down restores them as 0003 made them.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrations } from '../migrations/index.js'
import { onPostgres } from './helpers/postgres.js'
import { startTestServer, type TestServer } from './helpers/server.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

/** Each index's definition as the database states it, lower-cased. */
async function definitions(): Promise<Record<string, string>> {
  const db = server.deps.db
  const rows = onPostgres
    ? (await sql<{ name: string; def: string }>`select indexname as name, indexdef as def from pg_indexes where tablename = 'messages' and schemaname = current_schema()`.execute(db)).rows
    : (await sql<{ name: string; def: string }>`select name, sql as def from sqlite_master where type = 'index' and tbl_name = 'messages' and sql is not null`.execute(db)).rows
  return Object.fromEntries(rows.map((r) => [r.name, r.def.toLowerCase().replaceAll('"', '')]))
}

describe('indexes of direct messages', () => {
  it('hold direct messages only, and a migration down restores them whole', async () => {
    const partial = await definitions()
    expect(partial.messages_dialog).toMatch(/\(peer_lo, peer_hi, id\) where \(?peer_lo is not null\)?$/)
    expect(partial.messages_recipient).toMatch(/\(recipient_id, id\) where \(?recipient_id is not null\)?$/)
    const m = migrations['0013_direct_indexes_partial']!
    await m.down!(server.deps.db)
    const whole = await definitions()
    expect(whole.messages_dialog).toMatch(/\(peer_lo, peer_hi, id\)$/)
    expect(whole.messages_recipient).toMatch(/\(recipient_id, id\)$/)
    await m.up(server.deps.db)
    expect(await definitions()).toEqual(partial)
  })
})
