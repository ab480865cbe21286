// 4. History: GET /api/rooms/:id/messages (newest page of 50) of random rooms of a database of
// `messages` messages in `rooms` rooms, against Hono's hello world; both driven by autocannon.
import { join } from 'node:path'
import type { BenchContext } from '../lib/common.js'
import { forkBench } from '../lib/ipc.js'
import { type Guest, signInGuests, startParley } from '../lib/parley.js'
import { type CannonParams, type ThroughputRound, cannon, throughputRounds } from './send.js'

export type HistoryParams = CannonParams & { rooms: number; messages: number }
export type HistoryDb = { dataDir: string; reader: Guest; paths: string[]; seedMs: number; dbMB: number }

/**
 * The million-message database, written once per run and shared by the history and search
 * benchmarks (both only read it). The server creates and migrates it; the reader signs in for
 * real; the rest is written straight into SQLite (a million messages through HTTP would take minutes).
 */
export function historyDatabase(ctx: BenchContext, p: HistoryParams): Promise<HistoryDb> {
  return (ctx.historyDb ??= seedHistory(ctx, p))
}

async function seedHistory(ctx: BenchContext, p: HistoryParams): Promise<HistoryDb> {
  const dataDir = join(ctx.workDir, 'history')
  const setup = await startParley(dataDir)
  const [reader] = await signInGuests(setup.url, ['reader'])
  await setup.stop()
  const seeder = forkBench('seed', 'clients/seed-history.js')
  let seeded: { ms: number; dbBytes: number; roomIds: number[] }
  try {
    seeded = await seeder.call('seed', { file: join(dataDir, 'parley.db'), readerId: reader!.id, rooms: p.rooms, messages: p.messages }, 15 * 60_000)
  } finally {
    await seeder.stop()
  }
  ctx.log(`history setup: ${p.messages.toLocaleString('en-US')} messages in ${p.rooms} rooms written in ${seeded.ms} ms (${(seeded.dbBytes / 1048576).toFixed(0)} MB)`)
  return { dataDir, reader: reader!, paths: seeded.roomIds.map((id) => `/api/rooms/${id}/messages`), seedMs: seeded.ms, dbMB: seeded.dbBytes / 1048576 }
}

export async function history(ctx: BenchContext, p: HistoryParams): Promise<{ rounds: ThroughputRound[]; seedMs: number; dbMB: number }> {
  const db = await historyDatabase(ctx, p)
  const rounds = await throughputRounds(ctx, p, 'history', db.dataDir, (url, pid, onWindow) =>
    cannon({ url: url + db.paths[0], paths: db.paths, headers: { cookie: db.reader.cookie } }, p, pid, onWindow),
  )
  return { rounds, seedMs: db.seedMs, dbMB: db.dbMB }
}
