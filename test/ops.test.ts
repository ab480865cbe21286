// API.md §11: configuration, health, metrics, OpenAPI, migrations, the CLI, draining on stop.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { diskRuntime } from '../src/assets.js'
import { runCli, type CliIo } from '../src/cli.js'
import { ConfigError, loadConfig } from '../src/config.js'
import { startServer } from '../src/main.js'
import { isLoopback } from '../src/metrics.js'
import { pollsHeld, rawRequest } from './helpers/accounts.js'
import { cursorOf, pollOnce } from './helpers/events.js'
import { spawnParley } from './helpers/child-server.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { guest, registerUser } from './helpers/users.js'

const SECRET = 'ops-test-secret-key-0123456789abcdef'
/** The CLI beside a running test server: its DATA_DIR, and its Postgres database in the Postgres run. */
const cliEnvOf = (server: TestServer) => ({
  DATA_DIR: server.dataDir,
  SECRET_KEY: SECRET,
  ...(server.deps.config.postgresUrl ? { DATABASE_URL: server.deps.config.postgresUrl } : {}),
})
const runtime = diskRuntime()
const temps: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-ops-'))
  temps.push(dir)
  return dir
}
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })))

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

describe('loadConfig', () => {
  const tomlFile = (dir: string, text: string) => {
    const file = join(dir, 'parley.toml')
    writeFileSync(file, text)
    return file
  }

  it('has the documented defaults', () => {
    const dir = tempDir()
    const c = loadConfig({ DATA_DIR: dir })
    expect(c).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: dir,
      databaseFile: join(dir, 'parley.db'),
      publicUrl: undefined,
      sendgridKey: undefined,
      twilio: undefined,
      outboxDir: undefined,
      roomCreation: 'anyone',
      requireEmailVerification: true,
      allowedOrigins: [],
      uploadMaxBytes: 10 * 1024 * 1024,
      eventRetentionDays: 7,
      freeCoinsAmount: 3,
      inviteBonus: 1,
      sendRateLimit: 20,
      signinRateLimit: 10,
      logLevel: 'info',
      dev: false,
      production: false,
    })
  })

  it('generates a secret key once outside production and keeps it in DATA_DIR', () => {
    const dir = tempDir()
    const first = loadConfig({ DATA_DIR: dir })
    expect(first.generatedSecret).toBe(true)
    expect(first.secretKey.length).toBeGreaterThanOrEqual(32)
    expect(readFileSync(join(dir, 'secret.key'), 'utf8').trim()).toBe(first.secretKey)
    expect(loadConfig({ DATA_DIR: dir }).secretKey).toBe(first.secretKey)
    expect(() => loadConfig({ DATA_DIR: tempDir(), NODE_ENV: 'production' })).toThrow(/SECRET_KEY is required/)
    expect(() => loadConfig({ DATA_DIR: dir, SECRET_KEY: 'too short' })).toThrow(ConfigError)
  })

  it('reads a TOML file named by --config, in upper- or lower-case keys', () => {
    const dir = tempDir()
    const file = tomlFile(
      dir,
      `port = 9090
LOG_LEVEL = "warn"
require_email_verification = false
ALLOWED_ORIGINS = ["https://a.example.test", "https://b.example.test/"]
invite_bonus = 4
DATA_DIR = "${dir}"
SECRET_KEY = "${SECRET}"
PUBLIC_URL = "https://chat.example.test/"
`,
    )
    const c = loadConfig({}, ['--config', file])
    expect(c).toMatchObject({
      port: 9090,
      logLevel: 'warn',
      requireEmailVerification: false,
      allowedOrigins: ['https://a.example.test', 'https://b.example.test'],
      inviteBonus: 4,
      dataDir: dir,
      secretKey: SECRET,
      publicUrl: 'https://chat.example.test',
    })
    expect(loadConfig({}, [`--config=${file}`]).port).toBe(9090)
  })

  it('the environment wins over the file, and flags win over both', () => {
    const dir = tempDir()
    const file = tomlFile(dir, `PORT = 9090\nINVITE_BONUS = 4\nLOG_LEVEL = "warn"\nDATA_DIR = "${dir}"\nSECRET_KEY = "${SECRET}"\n`)
    const c = loadConfig({ PORT: '7070', INVITE_BONUS: '2', LOG_LEVEL: 'error' }, ['--config', file])
    expect(c).toMatchObject({ port: 7070, inviteBonus: 2, logLevel: 'error' })
    expect(loadConfig({ LOG_LEVEL: 'error' }, ['--config', file, '--log-level', 'debug']).logLevel).toBe('debug')
    expect(loadConfig({ LOG_LEVEL: 'error' }, ['--config', file, '--log-level=trace']).logLevel).toBe('trace')
    // An empty variable counts as unset.
    expect(loadConfig({ PORT: '' }, ['--config', file]).port).toBe(9090)
  })

  it('--dev turns on dev mode with debug logs unless a level is given', () => {
    const dir = tempDir()
    expect(loadConfig({ DATA_DIR: dir }, ['--dev'])).toMatchObject({ dev: true, logLevel: 'debug' })
    expect(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'warn' }, ['--dev'])).toMatchObject({ dev: true, logLevel: 'warn' })
    const file = tomlFile(dir, `LOG_LEVEL = "error"\n`)
    expect(loadConfig({ DATA_DIR: dir }, ['--dev', '--config', file]).logLevel).toBe('error')
  })

  it('refuses a missing file, bad TOML, unknown keys and invalid values with a clear ConfigError', () => {
    const dir = tempDir()
    expect(() => loadConfig({ DATA_DIR: dir }, ['--config', join(dir, 'nope.toml')])).toThrow(/cannot read config file/)
    expect(() => loadConfig({ DATA_DIR: dir }, ['--config', tomlFile(dir, 'PORT = = 3')])).toThrow(/not valid TOML/)
    expect(() => loadConfig({ DATA_DIR: dir }, ['--config', tomlFile(dir, 'PROT = 3')])).toThrow(/unknown key\(s\) PROT/)
    for (const env of [{ PORT: 'abc' }, { PORT: '70000' }, { LOG_LEVEL: 'verbose' }, { ROOM_CREATION: 'nobody' }, { PUBLIC_URL: 'not a url' }, { INVITE_BONUS: '-1' }, { DATABASE_URL: 'mysql://x' }]) {
      expect(() => loadConfig({ DATA_DIR: dir, ...env }), JSON.stringify(env)).toThrow(ConfigError)
    }
  })

  it('takes DATABASE_URL as a SQLite path, Twilio only when all three TWILIO_* are set, and OUTBOX_DIR', () => {
    const dir = tempDir()
    expect(loadConfig({ DATA_DIR: dir, DATABASE_URL: `sqlite:${join(dir, 'x.db')}` }).databaseFile).toBe(join(dir, 'x.db'))
    expect(loadConfig({ DATA_DIR: dir, TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't' }).twilio).toBeUndefined()
    expect(loadConfig({ DATA_DIR: dir, TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15005550006' }).twilio).toMatchObject({
      accountSid: 'AC1',
      from: '+15005550006',
      apiUrl: 'https://api.twilio.com',
    })
    expect(loadConfig({ DATA_DIR: dir, OUTBOX_DIR: join(dir, 'out') }).outboxDir).toBe(join(dir, 'out'))
  })

  it('takes a postgres:// DATABASE_URL only with a SECRET_KEY (every process must share it), and UPLOAD_DIR', () => {
    const dir = tempDir()
    for (const url of ['postgres://u:p@db:5432/parley', 'postgresql://db/parley']) {
      expect(() => loadConfig({ DATA_DIR: dir, DATABASE_URL: url })).toThrow(/SECRET_KEY is required with a PostgreSQL DATABASE_URL/)
      expect(loadConfig({ DATA_DIR: dir, DATABASE_URL: url, SECRET_KEY: 'k'.repeat(32) }).postgresUrl).toBe(url)
    }
    // Refused before any key is generated into DATA_DIR.
    expect(existsSync(join(dir, 'secret.key'))).toBe(false)
    expect(loadConfig({ DATA_DIR: dir }).postgresUrl).toBeUndefined()
    expect(loadConfig({ DATA_DIR: dir }).uploadDir).toBe(join(dir, 'uploads'))
    expect(loadConfig({ DATA_DIR: dir, UPLOAD_DIR: join(dir, 'shared') }).uploadDir).toBe(join(dir, 'shared'))
  })
})

