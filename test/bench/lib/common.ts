// What every benchmark receives from run.ts, and small helpers they share.
import { type Child, forkBench } from './ipc.js'
import { sleep } from './procstat.js'
import type { Window } from './profile.js'
import type { HistoryDb } from '../benches/history.js'

export type BenchContext = {
  rounds: number
  quick: boolean
  /** Scratch directory for data dirs and databases, removed at the end unless BENCH_KEEP=1. */
  workDir: string
  /** When set, Parley servers run with --cpu-prof writing here. */
  profDir: string | undefined
  log: (line: string) => void
  /** Measured phase of each profiled server ('fanout-0', …), to slice its CPU profile. */
  windows: Record<string, Window>
  /** The million-message database, once written (history and search share it). */
  historyDb?: Promise<HistoryDb>
}

/** Sides of a comparison in round i: alternate which goes first, so drift hits both alike. */
export function order<T>(i: number, a: T, b: T): [T, T] {
  return i % 2 === 0 ? [a, b] : [b, a]
}

/** Forks one of our own servers and waits for its port. */
export async function startOwnServer(name: string, rel: string): Promise<{ child: Child; url: string; pid: number; stop: () => Promise<void> }> {
  const child = forkBench(name, rel)
  const { port } = await child.next<{ port: number }>('listening', 20_000)
  return { child, url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.stop() }
}

/** Polls `check` every `everyMs` until it returns true or maxMs passes; returns whether it did. */
export async function until(check: () => Promise<boolean> | boolean, maxMs: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + maxMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(everyMs)
  }
  return check()
}

/** Splits items into n nearly equal consecutive parts. */
export function split<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = []
  const size = Math.ceil(items.length / n)
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export const MB = 1024 * 1024
