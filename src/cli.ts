// parley [serve] | migrate | admin grant <username> | backup <file> | restore <file> | help | --version.
// The logic lives here as a function so tests run it in-process; src/bin.ts (npm start) and
// src/sea/entry.ts (dist/parley) are the executables that call it, each with its Runtime.
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { grantAdmin } from './accounts/accounts.js'
import type { Runtime } from './assets.js'
import { loadConfig } from './config.js'
import { ensureWritableDir } from './data-dir.js'
import { backupDatabase, restoreDatabase } from './db/backup.js'
import { migrateToLatest } from './db/migrate.js'
import { openConfigured } from './db/connect.js'
import { createLogger } from './log.js'
import { startServer, type Running } from './main.js'

export const USAGE = `usage: parley [command] [options]

commands:
  serve                   serve the API and the web client (the default)
  migrate                 apply pending database migrations
  admin grant <username>  make a user a site admin
  backup <file>           copy the SQLite database to <file>, while the server runs
  restore <file>          put a backup in place of the database (server stopped; checks it first)
  help                    print this help

options:
  --config FILE           read settings from a TOML file (the environment wins over it)
  --log-level LEVEL       trace, debug, info, warn or error
  --port PORT             the HTTP port (PORT)
  --dev                   dev mode: debug logs
  -h, --help              print this help
  --version               print the version

Every setting is an environment variable; see the README's configuration table.`

/** Where the commands write their one-line answers (the console, or a test's buffer). */
export type CliIo = { out: (line: string) => void; err: (line: string) => void }

export const consoleIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) }

/** `serve` answers with the running server (the caller owns signals); other commands with an exit code. */
export type CliResult = { code: number } | { running: Running }

// Exactly the flags config.ts reads (parseFlags), plus help and version.
const OPTIONS = {
  config: { type: 'string' },
  'log-level': { type: 'string' },
  port: { type: 'string' },
  dev: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const

export async function runCli(argv: string[], env: Record<string, string | undefined>, io: CliIo, runtime: Runtime): Promise<CliResult> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>>
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (err) {
    // An unknown flag, or a flag without its value: a usage error, never a server start.
    io.err(`parley: ${(err as Error).message.split('\n')[0]}`)
    io.err(USAGE)
    return { code: 2 }
  }
  const { values, positionals } = parsed
  const [command = 'serve', ...rest] = positionals
  if (values.help || command === 'help') {
    io.out(USAGE)
    return { code: 0 }
  }
  if (values.version) {
    io.out(`parley ${runtime.assets.version}`)
    return { code: 0 }
  }
  const known =
    ((command === 'serve' || command === 'migrate') && rest.length === 0) ||
    (command === 'admin' && rest[0] === 'grant' && rest.length === 2) ||
    ((command === 'backup' || command === 'restore') && rest.length === 1)
  if (!known) {
    io.err(`parley: unknown command: ${positionals.join(' ')}`)
    io.err(USAGE)
    return { code: 2 }
  }
  const config = loadConfig(env, argv)
  ensureWritableDir(config.dataDir)
  // serve logs it; the other commands have no log, and the key they made is the one serve will use.
  if (config.generatedSecret && command !== 'serve') io.err(`parley: SECRET_KEY not set: generated one and kept it in ${join(config.dataDir, 'secret.key')}`)
  if (command === 'serve') return { running: await startServer(config, { runtime, log: await createLogger(config) }) }
  // Neither migrates: a backup copies the database as it is, beside a running server.
  if ((command === 'backup' || command === 'restore') && config.postgresUrl) {
    io.err(`parley: ${command} copies the SQLite database; with PostgreSQL use pg_dump and pg_restore (see docs/operations.md)`)
    return { code: 1 }
  }
  if (command === 'backup') {
    const { file, bytes } = await backupDatabase(config.databaseFile, rest[0]!, runtime.sqliteAddon?.(config.dataDir))
    io.out(`backed up ${config.databaseFile} to ${file} (${bytes} bytes)`)
    return { code: 0 }
  }
  if (command === 'restore') {
    const { kept } = await restoreDatabase(config.dataDir, config.databaseFile, rest[0]!, runtime.sqliteAddon?.(config.dataDir))
    io.out(`restored ${resolve(rest[0]!)} to ${config.databaseFile}${kept ? `; the database it replaced is kept as ${kept}` : ''}`)
    return { code: 0 }
  }
  const { db, close } = openConfigured(config, runtime)
  try {
    const applied = await migrateToLatest(db)
    if (command === 'migrate') {
      io.out(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date')
      return { code: 0 }
    }
    const username = rest[1]!
    if (!(await grantAdmin(db, username))) {
      io.err(`no user named ${username}`)
      return { code: 1 }
    }
    io.out(`${username} is now a site admin`)
    return { code: 0 }
  } finally {
    await close()
  }
}
