// What the instruction-counting tools (tools/*-count.ts) share: valgrind's callgrind on a server
// process, started with instrumentation off, switched on and dumped by callgrind_control.
import { type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { sleep } from './procstat.js'

/** callgrind_control finds the server by names that valgrind made with the server's HOST (Parley's own setting). */
export const VGDB_ENV = { ...process.env, HOST: '127.0.0.1' }

/** valgrind's command line ahead of node's: callgrind, counting nothing until switched on. */
export function callgrindCommand(outDir: string): { cmd: string; args: string[] } {
  return { cmd: 'valgrind', args: ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(outDir, 'callgrind.out')}`, '--dump-line=no', process.execPath] }
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

/** The instruction total of callgrind's dump number n (its "totals:" line), once written. */
export async function dumpedInstructions(outDir: string, n: number): Promise<number> {
  for (let i = 0; i < 600; i++) {
    const f = readdirSync(outDir).find((x) => x.endsWith(`.${n}`))
    if (f) {
      const m = /^totals:\s+(\d+)/m.exec(readFileSync(join(outDir, f), 'utf8'))
      if (m) return Number(m[1])
    }
    await sleep(200)
  }
  throw new Error(`callgrind dump ${n} not written`)
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
