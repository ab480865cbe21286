#!/usr/bin/env node
// parley [serve] | parley migrate | parley admin grant <username>
import { grantAdmin } from './accounts/accounts.js'
import { ConfigError, loadConfig } from './config.js'
import { migrateToLatest } from './db/migrate.js'
import { openDatabase } from './db/open.js'
import { createLogger } from './log.js'
import { startServer } from './main.js'

const USAGE = 'usage: parley [serve] [--config FILE] [--log-level LEVEL] [--dev] | parley migrate | parley admin grant <username>'

async function main(argv: string[]): Promise<number> {
  const positional = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && ['--config', '--log-level', '--port'].includes(argv[i - 1]!)))
  const [command = 'serve', ...rest] = positional
  const config = loadConfig(process.env, argv)
  const log = createLogger(config)
  if (command === 'serve') {
    const running = await startServer(config, { log })
    const shutdown = (signal: string) => {
      log.info({ signal }, 'draining')
      void running.stop().then(() => process.exit(0))
    }
    process.once('SIGTERM', () => shutdown('SIGTERM'))
    process.once('SIGINT', () => shutdown('SIGINT'))
    return -1
  }
  if (command === 'migrate') {
    const { db, close } = openDatabase(config.databaseFile)
    try {
      const applied = await migrateToLatest(db)
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date')
    } finally {
      await close()
    }
    return 0
  }
  if (command === 'admin' && rest[0] === 'grant' && rest[1]) {
    const { db, close } = openDatabase(config.databaseFile)
    try {
      await migrateToLatest(db)
      if (!(await grantAdmin(db, rest[1]))) {
        console.error(`no user named ${rest[1]}`)
        return 1
      }
      console.log(`${rest[1]} is now a site admin`)
    } finally {
      await close()
    }
    return 0
  }
  console.error(USAGE)
  return 2
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (err: unknown) => {
    console.error(err instanceof ConfigError || err instanceof Error ? `parley: ${err.message}` : 'parley: failed')
    process.exit(1)
  },
)
