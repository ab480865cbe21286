import { describe, expect, it } from 'vitest'
import { sessionCookieOf } from '../src/http/session.js'

describe('sessionCookieOf (the poll fast path reads the Cookie header itself)', () => {
  it('finds the session cookie among others, wherever it stands', () => {
    expect(sessionCookieOf('parley_session=abc')).toBe('abc')
    expect(sessionCookieOf('a=1; parley_session=Fe26.2**x*y; b=2')).toBe('Fe26.2**x*y')
    expect(sessionCookieOf('a=1;parley_session=v')).toBe('v')
    expect(sessionCookieOf('a=1; parley_session=%7Ev')).toBe('~v')
  })
  it('does not take another cookie whose name ends the same way', () => {
    expect(sessionCookieOf('xparley_session=evil')).toBeUndefined()
    expect(sessionCookieOf('xparley_session=evil; parley_session=good')).toBe('good')
  })
  it('answers undefined without the cookie or with an undecodable value', () => {
    expect(sessionCookieOf(undefined)).toBeUndefined()
    expect(sessionCookieOf('')).toBeUndefined()
    expect(sessionCookieOf('other=1')).toBeUndefined()
    expect(sessionCookieOf('parley_session=%E0%A4%A')).toBeUndefined()
  })
})
