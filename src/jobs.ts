// Periodic work, created by main and stopped on shutdown (no module-level timers).
import { endMissedCalls } from './calls/calls.js'
import type { AppDeps } from './deps.js'

// 5 s: presence goes offline within 5 s of its grace running out.
const PRESENCE_SWEEP_MS = 5_000
// 1 h: pruning is cheap and retention is counted in days.
const PRUNE_MS = 3600_000
// 5 s: an unanswered call is told `missed` within 5 s of its 60 s.
const MISSED_CALLS_MS = 5_000

/** `database`: work on the database, run by one process at a time (API.md §14); else this process's memory. */
export type Job = { everyMs: number; run: (deps: AppDeps) => Promise<unknown> | unknown; name: string; database?: true }

export const JOBS: Job[] = [
  { name: 'presence', everyMs: PRESENCE_SWEEP_MS, run: (d) => (d.presence.sweep(), d.hub.sweep(), d.limiter.sweep(24 * 3600_000)) },
  { name: 'prune-events', everyMs: PRUNE_MS, run: (d) => d.events.prune(d.config.eventRetentionDays), database: true },
  { name: 'missed-calls', everyMs: MISSED_CALLS_MS, run: endMissedCalls, database: true },
]

export function startJobs(deps: AppDeps, jobs: Job[] = JOBS) {
  // Runs still going when stop() is called: the database must outlive them.
  const running = new Set<Promise<void>>()
  const timers = jobs.map((job) => {
    const tick = () => {
      const run = (async () => {
        try {
          if (job.database) await deps.store.exclusive(job.name, async () => job.run(deps))
          else await job.run(deps)
        } catch (err) {
          deps.log.error({ err, job: job.name }, 'periodic job failed')
        }
      })()
      running.add(run)
      void run.finally(() => running.delete(run))
    }
    tick()
    const t = setInterval(tick, job.everyMs)
    t.unref()
    return t
  })
  /** Stops the timers; resolves once the runs in flight have finished. */
  const stop = async () => {
    timers.forEach((t) => clearInterval(t))
    await Promise.all(running)
  }
  return { stop }
}
