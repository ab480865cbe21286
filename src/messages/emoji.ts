// What PUT /api/messages/:id/reactions/:emoji takes as an emoji (API.md §16): one grapheme of at
// most 32 bytes that is an emoji, not a letter, a digit alone or a control character.

// 32 bytes: API.md §16's cap; the longest emoji in use (family and flag sequences) fit.
const MAX_BYTES = 32
const segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' })
// A pictograph (with its modifiers, variation selectors and joiners), a flag of two regional
// indicators, or a keycap ("1️⃣").
const PICTOGRAPH = /\p{Extended_Pictographic}/u
const FLAG = /^\p{Regional_Indicator}{2}$/u
const KEYCAP = /^[0-9#*]\uFE0F?\u20E3$/u
// Controls, surrogates and format characters, except the zero-width joiner and the tag characters
// of subdivision flags, which emoji sequences are made of.
const FORBIDDEN = /[\p{Cc}\p{Cs}]|(?![\u200D\u{E0020}-\u{E007F}])\p{Cf}/u

export function isEmoji(s: string): boolean {
  if (s.length === 0 || Buffer.byteLength(s, 'utf8') > MAX_BYTES || FORBIDDEN.test(s)) return false
  const graphemes = [...segmenter.segment(s)]
  if (graphemes.length !== 1) return false
  return PICTOGRAPH.test(s) || FLAG.test(s) || KEYCAP.test(s)
}
