// What the polls of one app share (events/poll.ts): the answer bodies (an answer asked for again
// is the bytes already made; any other is made for what it holds) and the cursors read.
import { describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor } from '../src/events/cursor.js'
import { AnswerBodies, answerBody, Cursors } from '../src/events/poll.js'

const event = (n: number) => `{"id":"${n}","type":"room.deleted","at":"2026-12-03T00:00:00.000Z","data":{"room_id":${n}}}`
const bodyOf = (events: string[], d: string, e: number) => answerBody({ events, cursor: encodeCursor({ d, e }) })

describe('AnswerBodies', () => {
  it('gives the same bytes again for the same events up to the same cursor, however the list was built', () => {
    const bodies = new AnswerBodies()
    const one = event(1)
    const first = bodies.of([one], { d: '00000000001', e: 7 })
    expect(first.toString()).toBe(bodyOf([one], '00000000001', 7))
    expect(bodies.of([one], { d: '00000000001', e: 7 })).toBe(first)
    // Equal strings that are not the same object: the same answer.
    expect(bodies.of([event(1)], { d: '00000000001', e: 7 })).toBe(first)
  })

  it('makes a new body when the events or either part of the cursor differ', () => {
    const bodies = new AnswerBodies()
    const [a, b] = [event(1), event(2)]
    const cases: Array<[string[], string, number]> = [
      [[a], '00000000001', 7],
      [[b], '00000000001', 7],
      [[b], '00000000002', 7],
      [[b], '00000000002', 8],
      [[b, a], '00000000002', 8],
      [[b], '00000000002', 8],
      [[], '00000000002', 8],
      [[a], '00000000001', 7],
    ]
    for (const [events, d, e] of cases) expect(bodies.of(events, { d, e }).toString()).toBe(bodyOf(events, d, e))
  })
})

describe('Cursors', () => {
  const format = /^[0-9a-z]{11}$/
  it('reads a cursor as decodeCursor does, and the same text again without reading it again', () => {
    const cursors = new Cursors()
    const asked: string[] = []
    const log = { isPosition: (p: string) => (asked.push(p), format.test(p)) }
    const a = encodeCursor({ d: '00000000001', e: 7 })
    const b = encodeCursor({ d: '00000000002', e: 7 })
    const first = cursors.decode(a, log)
    expect(first).toEqual(decodeCursor(a, (p) => format.test(p)))
    expect(cursors.decode(`${a}`, log)).toBe(first)
    expect(asked).toEqual(['00000000001'])
    expect(cursors.decode(b, log)).toEqual({ d: '00000000002', e: 7 })
    expect(cursors.decode('nonsense', log)).toBeNull()
    expect(cursors.decode('nonsense', log)).toBeNull()
    expect(cursors.decode(a, log)).toEqual(first)
    expect(asked).toEqual(['00000000001', '00000000002', '00000000001'])
  })
})
