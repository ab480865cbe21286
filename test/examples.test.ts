// The example bots (examples/bot.mjs, examples/bot.sh) against a real server, behind a proxy that
// cuts idle polls: each answers every message that mentions it exactly once, across the proxy's
// cuts, a server restart, its own restart (cursor kept in its file), a session revoked (401: it
// signs in again), a cursor the server no longer knows (410: it starts again) and the send rate
// limit (429: it waits Retry-After).
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import { startIdleProxy } from './helpers/idle-proxy.js'
import { join as joinRoom, makeRoom } from './helpers/rooms.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { registerUser } from './helpers/users.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const temps: string[] = []
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })))

// 20 s per wait: a bot's retries back off to a few seconds, and this box may be loaded.
const WAIT_MS = 20_000

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

type Bot = { proc: ChildProcess; output: () => string; stop: () => Promise<void> }

function startBot(kind: 'node' | 'bash', env: Record<string, string>): Bot {
  const argv = kind === 'node' ? [process.execPath, 'examples/bot.mjs'] : ['bash', 'examples/bot.sh']
  const proc = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  proc.stdout!.on('data', (c: Buffer) => void (output += c.toString()))
  proc.stderr!.on('data', (c: Buffer) => void (output += c.toString()))
  const exited = once(proc, 'exit')
  return {
    proc,
    output: () => output,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    },
  }
}

describe.each(['node', 'bash'] as const)('the %s example bot', (kind) => {
  it('answers each mention once through proxy cuts, a server restart, its own restart, 401, 410 and 429', async () => {
    const dir = mkdtempSync(join(tmpdir(), `parley-bot-${kind}-`))
    temps.push(dir)
    // Two sends per 10 s per user: the bot meets 429 when several mentions come at once.
    // On SQLite in the Postgres run too: what is tested is the bots, and a cursor ahead of the log
    // is 410 on SQLite (on Postgres a process waits for a cursor ahead of it instead).
    let server: TestServer = await startTestServer({ SEND_RATE_LIMIT: '2', DATABASE_URL: '' })
    // Polls held 4 s, cut after 1.5 s idle: every held poll is cut (a 504 page, or a reset).
    const proxy = await startIdleProxy(server.url, { idleMs: 1500, mode: kind === 'node' ? 'gateway' : 'reset' })
    let bot: Bot | undefined
    try {
      const botName = `echo_${kind}`
      const botUser = await registerUser(server, botName, 'bot password 123')
      const human = await registerUser(server)
      const room = await makeRoom(human.client, { name: `bots ${kind}` })
      const env = { PARLEY_URL: proxy.url, BOT_LOGIN: botName, BOT_PASSWORD: 'bot password 123', BOT_ROOM: room.name, BOT_STATE: join(dir, 'state'), POLL_TIMEOUT: '4' }
      const start = () => (bot = startBot(kind, env))
      start()

      const members = async (c: Client) => (await c.get(`/api/rooms/${room.id}/members`)).body.data.items.map((m: { user: { id: number } }) => m.user.id)
      await until('the bot to join', async () => (await members(human.client)).includes(botUser.user.id))

      let sent = 0
      const mentions: number[] = []
      const say = async (text: string, mention: boolean, by: Client = human.client) => {
        // The human's own sends stay under the limit: one per 5 s at most, as a person types.
        for (;;) {
          // A send whose connection the restart closed is sent again: the same client_id posts once.
          const body = { text, client_id: `h${++sent}` }
          const res = await by.post(`/api/rooms/${room.id}/messages`, body).catch(() => by.post(`/api/rooms/${room.id}/messages`, body))
          if (res.status === 201) {
            if (mention) mentions.push(res.body.data.message.id)
            return res.body.data.message.id as number
          }
          expect(res.status).toBe(429)
          await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000))
        }
      }
      const replies = async () => {
        const res = await human.client.get(`/api/rooms/${room.id}/messages?limit=200`)
        return (res.body.data.items as { author_id: number; kind: string; reply_to_id: number | null; text: string }[]).filter((m) => m.author_id === botUser.user.id && m.kind === 'user')
      }
      const answered = (id: number) => until(`an answer to ${id}`, async () => (await replies()).some((m) => m.reply_to_id === id))

      // A mention is answered; a message without one is not.
      await say('nobody in particular', false)
      await answered(await say(`hello @${botName}, are you there?`, true))

      // Held polls are cut by the proxy; the bot carries on.
      await until('a cut poll', async () => proxy.cuts() > 1)
      await answered(await say(`still there @${botName}?`, true))

      // A server restart (the same port behind the proxy).
      server = await server.restart()
      await answered(await say(`after the restart, @${botName}`, true))

      // The bot's own restart: a mention sent while it is down is answered when it is back, from its saved cursor.
      await bot!.stop()
      const whileDown = await say(`while you were away, @${botName}`, true)
      start()
      await answered(whileDown)

      // Its session revoked (logout everywhere): 401, it signs in again.
      const other = server.client()
      expect((await other.post('/api/auth/login', { login: botName, password: 'bot password 123' })).status).toBe(200)
      expect((await other.post('/api/auth/logout', { all: true })).status).toBe(204)
      await answered(await say(`signed out? @${botName}`, true))

      // A cursor the server does not have (as after restoring an older backup): 410, it starts again.
      await bot!.stop()
      const saved = JSON.parse(readFileSync(env.BOT_STATE, 'utf8')) as { cursor: string }
      // Its durable position a million events ahead of the server's log.
      const ahead = saved.cursor.replace(/^[^-]+/, (d) => (parseInt(d, 36) + 1e6).toString(36).padStart(d.length, '0'))
      writeFileSync(env.BOT_STATE, JSON.stringify({ cursor: ahead }))
      start()
      // Once it has its fresh cursor and is back in the room, what is said reaches it.
      await until('the bot to start again', async () => /cursor_expired[^]*in room/.test(bot!.output()))
      await answered(await say(`fresh start, @${botName}`, true))

      // Three mentions at once against two sends per 10 s: 429, Retry-After, then the rest.
      // From three people, each within their own budget, so the three arrive within one window.
      const others = [(await registerUser(server)).client, (await registerUser(server)).client, (await registerUser(server)).client]
      for (const c of others) await joinRoom(c, room.id)
      const burst = [await say(`one @${botName}`, true, others[0]), await say(`two @${botName}`, true, others[1]), await say(`three @${botName}`, true, others[2])]
      for (const id of burst) await answered(id)

      // Every mention answered exactly once, nothing else answered.
      const all = await replies()
      expect(all.map((m) => m.reply_to_id).sort((a, b) => a! - b!), JSON.stringify(all)).toEqual([...mentions].sort((a, b) => a - b))
      expect(bot!.output()).toMatch(/429|rate_limited/)
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- bot output ---\n${bot?.output() ?? ''}`)
    } finally {
      await bot?.stop()
      await proxy.close()
      await server.close()
    }
  }, 240_000)
})
