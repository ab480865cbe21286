// What user-written text may hold (API.md §13). Names are shown on one line beside other
// people's words, so a line break, a zero-width character or a bidi override there could forge
// what others see; message text may break lines and indent, nothing more. Lone surrogates are
// not text at all (they cannot be stored as UTF-8).
import { z } from 'zod'

// Unicode categories Cc (controls: CR, LF, tab, NUL…), Cf (format: zero-width, bidi marks and
// overrides) and Cs (surrogates).
const NAME_CHARS = /^[^\p{Cc}\p{Cf}\p{Cs}]*$/u
// Cc except tab and line feed; CR is a line break and is turned into LF before this check.
const TEXT_CHARS = /^[^\x00-\x08\x0b-\x1f\x7f-\x9f\p{Cs}]*$/u

/** A name, topic or other one-line text: no control or format characters. */
export const nameChars = (s: z.ZodString) => s.regex(NAME_CHARS, 'No control or format characters (line breaks, tabs, zero-width or direction marks).')

/** Text that may span lines (messages, reasons, a bio): CRLF and CR become LF; no other control characters. */
export const textChars = (s: z.ZodString) =>
  z
    .string()
    .transform((v) => v.replace(/\r\n?/g, '\n'))
    .pipe(s.regex(TEXT_CHARS, 'No control characters other than line breaks and tabs.'))
