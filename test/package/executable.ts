// dist/parley run as a self-hoster runs it: copied alone into an empty folder, started there with
// an environment whose PATH holds no node and no npm.
import { type ChildProcess, spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectRoot } from '../../src/paths.js'

export class Executable {
  /** The folder holding the copy (and, once it ran, its ./data). */
  readonly dir = mkdtempSync(join(tmpdir(), 'parley-file-'))
  readonly file = join(this.dir, 'parley')
  /** An empty folder as the whole PATH. */
  private readonly bin = mkdtempSync(join(tmpdir(), 'parley-path-'))
  private readonly env: Record<string, string> = { PATH: this.bin, HOME: this.dir }

  constructor() {
    const built = join(projectRoot(), 'dist', 'parley')
    if (!existsSync(built)) throw new Error(`${built} is missing: npm run test:package builds it first`)
    copyFileSync(built, this.file)
    chmodSync(this.file, 0o755)
    // The premise of every test here: nothing to fall back on.
    for (const tool of ['node', 'npm']) {
      const found = spawnSync(tool, ['--version'], { env: this.env })
      if ((found.error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw new Error(`${tool} is reachable with PATH=${this.bin}`)
    }
  }

  /** Runs a command to its end (or kills it after `timeoutMs`: a command that starts a server by mistake). */
  run(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): SpawnSyncReturns<string> {
    return spawnSync(this.file, args, { cwd: this.dir, env: { ...this.env, ...env }, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' })
  }

  /** Starts `parley serve` and resolves with its URL once it logs that it listens. */
  async serve(env: Record<string, string> = {}): Promise<Server> {
    const child = spawn(this.file, ['serve'], { cwd: this.dir, env: { ...this.env, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const server = new Server(child)
    const listening = await server.logLine((l) => l.msg === 'parley listening')
    return Object.assign(server, { url: String(listening.url) })
  }

  remove() {
    rmSync(this.dir, { recursive: true, force: true })
    rmSync(this.bin, { recursive: true, force: true })
  }
}

type LogLine = Record<string, unknown>

export class Server {
  url = ''
  readonly lines: LogLine[] = []
  stderr = ''
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  private readonly waiters = new Set<() => void>()

  constructor(readonly child: ChildProcess) {
    let partial = ''
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n')
      partial = parts.pop()!
      for (const p of parts.filter(Boolean)) this.lines.push(JSON.parse(p) as LogLine)
      this.waiters.forEach((w) => w())
    })
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => void (this.stderr += chunk))
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        resolve({ code, signal })
        this.waiters.forEach((w) => w())
      }),
    )
  }

  /** The first log line (JSON) matching `pick`, waiting for it; fails if the process ends first. */
  logLine(pick: (line: LogLine) => boolean): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.find(pick)
        if (found) {
          this.waiters.delete(check)
          resolve(found)
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          this.waiters.delete(check)
          reject(new Error(`parley ended (${this.child.exitCode ?? this.child.signalCode}) without that log line: ${this.stderr}`))
        }
      }
      this.waiters.add(check)
      check()
    })
  }

  /** How many polls the server holds now, from /metrics (served to loopback). */
  async heldPolls(): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text()
    return Number(/^parley_held_polls (\d+)$/m.exec(text)?.[1] ?? NaN)
  }

  async kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
    await this.exited
  }
}