describe('GET /healthz, /metrics, /api/openapi.json', () => {
  it('/healthz is 200 while the database answers', async () => {
    const res = await server.client().get('/healthz')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ data: { status: 'ok' } })
  })

  it('/metrics serves Prometheus text to loopback', async () => {
    await server.client().get('/healthz')
    const res = await server.client().get('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(res.text).toMatch(/^# HELP parley_http_requests_total /m)
    expect(res.text).toMatch(/^parley_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+$/m)
    expect(res.text).toMatch(/^parley_held_polls \d+$/m)
  })

  it('/metrics counts the events handed to polls in parley_events_delivered_total, each once however often it is read', async () => {
    // A server of its own: the CLI's tests below count on no user of this file's server before theirs.
    const own = await startTestServer()
    try {
      const delivered = async () => Number(/^parley_events_delivered_total (\d+)$/m.exec((await own.client().get('/metrics')).text)?.[1])
      const { client } = await guest(own)
      const cursor = await cursorOf(client)
      for (const nickname of ['one', 'two']) expect((await client.patch('/api/me', { nickname })).status).toBe(200)
      const before = await delivered()
      expect((await pollOnce(client, cursor)).events.map((e) => e.type)).toEqual(['user.updated', 'user.updated'])
      expect(await delivered()).toBe(before + 2)
      expect(await delivered()).toBe(before + 2)
    } finally {
      await own.close()
    }
  })

  it('loopback means 127.0.0.0/8, ::1 and their IPv4-mapped forms, nothing else', () => {
    for (const ip of ['127.0.0.1', '127.0.0.2', '127.255.0.9', '::1', '::ffff:127.0.0.1']) expect(isLoopback(ip), ip).toBe(true)
    for (const ip of ['192.0.2.2', '10.0.0.1', '::ffff:10.0.0.1', '1270.0.0.1', '128.0.0.1', 'fe80::1', 'unknown', '']) expect(isLoopback(ip), ip).toBe(false)
  })

  // Over a real non-loopback interface when the machine has one.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address
  it.skipIf(!external)('/metrics from a non-loopback address is 403, unless it brings METRICS_TOKEN', async () => {
    const open = await startTestServer({ HOST: '0.0.0.0', METRICS_TOKEN: 'scrape-token-0123456789' })
    try {
      const url = `http://${external}:${open.port}`
      const denied = await rawRequest(url, { path: '/metrics' })
      expect(denied.status).toBe(403)
      expect(denied.body.error.code).toBe('forbidden')
      expect((await rawRequest(url, { path: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(403)
      const allowed = await rawRequest(url, { path: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } })
      expect(allowed.status).toBe(200)
      expect(String(allowed.body)).toMatch(/parley_http_requests_total/)
    } finally {
      await open.close()
    }
  })

  it('/api/openapi.json lists every route with the request schemas that validate it', async () => {
    const res = await server.client().get('/api/openapi.json')
    expect(res.status).toBe(200)
    const doc = res.body
    expect(doc.openapi).toMatch(/^3\./)
    const routes: [string, string][] = [
      ['/api/auth/register', 'post'],
      ['/api/auth/verify-email', 'get'],
      ['/api/auth/login', 'post'],
      ['/api/auth/guest', 'post'],
      ['/api/auth/phone', 'post'],
      ['/api/auth/phone/verify', 'post'],
      ['/api/auth/logout', 'post'],
      ['/api/auth/password-reset/request', 'post'],
      ['/api/auth/password-reset', 'post'],
      ['/api/me', 'get'],
      ['/api/me', 'patch'],
      ['/api/me', 'delete'],
      ['/api/me/keepalive', 'post'],
      ['/api/users/{id}', 'get'],
      ['/api/users', 'get'],
      ['/api/invites', 'post'],
      ['/api/poll', 'get'],
    ]
    for (const [path, method] of routes) expect(doc.paths[path]?.[method]?.summary, `${method} ${path}`).toEqual(expect.any(String))
    const register = doc.paths['/api/auth/register'].post.requestBody
    expect(register.required).toBe(true)
    expect(register.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['username', 'email', 'password'],
      additionalProperties: false,
      properties: { username: { pattern: '^[A-Za-z0-9_.-]{3,32}$' }, password: { minLength: 8, maxLength: 256 } },
    })
    const patch = doc.paths['/api/me'].patch.requestBody
    expect(patch.required).toBe(false)
    expect(Object.keys(patch.content['application/json'].schema.properties).sort()).toEqual(['bio', 'birth_date', 'gender', 'location', 'nickname', 'photo_upload_id'])
    const search = doc.paths['/api/users'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)
    expect(search.sort()).toEqual(['query:limit', 'query:offset', 'query:q'])
    expect(doc.paths['/api/users/{id}'].get.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })])
  })
})

