// What the counting tools (tools/fanout-count.ts, send-count.ts, history-count.ts, search-count.ts,
// wake-count.ts) share: a server run under valgrind's callgrind, waited for, and its dumps read.
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { keepAliveAgent, request } from './http.js'
import { benchModule } from './ipc.js'
import { freePort, serverEnv, startCommand } from './parley.js'
import { cpuMicros, sleep } from './procstat.js'

export type Server = { url: string; pid: number; stderr: () => string; stop: () => Promise<void> }

/** callgrind_control finds the server by names that valgrind made with the server's HOST (Parley's own setting). */
export const VGDB_ENV = { ...process.env, HOST: '127.0.0.1' }

/**
 * valgrind's command line before node's, its dumps into outDir, instrumentation off until turned
 * on; cacheSim adds the cache simulation (misses of the first level and of the last, by function).
 */
export function callgrindPrefix(outDir: string, cacheSim = false): { cmd: string; args: string[] } {
  const sim = cacheSim ? ['--cache-sim=yes'] : []
  return { cmd: 'valgrind', args: ['--tool=callgrind', '--instr-atstart=no', ...sim, `--callgrind-out-file=${join(outDir, 'callgrind.out')}`, '--dump-line=no', process.execPath] }
}

/** Waits until `ready` says the server answers, or it exits, or 5 minutes pass (valgrind starts slowly). */
export async function started(proc: ChildProcess, ready: () => Promise<boolean>, err: () => string): Promise<void> {
  const deadline = Date.now() + 300_000
  while (!(await ready())) {
    if (proc.exitCode !== null) throw new Error(`server exited: ${err().slice(-2000)}`)
    if (Date.now() > deadline) throw new Error(`server not ready: ${err().slice(-2000)}`)
    await sleep(500)
  }
}

export function serverOf(proc: ChildProcess, url: string, err: () => string): Server {
  return { url, pid: proc.pid!, stderr: err, stop: stopper(proc) }
}

/** Stops the server: SIGTERM (its drain), SIGKILL if it has not exited a minute later. Call at once after spawning. */
export function stopper(proc: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((r) => proc.on('exit', () => r()))
  return async () => {
    proc.kill('SIGTERM')
    const t = setTimeout(() => proc.kill('SIGKILL'), 60_000)
    await exited
    clearTimeout(t)
  }
}

/** The bare node:http floor (servers/bare-hold.ts) behind `cmd args`: a bench child that says its port over IPC (which valgrind passes through). */
export async function startBareHold(cmd: string, args: string[]): Promise<Server> {
  let err = ''
  const proc = fork(benchModule('servers/bare-hold.js'), [], { env: VGDB_ENV, execPath: cmd, execArgv: args, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' })
  for (const s of [proc.stderr!, proc.stdout!]) s.setEncoding('utf8').on('data', (c: string) => (err += c))
  let port = 0
  proc.on('message', (m: { event?: string; data?: { port: number } }) => {
    if (m.event === 'listening') port = m.data!.port
  })
  await started(proc, async () => port !== 0, () => err)
  return serverOf(proc, `http://127.0.0.1:${port}`, () => err)
}

/** The server of the checkout at root, as `npm start` runs it, behind `cmd args` (node itself, or valgrind and node); its output kept. */
export async function startParleyAt(root: string, dataDir: string, cmd: string, args: string[], env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const { entry, args: serve } = startCommand(root)
  const proc = spawn(cmd, [...args, entry, ...serve], { env: { ...serverEnv(port, dataDir), ...env }, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  for (const s of [proc.stderr, proc.stdout]) s.setEncoding('utf8').on('data', (c: string) => (err += c))
  const agent = keepAliveAgent()
  try {
    await started(proc, () => request(agent, url, 'GET', '/healthz', { timeoutMs: 5000 }).then((r) => r.status === 200, () => false), () => err)
  } finally {
    agent.destroy()
  }
  return serverOf(proc, url, () => err)
}

/** Waits until the server has used under 20 ms of CPU in 300 ms (nothing pending). */
export async function idle(pid: number): Promise<void> {
  let before = cpuMicros(pid)
  for (;;) {
    await sleep(300)
    const now = cpuMicros(pid)
    if (now - before <= 20_000) return
    before = now
  }
}

/** The text of callgrind's dump number n, once written. */
export async function dumpText(outDir: string, n: number): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const f = readdirSync(outDir).find((x) => x.endsWith(`.${n}`))
    if (f) {
      const text = readFileSync(join(outDir, f), 'utf8')
      if (/^totals:\s+\d+/m.test(text)) return text
    }
    await sleep(200)
  }
  throw new Error(`callgrind dump ${n} not written`)
}

/** The instruction total of callgrind's dump number n (its "totals:" line). */
export async function dumpedInstructions(outDir: string, n: number): Promise<number> {
  return Number(/^totals:\s+(\d+)/m.exec(await dumpText(outDir, n))![1])
}
