// A cursor names two positions: the last durable event delivered (its id in the event log) and
// the last ephemeral event delivered (a per-process sequence). Fixed-width base 36 keeps cursors
// and event ids increasing as strings as well as opaque.

export type Cursor = { readonly d: number; readonly e: number }

const D_WIDTH = 11 // 36^11 ≈ 1.3e17 event ids
const E_WIDTH = 12 // 36^12 ≈ 4.7e18 > microseconds since 1970 for centuries
const PATTERN = /^([0-9a-z]{11})-([0-9a-z]{12})$/

export function encodeCursor(c: Cursor): string {
  return `${c.d.toString(36).padStart(D_WIDTH, '0')}-${c.e.toString(36).padStart(E_WIDTH, '0')}`
}

/** null for anything that is not a cursor this server could have issued. */
export function decodeCursor(s: string): Cursor | null {
  const m = PATTERN.exec(s)
  if (!m) return null
  const d = parseInt(m[1]!, 36)
  const e = parseInt(m[2]!, 36)
  if (!Number.isSafeInteger(d) || !Number.isSafeInteger(e)) return null
  return { d, e }
}

/**
 * Ephemeral sequence numbers: microseconds of the wall clock, forced to grow by at least one.
 * Starting from the clock (not from 0) means a cursor issued before a restart is always behind
 * the new process's numbers, so nothing from the old process is expected and nothing is skipped.
 */
export class EphemeralSequence {
  private last = 0
  constructor(private readonly nowMs: () => number) {}
  next(): number {
    this.last = Math.max(this.last + 1, Math.floor(this.nowMs() * 1000))
    return this.last
  }
  /** A position every later next() is past: it is taken, so next() moves beyond it. */
  current(): number {
    this.last = Math.max(this.last, Math.floor(this.nowMs() * 1000))
    return this.last
  }
}
