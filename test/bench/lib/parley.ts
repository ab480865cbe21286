// The Parley server under test, started exactly as `npm start` starts it (the command after the
// build step of package.json's start script), plus the setup steps the benchmarks share.
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Child, spawnPlain } from './ipc.js'
import { type HttpAnswer, keepAliveAgent, pool, request, waitHealthy } from './http.js'

// dist/test/bench/lib → the repository root.
export const ROOT = resolve(fileURLToPath(new URL('../../../../', import.meta.url)))
export const SECRET_KEY = 'bench-secret-key-0123456789-abcdefghijklmnop'
/**
 * Where Parley's server is started from: this checkout, or BENCH_PARLEY_ROOT, another checkout
 * (built: `npx tsc -p src` there) whose server this run's harness measures, for back-to-back runs
 * of two commits under the same benchmark code.
 */
export const SERVER_ROOT = process.env.BENCH_PARLEY_ROOT ? resolve(process.env.BENCH_PARLEY_ROOT) : ROOT

/** `node dist/src/cli.js serve` today: whatever follows `node` in the start script's last step (of `root`'s package.json). */
export function startCommand(root = SERVER_ROOT): { entry: string; args: string[] } {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  const start = pkg.scripts.start ?? ''
  const last = start.split('&&').at(-1)!.trim()
  const m = /^node\s+(\S+)(.*)$/.exec(last)
  if (!m) throw new Error(`cannot read the server command from the start script: ${start}`)
  const entry = join(root, m[1]!)
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build that checkout first (npx tsc -p src)`)
  return { entry, args: m[2]!.trim().split(/\s+/).filter(Boolean) }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolvePort(port))
    })
  })
}

/** The environment the benchmarks run the server with (no rate limits, warnings only in the log). */
export function serverEnv(port: number, dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SECRET_KEY,
    SEND_RATE_LIMIT: '0',
    SIGNIN_RATE_LIMIT: '0',
    LOG_LEVEL: 'warn',
    REQUIRE_EMAIL_VERIFICATION: 'false',
    OUTBOX_DIR: join(dataDir, 'outbox'),
  }
}

export type ParleyServer = { url: string; pid: number; child: Child; stop: () => Promise<void> }

export async function startParley(dataDir: string, opts: { cpuProfDir?: string; env?: Record<string, string>; execArgv?: string[] } = {}): Promise<ParleyServer> {
  mkdirSync(dataDir, { recursive: true })
  const port = await freePort()
  const { entry, args } = startCommand()
  const execArgv: string[] = [...(opts.execArgv ?? [])]
  if (opts.cpuProfDir) {
    mkdirSync(opts.cpuProfDir, { recursive: true })
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`)
  }
  const env: Record<string, string> = { ...serverEnv(port, dataDir), ...opts.env }
  const child = spawnPlain('parley', process.execPath, [...execArgv, entry, ...args], env, SERVER_ROOT)
  const url = `http://127.0.0.1:${port}`
  const agent = keepAliveAgent()
  try {
    await waitHealthy(agent, url, '/healthz', 30_000, () => child.proc.exitCode === null)
  } catch (err) {
    await child.stop()
    throw new Error(`${err instanceof Error ? err.message : err}\n${child.stderrTail()}`)
  } finally {
    agent.destroy()
  }
  // SIGTERM drains as a user's stop would; the CPU profile (if any) is written on that exit.
  return { url, pid: child.pid, child, stop: () => child.stop(15_000) }
}

function expect(r: HttpAnswer, status: number[], what: string): HttpAnswer {
  if (!status.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`)
  return r
}

export type Guest = { id: number; cookie: string }

/** Real guest sign-ins through the API, `limit` at a time. */
export async function signInGuests(url: string, names: string[], limit = 16): Promise<Guest[]> {
  const agent = keepAliveAgent()
  try {
    return await pool(names, limit, async (name) => {
      const r = expect(await request(agent, url, 'POST', '/api/auth/guest', { json: { name } }), [201], `guest sign-in ${name}`)
      if (!r.cookie) throw new Error('guest sign-in set no cookie')
      return { id: r.body.data.user.id as number, cookie: r.cookie }
    })
  } finally {
    agent.destroy()
  }
}

export async function createRoom(url: string, owner: Guest, name: string, maxUsers: number): Promise<number> {
  const agent = keepAliveAgent()
  try {
    const r = expect(await request(agent, url, 'POST', '/api/rooms', { cookie: owner.cookie, json: { name, max_users: maxUsers } }), [201], 'create room')
    return r.body.data.room.id as number
  } finally {
    agent.destroy()
  }
}

export async function joinRoom(url: string, roomId: number, users: Guest[], limit = 16): Promise<void> {
  const agent = keepAliveAgent()
  try {
    await pool(users, limit, async (u) => expect(await request(agent, url, 'POST', `/api/rooms/${roomId}/join`, { cookie: u.cookie }), [200], 'join room'))
  } finally {
    agent.destroy()
  }
}
