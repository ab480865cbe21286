// The process around the CLI, the same for `npm start` (src/bin.ts) and dist/parley
// (src/sea/entry.ts): the exit code, a failure as one line on stderr, and for `serve` draining on
// SIGTERM/SIGINT.
import type { Runtime } from './assets.js'
import { consoleIo, runCli } from './cli.js'

/** `runtime` is called inside the error handling, so a missing asset is reported like any failure. */
export function runProcess(runtime: () => Runtime): void {
  Promise.resolve()
    .then(() => runCli(process.argv.slice(2), process.env, consoleIo, runtime()))
    .then(
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
}