describe('migrations', () => {
  it('a database with a migration this code does not know refuses to start, with a clear message', async () => {
    const dir = tempDir()
    const env = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, SECRET_KEY: SECRET, LOG_LEVEL: 'error' }
    const first = await startServer(loadConfig(env), { runtime })
    await first.stop()
    const db = new SQLite(join(dir, 'parley.db'))
    db.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('9999_from_the_future', new Date().toISOString())
    db.close()
    await expect(startServer(loadConfig(env), { runtime })).rejects.toThrow(/database schema is newer than this code \(unknown migrations: 9999_from_the_future\)/)
    const io = bufferIo()
    await expect(runCli(['migrate'], env, io.io, runtime)).rejects.toThrow(/newer than this code/)
  })
})

describe('the parley CLI', () => {
  it('parley migrate applies the migrations once, then says the database is up to date', async () => {
    const env = { DATA_DIR: tempDir(), SECRET_KEY: SECRET }
    const io = bufferIo()
    expect(await runCli(['migrate'], env, io.io, runtime)).toEqual({ code: 0 })
    expect(io.out[0]).toMatch(/^applied: 0001_accounts, /)
    expect(await runCli(['migrate'], env, io.io, runtime)).toEqual({ code: 0 })
    expect(io.out[1]).toBe('the database is up to date')
  })

  it('parley admin grant <username> makes a registered user a site admin, beside the running server', async () => {
    const { user: first } = await registerUser(server)
    const { client, user } = await registerUser(server)
    expect(first.role).toBe('admin')
    expect(user.role).toBe('user')
    const env = cliEnvOf(server)
    const io = bufferIo()
    expect(await runCli(['admin', 'grant', user.username.toUpperCase()], env, io.io, runtime)).toEqual({ code: 0 })
    expect(io.out).toEqual([`${user.username.toUpperCase()} is now a site admin`])
    expect((await client.get('/api/me')).body.data.user.role).toBe('admin')
  })

  it('parley admin grant for an unknown user exits 1; bad usage exits 2 with the usage line', async () => {
    const env = cliEnvOf(server)
    const io = bufferIo()
    expect(await runCli(['admin', 'grant', 'nobody-at-all'], env, io.io, runtime)).toEqual({ code: 1 })
    expect(io.err).toEqual(['no user named nobody-at-all'])
    for (const argv of [['admin', 'grant'], ['admin', 'revoke', 'x'], ['frobnicate'], ['admin', 'grant', 'a', 'b']]) {
      expect(await runCli(argv, env, io.io, runtime), argv.join(' ')).toEqual({ code: 2 })
    }
    expect(io.err.at(-1)).toMatch(/^usage: parley/)
  })

  it('parley --version prints the version of package.json and exits 0, whatever else is on the line', async () => {
    const version = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version
    for (const argv of [['--version'], ['serve', '--version'], ['--version', '--config', '/nonexistent.toml']]) {
      const io = bufferIo()
      expect(await runCli(argv, { DATA_DIR: tempDir() }, io.io, runtime), argv.join(' ')).toEqual({ code: 0 })
      expect(io.out).toEqual([`parley ${version}`])
    }
  })

  // Root (as these tests may run) writes through any permission bits, so the folder is made
  // impossible instead: its path runs through a regular file (ENOTDIR for everyone).
  it('an unwritable DATA_DIR is refused with one line naming it, before anything is written', async () => {
    const file = join(tempDir(), 'a-file')
    writeFileSync(file, '')
    const dataDir = join(file, 'data')
    const message = `DATA_DIR ${dataDir} is not writable: a part of its path is a file, not a directory`
    // Without SECRET_KEY the generated key is the first write; with it, the database.
    for (const env of [{ DATA_DIR: dataDir }, { DATA_DIR: dataDir, SECRET_KEY: SECRET }]) {
      for (const command of ['migrate', 'serve']) {
        await expect(runCli([command], env, bufferIo().io, runtime), `${command} ${JSON.stringify(env)}`).rejects.toThrow(new Error(message))
      }
    }
  })

  it('--help, -h and help print the usage and exit 0, starting and opening nothing', async () => {
    const dir = tempDir()
    for (const argv of [['--help'], ['-h'], ['help'], ['serve', '--help'], ['migrate', '-h'], ['admin', 'grant', 'someone', '--help']]) {
      const io = bufferIo()
      expect(await runCli(argv, { DATA_DIR: dir, SECRET_KEY: SECRET }, io.io, runtime), argv.join(' ')).toEqual({ code: 0 })
      expect(io.out.join('\n')).toMatch(/^usage: parley \[command\] \[options\]\n[\s\S]*admin grant <username>[\s\S]*--config FILE/)
      expect(io.err).toEqual([])
    }
    expect(readdirSync(dir)).toEqual([])
  })

  it('an unknown flag or command, or a flag without its value, exits 2 with the usage, starting and opening nothing', async () => {
    const dir = tempDir()
    const cases: [string[], RegExp][] = [
      [['--prot', '8080'], /Unknown option '--prot'/],
      [['serve', '--verbose'], /Unknown option '--verbose'/],
      [['-x'], /Unknown option '-x'/],
      [['--config'], /--config/],
      [['--dev=yes'], /--dev/],
      [['frobnicate'], /unknown command: frobnicate/],
      [['migrate', 'now'], /unknown command: migrate now/],
    ]
    for (const [argv, why] of cases) {
      const io = bufferIo()
      expect(await runCli(argv, { DATA_DIR: dir, SECRET_KEY: SECRET }, io.io, runtime), argv.join(' ')).toEqual({ code: 2 })
      expect(io.err[0], argv.join(' ')).toMatch(why)
      expect(io.err.at(-1)).toMatch(/^usage: parley/)
    }
    expect(readdirSync(dir)).toEqual([])
  })

  it('the executable: `parley --help` exits 0 with the usage on stdout and `parley --bogus` exits 2, neither serving', async () => {
    const dir = tempDir()
    const exitWithin = (p: Promise<number | null>) => Promise.race([p, new Promise<string>((r) => setTimeout(() => r('still running'), 30_000))])
    const help = spawnParley(['--help'], { DATA_DIR: dir, PORT: '0' })
    expect(await exitWithin(help.exited)).toBe(0)
    expect(help.output()).toMatch(/^usage: parley/)
    const bogus = spawnParley(['--bogus'], { DATA_DIR: dir, PORT: '0' })
    expect(await exitWithin(bogus.exited)).toBe(2)
    expect(bogus.output()).toMatch(/Unknown option '--bogus'/)
    help.proc.kill('SIGKILL')
    bogus.proc.kill('SIGKILL')
    expect(readdirSync(dir)).toEqual([])
  }, 90_000)

  it('parley serve --config FILE starts the server from the file; stop drains', async () => {
    const dir = tempDir()
    const file = join(dir, 'parley.toml')
    writeFileSync(file, `PORT = 0\nHOST = "127.0.0.1"\nDATA_DIR = "${dir}"\nSECRET_KEY = "${SECRET}"\nLOG_LEVEL = "error"\n`)
    const result = await runCli(['serve', '--config', file], {}, bufferIo().io, runtime)
    if (!('running' in result)) throw new Error('serve did not start')
    try {
      expect((await fetch(`${result.running.url}/healthz`)).status).toBe(200)
      expect(result.running.deps.config.databaseFile).toBe(join(dir, 'parley.db'))
    } finally {
      await result.running.stop()
    }
  })
})

describe('stopping (as on SIGTERM)', () => {
  let extra: TestServer | undefined
  afterEach(async () => {
    await extra?.close().catch(() => {})
    extra = undefined
  })

  it('answers a held poll at once with what it has, then stops accepting', async () => {
    extra = await startTestServer()
    const { client } = await guest(extra)
    const cursor = (await client.get('/api/poll')).body.data.cursor
    const held = client.get(`/api/poll?cursor=${cursor}&timeout=55`)
    await pollsHeld(extra!)
    const stopped = extra.stop()
    const res = await held
    expect(res.status).toBe(200)
    expect(res.body.data.events).toEqual([])
    expect(typeof res.body.data.cursor).toBe('string')
    await stopped
    await expect(fetch(`${extra.url}/healthz`)).rejects.toThrow()
  })
})

function bufferIo() {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (l) => void out.push(l), err: (l) => void err.push(l) }
  return { io, out, err }
}
