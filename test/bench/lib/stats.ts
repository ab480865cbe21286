// Summaries the report prints: percentiles of one round, min/median/max across rounds.

export type Spread = { min: number; median: number; max: number; rounds: number[] }

/** p in [0, 100] over an ascending array (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!
}

export function sortedCopy(values: Iterable<number>): Float64Array {
  return Float64Array.from(values).sort()
}

export function spread(rounds: number[]): Spread {
  const s = [...rounds].filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (s.length === 0) return { min: NaN, median: NaN, max: NaN, rounds }
  const mid = s.length >> 1
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
  return { min: s[0]!, median, max: s.at(-1)!, rounds }
}

/** Per-round ratios a/b (paired: the same round ran both sides back to back). */
export function ratios(a: number[], b: number[]): Spread {
  return spread(a.map((v, i) => v / b[i]!))
}

export function fmt(v: number, digits = 0): string {
  if (!Number.isFinite(v)) return '—'
  if (Math.abs(v) >= 1000 && digits === 0) return Math.round(v).toLocaleString('en-US')
  return v.toFixed(digits)
}
