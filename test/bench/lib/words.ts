// Chat-like text for the history and search benchmarks: words drawn by Zipf's law (the rank-r word
// about 1/r as often as the first) from a vocabulary of common English words, then made-up words
// for the long tail, so a prefix such as "deplo" finds some messages, not all or none. Seeded, so
// every run (and the runs on two commits compared back to back) writes the same text.

// The head of the vocabulary in rank order: function words, then the words of a team's chat.
const COMMON = `the to and a of is it in we for on that this i you be with will at have are not can just so but do if
me my our they what about all was from as there get up out one like know or now think good time would today should
when an need which ok yes no some see then make how more thanks also go any who been back let has new work did still
deploy deployment deployed server servers meeting meetings tomorrow release released notes database migration customer
customers feedback schedule scheduled call calls budget review reviewed report reports design test tests testing build
builds issue issues ticket tickets branch merge merged fix fixed bug bugs client clients service services update
updated version production staging monday friday week weekend morning afternoon lunch coffee office remote team project
projects plan planning sprint demo docs document documents email emails slack chat message messages question questions
answer problem problems change changes config configuration password account login logout user users admin access
network latency memory disk backup backups restore cluster queue worker workers cache index search query queries
performance metrics dashboard alert alerts incident outage rollback hotfix patch security audit invoice payment
payments contract sales marketing launch roadmap quarter goals hiring interview candidate onboarding holiday vacation
sick travel flight hotel conference talk slides presentation workshop training course lesson school family kids
dinner weather rain sunny snow train bus traffic parking gym running football music movie book game photo photos`
  .split(/\s+/)
  .filter(Boolean)

// Syllables for the made-up tail ("varodel", "tusimak"): pronounceable, and no common word.
const SYLLABLES = 'ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu za ze zi zo zu'.split(' ')
const CODAS = ['', '', 'l', 'n', 'r', 'k', 's', 'm']

/** mulberry32: a small seeded generator, enough for spreading words. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The vocabulary in rank order: the common words, then `size - COMMON.length` distinct made-up ones. */
export function vocabulary(size = 5000, seed = 1): string[] {
  const rand = seeded(seed)
  const words = [...new Set(COMMON)]
  const seen = new Set(words)
  while (words.length < size) {
    const n = 2 + Math.floor(rand() * 3)
    let w = ''
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)]
    w += CODAS[Math.floor(rand() * CODAS.length)]
    if (!seen.has(w)) {
      seen.add(w)
      words.push(w)
    }
  }
  return words
}

/** `count` texts of about `length` characters: whole words by Zipf's law, a capital and a full stop. */
export function benchTexts(count: number, length: number, seed = 2): string[] {
  const words = vocabulary()
  const rand = seeded(seed)
  // Cumulative weights 1/r; a draw is a binary search.
  const cumulative = new Float64Array(words.length)
  let sum = 0
  for (let r = 0; r < words.length; r++) cumulative[r] = sum += 1 / (r + 1)
  const draw = () => {
    const x = rand() * sum
    let lo = 0
    let hi = words.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid]! < x) lo = mid + 1
      else hi = mid
    }
    return words[lo]!
  }
  return Array.from({ length: count }, () => {
    let text = draw()
    for (let w = draw(); text.length + 1 + w.length < length; w = draw()) text += ' ' + w
    return text[0]!.toUpperCase() + text.slice(1) + '.'
  })
}

// What the search benchmark asks: prefixes of mid-ranked words (each matching a few per cent of
// the messages, as a search for a project's word would), and pairs of them.
export const ONE_WORD_QUERIES = ['deplo', 'meet', 'relea', 'datab', 'custo', 'sched', 'budg', 'revi', 'migra', 'tick']
export const TWO_WORD_QUERIES = ['deplo serv', 'meet tomo', 'relea notes', 'datab migra', 'custo feedb', 'sched call', 'budg revi', 'tick fix']
