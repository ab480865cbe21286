// A cursor names two positions: the last durable event delivered (the store's position, opaque
// here) and the last ephemeral event delivered (a per-process sequence, fixed-width base 36). Both
// parts have a fixed width, so cursors and event ids increase as strings as well as being opaque.
import type { Position } from '../store/store.js'

export type Cursor = { readonly d: Position; readonly e: number }

const E_WIDTH = 12 // 36^12 ≈ 4.7e18 > microseconds since 1970 for centuries
const E_PATTERN = /^[0-9a-z]{12}$/

export function encodeCursor(c: Cursor): string {
  return `${c.d}-${c.e.toString(36).padStart(E_WIDTH, '0')}`
}

/** null for anything that is not a cursor this server could have issued (isPosition: the store's check). */
export function decodeCursor(s: string, isPosition: (p: string) => boolean): Cursor | null {
  const dash = s.lastIndexOf('-')
  if (dash < 0) return null
  const d = s.slice(0, dash)
  const tail = s.slice(dash + 1)
  if (!isPosition(d) || !E_PATTERN.test(tail)) return null
  const e = parseInt(tail, 36)
  if (!Number.isSafeInteger(e)) return null
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
  /** A number given elsewhere (by a network bus, for every process): later ones here come after it. */
  observe(seq: number): number {
    if (seq > this.last) this.last = seq
    return seq
  }
  /** A position every later next() is past: it is taken, so next() moves beyond it. */
  current(): number {
    this.last = Math.max(this.last, Math.floor(this.nowMs() * 1000))
    return this.last
  }
}
