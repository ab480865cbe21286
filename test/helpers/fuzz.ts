// Pieces of the fuzz test: a seeded PRNG and hostile values.

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  chance(p: number): boolean {
    return this.next() < p
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }
  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)))
  }
}

const STRINGS = [
  '', ' ', 'a', 'x'.repeat(300), 'é', '\u0000', '\r\n', '\u202egnp.exe', '\u200b', '👨‍👩‍👧', '\ud800', '%00', '%', '../../etc/passwd',
  '<script>alert(1)</script>', "' OR 1=1 --", '${7*7}', '__proto__', 'constructor', '9'.repeat(400), '-1', '1e400', 'NaN', 'null',
  'true', '[]', '{}', '+14155552671', '14155552671', 'someone@example.test', 'not an email', '2026-13-45', 'message.created',
]

/** A hostile JSON value: wrong types, huge and nested values, odd numbers and strings. */
export function hostileValue(rng: Rng, ids: readonly number[], depth = 0): unknown {
  switch (rng.int(depth > 2 ? 6 : 9)) {
    case 0:
      return rng.pick(STRINGS)
    case 1:
      return rng.pick([0, -1, 1, 2, 0.5, -0.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 1e-300, Number.MAX_SAFE_INTEGER, 10_000, 10_001])
    case 2:
      return rng.pick(ids)
    case 3:
      return rng.pick([true, false, null])
    case 4:
      return 'z'.repeat(rng.pick([1, 100, 4001, 20_001, 60_000]))
    case 5:
      return String(rng.pick(ids))
    case 6:
      return Array.from({ length: rng.int(4) }, () => hostileValue(rng, ids, depth + 1))
    case 7:
      return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(STRINGS), hostileValue(rng, ids, depth + 1)]))
    default:
      // Deep nesting, as text: `[[[[…]]]]` thousands deep.
      return { nested: JSON.parse('['.repeat(500) + ']'.repeat(500)) }
  }
}

/** JSON text that is not quite JSON, or JSON that no schema expects. */
export function hostileJsonText(rng: Rng): string {
  return rng.pick([
    '{',
    '{"a":',
    '{"a":1,}',
    "{'a':1}",
    'null',
    '[]',
    '"text"',
    '12',
    '{"text":"\\ud800"}',
    '{"n":1e400}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '['.repeat(20_000) + ']'.repeat(20_000),
    '\u0000\u0001\u0002',
    '\uFEFF{}',
    '{"a":"' + 'b'.repeat(70_000) + '"}',
  ])
}
