// API.md §15: dist/parley, copied alone into an empty folder and run with no node and no npm on
// the PATH, behaves as `npm start` and the CLI do. `npm run test:package` builds it first.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../src/paths.js'
import { Client } from '../helpers/client.js'
import { Executable, type Server } from './executable.js'

const root = projectRoot()
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version
const lines = (text: string) => text.split('\n').filter(Boolean)

let parley: Executable
beforeAll(() => {
  parley = new Executable()
})
afterAll(() => parley.remove())

describe('dist/parley as a command', () => {
  it('--version prints the version of package.json', () => {
    const r = parley.run(['--version'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toBe(`parley ${version}\n`)
  })

  it('migrate creates the database in ./data, writing the SQLite addon there once', () => {
    const first = parley.run(['migrate'])
    expect(first.status, first.stderr).toBe(0)
    expect(first.stdout).toMatch(/^applied: 0001_accounts, /)
    const data = join(parley.dir, 'data')
    const addon = readdirSync(data).filter((f) => f.startsWith('better_sqlite3-'))
    expect(addon).toEqual([expect.stringMatching(/^better_sqlite3-[0-9a-f]{16}\.node$/)])
    expect(readdirSync(data)).toEqual(expect.arrayContaining(['parley.db', 'secret.key']))
    const written = statSync(join(data, addon[0]!))

    const again = parley.run(['migrate'])
    expect(again.status, again.stderr).toBe(0)
    expect(again.stdout).toBe('the database is up to date\n')
    const kept = statSync(join(data, addon[0]!))
    expect({ ino: kept.ino, mtime: kept.mtimeMs }).toEqual({ ino: written.ino, mtime: written.mtimeMs })
    // Only the addon and the database's files: no temporary copy left behind.
    expect(readdirSync(data).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  // Root writes anywhere it has permissions for, so the folder is made impossible instead: its
  // path runs through a regular file (ENOTDIR for everyone, root included).
  it('an unwritable DATA_DIR ends with one line naming it, and exit 1', () => {
    const file = join(parley.dir, 'a-file')
    writeFileSync(file, 'not a folder')
    try {
      const dataDir = join(file, 'data')
      // Without SECRET_KEY the generated key is the first write; with it, opening the database.
      const envs: Record<string, string>[] = [{ DATA_DIR: dataDir }, { DATA_DIR: dataDir, SECRET_KEY: 'k'.repeat(40) }]
      for (const env of envs) {
        for (const command of ['migrate', 'serve']) {
          const r = parley.run([command], env)
          expect(r.status, `${command} ${JSON.stringify(env)}`).toBe(1)
          expect(lines(r.stderr)).toEqual([`parley: DATA_DIR ${dataDir} is not writable: a part of its path is a file, not a directory`])
        }
      }
    } finally {
      rmSync(file)
    }
  })

  it('--help prints the usage and exits 0, starting and writing nothing', () => {
    const dataDir = join(parley.dir, 'help-data')
    const r = parley.run(['--help'], { PORT: '0', DATA_DIR: dataDir }, 10_000)
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^usage: parley/)
    expect(existsSync(dataDir)).toBe(false)
  })
})

describe('dist/parley serve', () => {
  let server: Server
  beforeAll(async () => {
    const started = performance.now()
    server = await parley.serve()
    while ((await fetch(`${server.url}/healthz`).catch(() => undefined))?.status !== 200) await new Promise((r) => setTimeout(r, 10))
    // Reported, not asserted (figures come from measurements, not from timed tests).
    console.log(`dist/parley: started to healthy in ${Math.round(performance.now() - started)} ms`)
  })
  afterAll(() => server.kill())

  it('answers /healthz', async () => {
    const res = await fetch(`${server.url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ data: { status: 'ok' } })
  })

  it('serves the web page and its scripts from inside the file, byte for byte as public/ holds them', async () => {
    const page = await fetch(`${server.url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await page.text()
    expect(html).toBe(readFileSync(join(root, 'public', 'index.html'), 'utf8'))
    const script = /<script type="module" src="([^"]+)"/.exec(html)![1]!
    const js = await fetch(server.url + script)
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(Buffer.from(await js.arrayBuffer()).equals(readFileSync(join(root, 'public', script)))).toBe(true)
    // A client-side page (the reset link of an email) gets the web page too.
    expect(await (await fetch(`${server.url}/reset-password?token=x`)).text()).toBe(html)
  })

  it('a guest signs in and makes a room; a message sent there reaches a poll held by a member', async () => {
    const alice = new Client(server.url)
    const bob = new Client(server.url)
    expect((await alice.post('/api/auth/guest', { name: 'alice' })).status).toBe(201)
    expect((await bob.post('/api/auth/guest', { name: 'bob' })).status).toBe(201)
    const created = await alice.post('/api/rooms', { name: 'From one file' })
    expect(created.status, created.text).toBe(201)
    const roomId = created.body.data.room.id as number
    expect((await bob.post(`/api/rooms/${roomId}/join`, {})).status).toBe(200)

    const cursor = (await bob.get('/api/poll')).body.data.cursor as string
    const held = bob.get(`/api/poll?cursor=${encodeURIComponent(cursor)}&timeout=25`)
    while ((await server.heldPolls()) < 1) await new Promise((r) => setTimeout(r, 10))
    const sent = await alice.post(`/api/rooms/${roomId}/messages`, { text: 'hello from a single file' })
    expect(sent.status, sent.text).toBe(201)
    const answer = await held
    expect(answer.status).toBe(200)
    const messages = (answer.body.data.events as { type: string; data: any }[]).filter((e) => e.type === 'message.created')
    expect(messages.map((e) => e.data.message.text)).toEqual(['hello from a single file'])
  })

  it('a second parley on the same DATA_DIR is refused while this one runs', () => {
    const r = parley.run(['serve'], { PORT: '0', HOST: '127.0.0.1' }, 10_000)
    expect(r.status, `stdout: ${r.stdout} stderr: ${r.stderr}`).toBe(1)
    expect(lines(r.stderr)).toEqual([`parley: another Parley process is already serving DATA_DIR ${join(parley.dir, 'data')} (it holds ${join(parley.dir, 'data', 'parley.lock')}); stop it first, or give this one another DATA_DIR`])
  })

  it('SIGTERM answers a held poll with what it has, stops, and exits 0', async () => {
    const carol = new Client(server.url)
    expect((await carol.post('/api/auth/guest', { name: 'carol' })).status).toBe(201)
    const cursor = (await carol.get('/api/poll')).body.data.cursor as string
    const held = carol.get(`/api/poll?cursor=${encodeURIComponent(cursor)}&timeout=25`)
    while ((await server.heldPolls()) < 1) await new Promise((r) => setTimeout(r, 10))
    server.child.kill('SIGTERM')
    const answer = await held
    expect(answer.status).toBe(200)
    expect(answer.body.data).toEqual({ events: [], cursor: expect.any(String) })
    expect(await server.exited).toEqual({ code: 0, signal: null })
    expect(server.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['draining', 'parley stopped']))
  })
})

describe('dist/parley admin grant', () => {
  it('makes a registered user a site admin; an unknown name exits 1', async () => {
    const server = await parley.serve({ REQUIRE_EMAIL_VERIFICATION: 'false' })
    let username: string
    try {
      const user = new Client(server.url)
      username = 'dora'
      const reg = await user.post('/api/auth/register', { username, email: 'dora@example.test', password: 'correct horse battery' })
      expect(reg.status, reg.text).toBe(201)
      // The first account of a server is its admin: that was the first guest above.
      expect(reg.body.data.user.role).toBe('user')
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
    const granted = parley.run(['admin', 'grant', username])
    expect(granted.status, granted.stderr).toBe(0)
    expect(granted.stdout).toBe(`${username} is now a site admin\n`)
    const unknown = parley.run(['admin', 'grant', 'nobody-at-all'])
    expect(unknown.status).toBe(1)
    expect(lines(unknown.stderr)).toEqual(['no user named nobody-at-all'])
  })
})
