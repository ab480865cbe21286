// Reads a V8 .cpuprofile (node --cpu-prof) and says where the busy time went: self time by
// function and by module, and inclusive time by function (each sample counted once per frame).
import { type Dirent, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

/** A span of CLOCK_MONOTONIC microseconds: V8's profile clock, and process.hrtime in any process. */
export type Window = [number, number]

export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

export type Share = { name: string; share: number }
export type ProfileSummary = { file: string; window: boolean; busyMs: number; selfByFunction: Share[]; selfByModule: Share[]; inclusive: Share[] }

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length)
  const dist = url.indexOf('/dist/')
  if (dist >= 0) return url.slice(dist + '/dist/'.length)
  return url.replace(/^file:\/\//, '')
}

function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native: V8 builtins, JSON, crypto bindings)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  if (url.startsWith('node:')) return url
  const dist = url.indexOf('/dist/')
  if (dist >= 0) return 'parley ' + url.slice(dist + '/dist/'.length)
  return url
}

function top(map: Map<string, number>, total: number, n: number): Share[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, v]) => ({ name, share: v / total }))
}

/** With a window, only the samples taken inside it count (e.g. just the measured phase). */
export function summarizeProfile(file: string, n = 20, window?: Window): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(p.nodes.map((x) => [x.id, x]))
  const parent = new Map<number, number>()
  for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id)
  const key = (x: Node) => `${x.callFrame.functionName || '(anonymous)'} ${shortUrl(x.callFrame.url)}${x.callFrame.url ? ':' + (x.callFrame.lineNumber + 1) : ''}`
  const self = new Map<string, number>()
  const mods = new Map<string, number>()
  const incl = new Map<string, number>()
  let busy = 0
  let t = p.startTime
  let inWindow = 0
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0
    if (window && (t < window[0] || t > window[1])) continue
    inWindow++
    const x = byId.get(p.samples[i]!)!
    const id = x.id
    if (x.callFrame.functionName === '(idle)') continue
    busy++
    const k = key(x)
    self.set(k, (self.get(k) ?? 0) + 1)
    const m = moduleOf(x.callFrame.url, x.callFrame.functionName)
    mods.set(m, (mods.get(m) ?? 0) + 1)
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur)!
      if (node.callFrame.functionName === '(root)') break
      const kk = key(node)
      if (seen.has(kk)) continue
      seen.add(kk)
      incl.set(kk, (incl.get(kk) ?? 0) + 1)
    }
  }
  // A window the profile does not overlap (clock mismatch): fall back to the whole process.
  if (window && inWindow === 0) return summarizeProfile(file, n)
  const msPerSample = (p.endTime - p.startTime) / 1000 / Math.max(1, p.samples.length)
  return { file, window: window !== undefined && inWindow > 0, busyMs: busy * msPerSample, selfByFunction: top(self, busy, n), selfByModule: top(mods, busy, n), inclusive: top(incl, busy, n + 10) }
}

/** Every profile under dir (one per server process), summarized. */
/** Every profile in dir and in its subdirectories one level down (the cluster bench's sides). */
export function summarizeDir(dir: string, n = 20, window?: Window): ProfileSummary[] {
  let entries: Dirent[]
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
  const files = entries.filter((e) => e.isFile() && e.name.endsWith('.cpuprofile')).map((e) => join(dir, e.name))
  for (const sub of entries.filter((e) => e.isDirectory())) {
    for (const f of readdirSync(join(dir, sub.name))) if (f.endsWith('.cpuprofile')) files.push(join(dir, sub.name, f))
  }
  return files.map((f) => summarizeProfile(f, n, window))
}

export function formatProfile(s: ProfileSummary): string {
  const pct = (v: number) => `${(v * 100).toFixed(1).padStart(5)}%`
  const lines = [`profile ${s.file} — ${(s.busyMs / 1000).toFixed(1)} s busy${s.window ? ' in the measured window' : ' (whole process)'}`]
  lines.push('  self time by module:')
  for (const x of s.selfByModule) lines.push(`    ${pct(x.share)}  ${x.name}`)
  lines.push('  self time by function:')
  for (const x of s.selfByFunction) lines.push(`    ${pct(x.share)}  ${x.name}`)
  lines.push('  inclusive time by function:')
  for (const x of s.inclusive) lines.push(`    ${pct(x.share)}  ${x.name}`)
  return lines.join('\n')
}
