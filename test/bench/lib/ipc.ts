// Parent ↔ child plumbing for the benchmark processes: a tiny request/answer protocol over the
// fork() IPC channel, hard deadlines on every call, and a registry of every child so that an
// interrupted run never leaves a server or load generator behind.
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

type Request = { id: number; cmd: string; args: unknown }
type Answer = { id: number; ok: boolean; result?: unknown; error?: string }
type Note = { event: string; data: unknown }

const children = new Set<ChildProcess>()
let cleanupInstalled = false

function installCleanup() {
  if (cleanupInstalled) return
  cleanupInstalled = true
  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  })
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`\nbench: ${sig}, stopping children`)
      process.exit(130)
    })
  }
}

/** Path of a sibling compiled module (the bench runs from dist/test/bench/). */
export function benchModule(rel: string): string {
  return fileURLToPath(new URL(`../${rel}`, import.meta.url))
}

export class Child {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private readonly listeners = new Map<string, Array<(data: unknown) => void>>()
  readonly exited: Promise<void>
  private stderr = ''

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    children.add(proc)
    proc.on('message', (m: Answer | Note) => {
      if ('event' in m) for (const fn of this.listeners.get(m.event) ?? []) fn(m.data)
      else {
        const p = this.pending.get(m.id)
        if (!p) return
        this.pending.delete(m.id)
        if (m.ok) p.resolve(m.result)
        else p.reject(new Error(`${name}: ${m.error}`))
      }
    })
    proc.stderr?.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-4000)
    })
    this.exited = once(proc, 'exit').then(() => {
      children.delete(proc)
      for (const p of this.pending.values()) p.reject(new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}): ${this.stderrTail()}`))
      this.pending.clear()
    })
  }

  get pid(): number {
    return this.proc.pid!
  }

  stderrTail(): string {
    return this.stderr.trim().split('\n').slice(-8).join('\n')
  }

  /** Sends a command; rejects after timeoutMs or when the child dies. */
  call<T = unknown>(cmd: string, args: unknown = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`${this.name}: ${cmd} timed out after ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      })
      this.proc.send({ id, cmd, args } satisfies Request)
    })
  }

  on(event: string, fn: (data: unknown) => void) {
    const list = this.listeners.get(event) ?? []
    list.push(fn)
    this.listeners.set(event, list)
  }

  /** Resolves with the first note of this type, or rejects after timeoutMs. */
  next<T = unknown>(event: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no '${event}' within ${timeoutMs} ms: ${this.stderrTail()}`)), timeoutMs)
      this.on(event, (d) => (clearTimeout(timer), resolve(d as T)))
      void this.exited.then(() => (clearTimeout(timer), reject(new Error(`${this.name} exited: ${this.stderrTail()}`))))
    })
  }

  /** SIGTERM, then SIGKILL if it has not gone within graceMs. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return
    this.proc.kill('SIGTERM')
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs)
    await this.exited
    clearTimeout(t)
  }
}

/** Forks one of the bench's own modules (a server or a load generator) with an IPC channel. */
export function forkBench(name: string, rel: string, opts: { env?: Record<string, string>; execArgv?: string[] } = {}): Child {
  installCleanup()
  const proc = fork(benchModule(rel), [], {
    env: { ...process.env, ...opts.env },
    execArgv: opts.execArgv ?? [],
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'advanced',
  })
  return new Child(name, proc)
}

/** Spawns a plain process (the Parley server as `npm start` runs it), no IPC. */
export function spawnPlain(name: string, cmd: string, args: string[], env: Record<string, string>, cwd: string): Child {
  installCleanup()
  const proc = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] })
  return new Child(name, proc)
}

// --- the child side ---

export type Handlers = Record<string, (args: any) => unknown>

/**
 * Serves commands from the parent. The child exits by itself when the parent goes away or when
 * maxLifetimeMs passes, so no loop can outlive the run.
 */
export function serveParent(handlers: Handlers, maxLifetimeMs: number) {
  if (!process.send) throw new Error('this module runs as a child of test/bench/run.js')
  process.on('disconnect', () => process.exit(0))
  process.on('SIGTERM', () => process.exit(0))
  setTimeout(() => {
    console.error(`${process.argv[1]}: lifetime of ${maxLifetimeMs} ms reached, exiting`)
    process.exit(3)
  }, maxLifetimeMs).unref()
  process.on('message', async (m: Request) => {
    const h = handlers[m.cmd]
    let answer: Answer
    try {
      if (!h) throw new Error(`unknown command ${m.cmd}`)
      answer = { id: m.id, ok: true, result: await h(m.args) }
    } catch (err) {
      answer = { id: m.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }
    }
    process.send!(answer)
  })
}

export function notifyParent(event: string, data: unknown = null) {
  process.send?.({ event, data } satisfies Note)
}
