// Times in answers: API.md §1 writes every time as ISO-8601 in UTC.

// 253,402,300,800,000 ms: 10000-01-01, where toISOString starts writing six-digit years.
const LAST_FOUR_DIGIT_YEAR = 253_402_300_800_000
const DAY_MS = 86_400_000

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`)
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`)

/**
 * What `new Date(ms).toISOString()` writes, computed by arithmetic: V8 formats a date through a
 * printf-like formatter, several times the cost of the rest of a send's message mapping, and a
 * send writes two times (the message's and its event's). Whole milliseconds from 1970 to 9999
 * (every time Parley keeps); anything else is handed to Date.
 */
export function iso(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms < LAST_FOUR_DIGIT_YEAR)) return new Date(ms).toISOString()
  const days = Math.floor(ms / DAY_MS)
  let rest = ms - days * DAY_MS
  const hour = Math.floor(rest / 3_600_000)
  rest -= hour * 3_600_000
  const minute = Math.floor(rest / 60_000)
  rest -= minute * 60_000
  const second = Math.floor(rest / 1000)
  const milli = rest - second * 1000
  // Days since 1970-01-01 to year, month, day: H. Hinnant's civil_from_days, eras of 400 years
  // counted from 0000-03-01 so that a leap day ends its year.
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365)
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const mp = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  return `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}.${three(milli)}Z`
}

export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms))
