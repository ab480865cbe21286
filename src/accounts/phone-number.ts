// Phone numbers as Parley stores them: E.164, whatever form they were typed in.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import { ApiError } from '../errors.js'

/** E.164 from a phone number written with '+', '00' or no prefix before the country code; else 400 invalid_phone. */
export function normalizePhone(input: string, path = 'phone'): string {
  // 32: longer than any phone number written with spaces and punctuation.
  const compact = input.trim().length > 32 ? '' : input.replace(/[\s().-]/g, '').replace(/^00/, '+')
  const parsed = /^\+?\d{4,20}$/.test(compact) ? parsePhoneNumberFromString(compact.startsWith('+') ? compact : `+${compact}`) : undefined
  if (!parsed || !parsed.isValid()) {
    throw new ApiError('invalid_phone', 'Not a valid phone number (use international format, e.g. +14155552671).', [
      { path, message: 'Not a valid phone number.' },
    ])
  }
  return parsed.number
}
