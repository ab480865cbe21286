// Parley as its own process (`parley serve` run from the sources through tsx), for what only a
// separate process shows: the DATA_DIR lock across processes and a crash (SIGKILL), a low
// file-descriptor limit (prlimit), and whether a request can end the process.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SECRET = 'child-server-secret-key-0123456789abcdef'
// 60 s: tsx compiles the sources at start; on a loaded 2-core box that takes a while.
const START_LIMIT_MS = 60_000

export type ChildServer = {
  url: string
  port: number
  proc: ChildProcess
  /** What the process wrote so far (stdout and stderr). */
  output: () => string
  /** Whether the process is still running. */
  alive: () => boolean
  /** SIGTERM (a drain), then the exit; SIGKILL if it does not exit within 15 s. */
  stop: () => Promise<number | null>
}

export async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

/** Runs `parley <args>` from the sources; `prefix` runs it under another command (e.g. prlimit). */
export function spawnParley(args: string[], env: Record<string, string>, prefix: string[] = []) {
  const argv = [...prefix, process.execPath, '--import', 'tsx', 'src/bin.ts', ...args]
  const proc = spawn(argv[0]!, argv.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', SECRET_KEY: SECRET, LOG_LEVEL: 'warn', PASSWORD_HASH_COST: '10', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  proc.stdout!.on('data', (c: Buffer) => void (output += c.toString()))
  proc.stderr!.on('data', (c: Buffer) => void (output += c.toString()))
  const exited = once(proc, 'exit').then(([code]) => code as number | null)
  return { proc, output: () => output, exited }
}

/** Starts `parley serve` on a free port over DATA_DIR and waits until /healthz answers. */
export async function startChildServer(dataDir: string, env: Record<string, string> = {}, prefix: string[] = []): Promise<ChildServer> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawnParley(['serve'], { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ...env }, prefix)
  let running = true
  void child.exited.then(() => void (running = false))
  const deadline = Date.now() + START_LIMIT_MS
  for (;;) {
    if (!running) throw new Error(`parley exited at start:\n${child.output()}`)
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false)
    if (ok) break
    if (Date.now() > deadline) {
      child.proc.kill('SIGKILL')
      throw new Error(`parley did not answer /healthz within ${START_LIMIT_MS} ms:\n${child.output()}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    port,
    proc: child.proc,
    output: child.output,
    alive: () => running,
    stop: async () => {
      if (!running) return child.proc.exitCode
      child.proc.kill('SIGTERM')
      const timer = setTimeout(() => child.proc.kill('SIGKILL'), 15_000)
      const code = await child.exited
      clearTimeout(timer)
      return code
    },
  }
}
