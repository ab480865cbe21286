// parley [serve] | parley migrate | parley admin grant <username> | parley --version. The logic
// lives here as a function so tests run it in-process; src/bin.ts (npm start) and src/sea/entry.ts
// (dist/parley) are the executables that call it, each with its Runtime.
import { grantAdmin } from './accounts/accounts.js'
import type { Runtime } from './assets.js'
import { loadConfig } from './config.js'
import { ensureWritableDir } from './data-dir.js'
import { migrateToLatest } from './db/migrate.js'
import { openDatabase } from './db/open.js'
import { createLogger } from './log.js'
import { startServer, type Running } from './main.js'

export const USAGE = 'usage: parley [serve] [--config FILE] [--log-level LEVEL] [--dev] | parley migrate | parley admin grant <username> | parley --version'

/** Where the commands write their one-line answers (the console, or a test's buffer). */
export type CliIo = { out: (line: string) => void; err: (line: string) => void }

export const consoleIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) }

/** `serve` answers with the running server (the caller owns signals); other commands with an exit code. */
export type CliResult = { code: number } | { running: Running }

// Flags that take a value, so their value is not read as a command.
const VALUE_FLAGS = ['--config', '--log-level', '--port']

export async function runCli(argv: string[], env: Record<string, string | undefined>, io: CliIo, runtime: Runtime): Promise<CliResult> {
  if (argv.includes('--version')) {
    io.out(`parley ${runtime.assets.version}`)
    return { code: 0 }
  }
  const positional = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && VALUE_FLAGS.includes(argv[i - 1]!)))
  const [command = 'serve', ...rest] = positional
  if (!['serve', 'migrate', 'admin'].includes(command) || (command === 'admin' && (rest[0] !== 'grant' || !rest[1] || rest.length > 2))) {
    io.err(USAGE)
    return { code: 2 }
  }
  const config = loadConfig(env, argv)
  ensureWritableDir(config.dataDir)
  if (command === 'serve') return { running: await startServer(config, { runtime, log: createLogger(config) }) }
  const { db, close } = openDatabase(config.databaseFile, runtime.sqliteAddon?.(config.dataDir))
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
