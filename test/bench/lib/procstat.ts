// CPU time and resident memory of another process, read from /proc (Linux): the same figures as
// process.cpuUsage() and process.memoryUsage().rss inside it, without touching its code.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

let ticksPerSecond: number | undefined
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

/** User + system CPU of the whole process (all threads), in microseconds; 10 ms granularity. */
export function cpuMicros(pid: number): number {
  const { user, system } = cpuSplitMicros(pid)
  return user + system
}

/** User and system CPU of the whole process (all threads), apart, in microseconds. */
export function cpuSplitMicros(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { user: (Number(rest[11]) * 1e6) / clockTicks(), system: (Number(rest[12]) * 1e6) / clockTicks() }
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status)
  return m ? Number(m[1]) * 1024 : NaN
}

/** Bytes the process caused to be written to storage (database, WAL), from /proc/<pid>/io. */
export function storageWriteBytes(pid: number): number {
  try {
    const m = /^write_bytes:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))
    return m ? Number(m[1]) : NaN
  } catch {
    return NaN
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Waits until the process uses under `share` of one core over a `windowMs` window (a burst such
 * as presence announcements has passed), at most maxMs. Returns the ms waited.
 */
export async function settle(pid: number, opts: { share?: number; windowMs?: number; maxMs?: number } = {}): Promise<number> {
  const { share = 0.1, windowMs = 500, maxMs = 20_000 } = opts
  const started = Date.now()
  let before = cpuMicros(pid)
  while (Date.now() - started < maxMs) {
    await sleep(windowMs)
    const now = cpuMicros(pid)
    if (now - before <= share * windowMs * 1000) break
    before = now
  }
  return Date.now() - started
}

/** A clock shared by all bench processes on this machine: wall time in ms with sub-ms precision. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now()
}

/** The send time the sender wrote into a measured text ("m<seq> <sent-ms> …"); undefined for others. */
export function sentAt(text: string): number | undefined {
  if (text.charCodeAt(0) !== 109 /* m */) return undefined
  const sp = text.indexOf(' ')
  return Number(text.slice(sp + 1, text.indexOf(' ', sp + 1)))
}
