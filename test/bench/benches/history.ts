// 4. History: GET /api/rooms/:id/messages (newest page of 50) of random rooms of a database of
// `messages` messages in `rooms` rooms, against Hono's hello world; both driven by autocannon.
import { join } from 'node:path'
import type { BenchContext } from '../lib/common.js'
import { forkBench } from '../lib/ipc.js'
import { signInGuests, startParley } from '../lib/parley.js'
import { type CannonParams, type ThroughputRound, cannon, throughputRounds } from './send.js'

export type HistoryParams = CannonParams & { rooms: number; messages: number }

export async function history(ctx: BenchContext, p: HistoryParams): Promise<{ rounds: ThroughputRound[]; seedMs: number; dbMB: number }> {
  const dataDir = join(ctx.workDir, 'history')
  // The server creates and migrates the database; the reader signs in for real; the rest is
  // written straight into SQLite (a million messages through HTTP would take minutes).
  const setup = await startParley(dataDir)
  const [reader] = await signInGuests(setup.url, ['reader'])
  await setup.stop()
  const seeder = forkBench('seed', 'clients/seed-history.js')
  let seeded: { ms: number; dbBytes: number; roomIds: number[] }
  try {
    seeded = await seeder.call('seed', { file: join(dataDir, 'parley.db'), readerId: reader!.id, rooms: p.rooms, messages: p.messages }, 10 * 60_000)
  } finally {
    await seeder.stop()
  }
  ctx.log(`history setup: ${p.messages.toLocaleString('en-US')} messages in ${p.rooms} rooms written in ${seeded.ms} ms (${(seeded.dbBytes / 1048576).toFixed(0)} MB)`)
  const paths = seeded.roomIds.map((id) => `/api/rooms/${id}/messages`)

  const rounds = await throughputRounds(ctx, p, 'history', dataDir, (url, pid, onWindow) =>
    cannon({ url: url + paths[0], paths, headers: { cookie: reader!.cookie } }, p, pid, onWindow),
  )
  return { rounds, seedMs: seeded.ms, dbMB: seeded.dbBytes / 1048576 }
}
