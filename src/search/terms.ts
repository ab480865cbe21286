// The words of a search and of a message as the index sees them (FTS5's unicode61 tokenizer with
// remove_diacritics 2): runs of letters and digits, lower-cased, without diacritics. Pure functions.

// A word: letters, digits and the marks that belong to them; everything else separates words.
const WORD = /[\p{L}\p{N}\p{M}]+/gu
const MARKS = /\p{M}+/gu
// 100 terms: what 200 characters can hold; a bound on the query's size however q is made.
const MAX_TERMS = 100

/** "Déploiement" → "deploiement". */
export function fold(word: string): string {
  return word.normalize('NFKD').replace(MARKS, '').toLowerCase()
}

/** The distinct folded words of q, in order; [] when q holds none (only operators or punctuation). */
export function searchTerms(q: string): string[] {
  const terms = new Set<string>()
  for (const m of q.matchAll(WORD)) {
    // A word of marks alone folds to nothing.
    for (const part of fold(m[0]).match(WORD) ?? []) terms.add(part)
    if (terms.size >= MAX_TERMS) break
  }
  return [...terms]
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

/** Whether a word of a message matches a term as the index does: a prefix, or one character exactly. */
const matches = (word: string, term: string) => (term.length > 1 ? word.startsWith(term) : word === term)

/** Whether some word of text matches the term as the index would match it (a prefix, or one character exactly). */
export function hasWord(text: string, term: string): boolean {
  if (ASCII.test(text)) return hasAsciiWord(text.toLowerCase(), term)
  for (const m of text.matchAll(WORD)) if (matches(fold(m[0]), term)) return true
  return false
}

// ASCII text, the common case, without folding word by word: its words are runs of letters and
// digits, and folding one is lower-casing it.
const ASCII = /^[\x00-\x7f]*$/
const ALNUM = /[a-z0-9]/
function hasAsciiWord(lower: string, term: string): boolean {
  for (let at = lower.indexOf(term); at >= 0; at = lower.indexOf(term, at + 1)) {
    if (at > 0 && ALNUM.test(lower[at - 1]!)) continue
    if (term.length === 1 && ALNUM.test(lower[at + 1] ?? '')) continue
    return true
  }
  return false
}

/**
 * The text HTML-escaped, with each word that matches a term wrapped in <mark>…</mark> (API.md §16):
 * safe to insert as HTML whatever the text holds.
 */
export function highlight(text: string, terms: readonly string[]): string {
  return ASCII.test(text) ? highlightAscii(text, terms) : highlightWords(text, terms)
}

/** highlight for any text (highlight's way for text that is not ASCII): its words as WORD finds them, each folded. */
export function highlightWords(text: string, terms: readonly string[]): string {
  let out = ''
  let last = 0
  for (const m of text.matchAll(WORD)) {
    const word = m[0]
    const folded = fold(word)
    if (!terms.some((t) => matches(folded, t))) continue
    out += `${escapeHtml(text.slice(last, m.index))}<mark>${escapeHtml(word)}</mark>`
    last = m.index + word.length
  }
  return out + escapeHtml(text.slice(last))
}

/** Whether the character code is an ASCII letter or digit (an ASCII text's word characters). */
const alnum = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)

/** Whether the word of `length` at `start` of the lower-cased text matches a term (a loop, not a closure made per word). */
function marked(lower: string, start: number, length: number, terms: readonly string[]): boolean {
  for (const t of terms) {
    // A term is letters and digits: matched at the word's start, it lies in the word.
    if (t.length > 1 ? lower.startsWith(t, start) : length === 1 && lower.charCodeAt(start) === t.charCodeAt(0)) return true
  }
  return false
}

/**
 * highlight for ASCII text (the common case), as highlightWords marks it: its words found by
 * character codes instead of a regular expression's iterator, each compared in the lower-cased
 * text where it stands, without a string made per word.
 */
function highlightAscii(text: string, terms: readonly string[]): string {
  const lower = text.toLowerCase()
  const n = text.length
  let out = ''
  let last = 0
  for (let i = 0; i < n; ) {
    while (i < n && !alnum(text.charCodeAt(i))) i++
    const start = i
    while (i < n && alnum(text.charCodeAt(i))) i++
    if (start === i) break
    if (!marked(lower, start, i - start, terms)) continue
    out += `${escapeHtml(text.slice(last, start))}<mark>${text.slice(start, i)}</mark>`
    last = i
  }
  return out + escapeHtml(text.slice(last))
}
