import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { AppDeps } from '../src/deps.js'
import { startJobs } from '../src/jobs.js'

describe('periodic jobs', () => {
  it('stop() resolves only once a run in flight has finished, so the database outlives it', async () => {
    const errors: unknown[] = []
    const log = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) })
    let finished = false
    const slow = {
      name: 'slow',
      everyMs: 60_000,
      run: async () => {
        await new Promise((r) => setTimeout(r, 100))
        finished = true
      },
    }
    const jobs = startJobs({ log } as unknown as AppDeps, [slow])
    await jobs.stop()
    expect(finished).toBe(true)
    expect(errors).toEqual([])
  })
})
