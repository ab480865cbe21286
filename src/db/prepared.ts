// Queries built and compiled by kysely once, then run many times with new values. Building and
// compiling a query costs several times what SQLite takes to run a small one (README, Benchmarks); the
// hot paths (send, history, the event log) run the same few shapes thousands of times a second.
import type { CompiledQuery, Compilable, QueryResult } from 'kysely'
import type { Q } from './schema.js'

/** Stands for a named value while the query is compiled; replaced by the value on each run. */
class Slot {
  constructor(readonly name: string) {}
}

export type Prepared<P, R> = {
  /** All rows. */
  all(db: Q, values: P): Promise<R[]>
  /** The first row, or undefined. */
  first(db: Q, values: P): Promise<R | undefined>
  /** Runs it for its effect: the number of rows changed. */
  run(db: Q, values: P): Promise<number>
  /**
   * Runs an insert of one row: its id, as the database hands it back (SQLite's rowid of a plain
   * insert, else the `id` the query returns).
   */
  insertId(db: Q, values: P): Promise<number>
}

type Compiled = { query: CompiledQuery; names: (string | null)[] }

/**
 * A query built by `build`, compiled the first time it runs on a database (per dialect) with each
 * value of `P` replaced by a slot. Every value `build` reads must become a parameter of the SQL: a
 * value kysely inlines, or an array spread by `in`, cannot be a slot, and such a query throws on
 * its first run instead of running with wrong values.
 */
export function prepared<P extends Record<string, unknown>, R>(build: (db: Q, values: P) => Compilable<R>): Prepared<P, R> {
  // By adapter: the database and its transactions share one, and the SQL depends on nothing else.
  const byAdapter = new WeakMap<object, Compiled>()
  const compile = (q: Q): Compiled => {
    const read = new Set<string>()
    const slots = new Proxy({} as P, {
      get: (_, name) => {
        if (typeof name !== 'string') return undefined
        read.add(name)
        return new Slot(name)
      },
    })
    const query = build(q, slots).compile()
    const names = query.parameters.map((p) => (p instanceof Slot ? p.name : null))
    for (const name of read) {
      if (!names.includes(name)) throw new Error(`prepared: value "${name}" did not become a parameter of: ${query.sql}`)
    }
    return { query, names }
  }
  const run = (q: Q, values: P) => {
    const adapter = q.getExecutor().adapter
    let c = byAdapter.get(adapter)
    if (!c) byAdapter.set(adapter, (c = compile(q)))
    const fixed = c.query.parameters
    return runCompiled<R>(q, { ...c.query, parameters: c.names.map((name, i) => (name === null ? fixed[i] : values[name])) } as CompiledQuery<R>)
  }
  return {
    all: async (q, values) => (await run(q, values)).rows,
    first: async (q, values) => (await run(q, values)).rows[0],
    run: async (q, values) => Number((await run(q, values)).numAffectedRows ?? 0n),
    insertId: async (q, values) => {
      const result = await run(q, values)
      const id = result.insertId ?? (result.rows[0] as { id?: number } | undefined)?.id
      if (id === undefined) throw new Error('prepared: an insert that handed back no id')
      return Number(id)
    },
  }
}

/**
 * Runs a compiled query as `q.executeQuery` does, two promise steps shorter: on the executor's
 * connection directly, since there are no plugins whose result transforms would run (none is set
 * up; with any, kysely's own way). The hot paths run several such queries per request.
 */
export function runCompiled<R>(q: Q, query: CompiledQuery<R>): Promise<QueryResult<R>> {
  const executor = q.getExecutor()
  if (executor.plugins.length > 0) return q.executeQuery(query)
  return executor.provideConnection((connection) => connection.executeQuery<R>(query))
}
