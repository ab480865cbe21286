// The README's first session with curl, run as written (the commands of its console block, with
// the server's address and outbox put in), against a real server: it must register, verify,
// sign in, create and join a room, and its held poll must receive the message it sends.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './helpers/server.js'

const README = fileURLToPath(new URL('../README.md', import.meta.url))
const run = promisify(execFile)

/** The commands of the README's curl session: `$ ` lines and their continuations. */
export function sessionCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## A first session with curl'))
  const block = /```console\n([^]*?)```/.exec(section)![1]!
  const commands: string[] = []
  let current: string | undefined
  for (const line of block.split('\n')) {
    if (current !== undefined) current += '\n' + line
    else if (line.startsWith('$ ')) current = line.slice(2)
    else continue
    if (!current.endsWith('\\')) {
      commands.push(current)
      current = undefined
    }
  }
  return commands
}

let server: TestServer
let dir: string
beforeAll(async () => {
  // The defaults of `npm start`: email verification on, the outbox in DATA_DIR.
  server = await startTestServer()
  dir = mkdtempSync(join(tmpdir(), 'parley-readme-'))
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe("the README's curl session", () => {
  it('runs as written: register, verify, sign in, a room joined, and the held poll receives the message sent', async () => {
    const commands = sessionCommands(readFileSync(README, 'utf8'))
    expect(commands.length).toBeGreaterThan(10)
    // Each command is followed by a line break, as the prompt after it is in a terminal (curl adds none).
    const script = ['set -euo pipefail', ...commands.map((c) => `${c.replaceAll('http://localhost:8080', server.url).replaceAll('data/outbox', server.outboxDir)}\necho`)].join('\n')
    writeFileSync(join(dir, 'session.sh'), script)
    const { stdout } = await run('bash', [join(dir, 'session.sh')], { cwd: dir, timeout: 60_000 })
    if (process.env.SHOW_SESSION) console.log(stdout)
    const answers = stdout
      .split('\n')
      .filter((l) => l.startsWith('{"'))
      .map((l) => JSON.parse(l) as { data?: any; error?: unknown })
    for (const a of answers) expect(a.error, JSON.stringify(a)).toBeUndefined()
    const [registered, verified, signedIn, me, room, joined, sent, held] = answers
    expect(registered!.data.user).toMatchObject({ username: 'alice', email_verified: false, role: 'admin' })
    expect(verified!.data).toMatchObject({ verified: true, user: { email_verified: true } })
    expect(signedIn!.data.user.username).toBe('alice')
    expect(me!.data.user.email).toBe('alice@example.com')
    expect(room!.data.room).toMatchObject({ id: 1, name: 'Lobby', joined: true })
    expect(joined!.data.room.id).toBe(1)
    expect(sent!.data.message).toMatchObject({ room_id: 1, text: 'Hello from curl', kind: 'user' })
    expect(held!.data.events.map((e: { type: string; data: any }) => [e.type, e.data.message?.id])).toEqual([['message.created', sent!.data.message.id]])
    expect(answers).toHaveLength(8)
  }, 90_000)
})
