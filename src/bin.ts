#!/usr/bin/env node
// The `parley` executable: runs the CLI, and for `serve` drains on SIGTERM/SIGINT.
import { runCli } from './cli.js'

runCli(process.argv.slice(2), process.env).then(
  (result) => {
    if ('code' in result) process.exit(result.code)
    const { running } = result
    const shutdown = (signal: string) => {
      running.deps.log.info({ signal }, 'draining')
      void running.stop().then(() => process.exit(0))
    }
    process.once('SIGTERM', () => shutdown('SIGTERM'))
    process.once('SIGINT', () => shutdown('SIGINT'))
  },
  (err: unknown) => {
    console.error(`parley: ${err instanceof Error ? err.message : 'failed'}`)
    process.exit(1)
  },
)
