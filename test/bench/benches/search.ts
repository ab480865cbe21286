// 6. Search: GET /api/search of a one-word and of a two-word prefix query (lib/words.ts) over the
// history benchmark's million messages (the reader is in all 1,000 rooms, so every hit is
// visible), against that run's own history figure: the same server, database and load, one
// after the other, in an order that turns each round.
import type { BenchContext } from '../lib/common.js'
import { startParley } from '../lib/parley.js'
import { ONE_WORD_QUERIES, TWO_WORD_QUERIES } from '../lib/words.js'
import { type HistoryParams, historyDatabase } from './history.js'
import { type CannonResult, cannon } from './send.js'

export const SEARCH_SIDES = ['history', 'oneWord', 'twoWords'] as const
export type SearchSide = (typeof SEARCH_SIDES)[number]
export type SearchRound = Record<SearchSide, CannonResult>

const searchPaths = (queries: readonly string[]) => queries.map((q) => `/api/search?q=${encodeURIComponent(q)}`)

export async function search(ctx: BenchContext, p: HistoryParams): Promise<{ rounds: SearchRound[]; seedMs: number; dbMB: number }> {
  const db = await historyDatabase(ctx, p)
  const paths: Record<SearchSide, string[]> = { history: db.paths, oneWord: searchPaths(ONE_WORD_QUERIES), twoWords: searchPaths(TWO_WORD_QUERIES) }
  const rounds: SearchRound[] = []
  for (let i = 0; i < ctx.rounds; i++) {
    const server = await startParley(db.dataDir)
    const round = {} as SearchRound
    try {
      for (let k = 0; k < SEARCH_SIDES.length; k++) {
        const side = SEARCH_SIDES[(i + k) % SEARCH_SIDES.length]!
        const r = await cannon({ url: server.url + paths[side][0], paths: paths[side], headers: { cookie: db.reader.cookie } }, p, server.pid)
        round[side] = r
        ctx.log(`search round ${i + 1} ${side}: ${r.perSecond.toFixed(0)}/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.cpuUsPerOk.toFixed(0)} µs server CPU each (non-2xx ${r.non2xx}, errors ${r.errors})`)
      }
    } finally {
      await server.stop()
    }
    rounds.push(round)
  }
  return { rounds, seedMs: db.seedMs, dbMB: db.dbMB }
}
