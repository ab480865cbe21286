// npm run package: builds dist/parley (API.md §15), one executable for Linux x64 holding Node 24,
// the server, the migrations, the web client and SQLite. Every step is cached under
// node_modules/.cache/parley-package, keyed by versions and the hashes of its inputs, so a second
// run redoes only what changed.
import { mkdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { projectRoot } from '../../src/paths.js'
import { buildAddon } from './addon.js'
import { bundleServer } from './bundle.js'
import { ensureRuntime } from './runtime.js'
import { assemble } from './sea.js'

async function step<T extends { cached: boolean }>(name: string, what: (r: T) => string, fn: () => T | Promise<T>): Promise<T> {
  const started = performance.now()
  const result = await fn()
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  console.log(`${name.padEnd(10)} ${what(result)}: ${result.cached ? 'cached' : 'built'} (${seconds} s)`)
  return result
}

async function main() {
  const started = performance.now()
  const root = projectRoot()
  const cache = join(root, 'node_modules', '.cache', 'parley-package')
  mkdirSync(cache, { recursive: true })
  const runtime = await step('runtime', (r) => `node ${r.version}`, () => ensureRuntime(root))
  const shown = (r: { file: string }) => relative(root, r.file)
  const addon = await step('addon', shown, () => buildAddon(root, cache, runtime))
  const bundle = await step('bundle', shown, () => bundleServer(root, cache))
  const exe = await step('executable', shown, () => assemble({ root, cache, runtime, addon: addon.file, bundle: bundle.file }))
  const mb = (statSync(exe.file).size / 1024 / 1024).toFixed(1)
  console.log(`dist/parley: ${mb} MiB, ready in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

main().catch((err: unknown) => {
  console.error(`npm run package: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
