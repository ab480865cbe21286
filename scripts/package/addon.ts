// better-sqlite3's addon compiled against the embedded Node's headers (the one in node_modules
// is built for the developer's Node, whose ABI differs). Compiling SQLite takes minutes on two
// cores, so the result is kept in the cache under a key of everything that shapes it.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { run, sha256, versionOf } from './exec.js'
import type { NodeRuntime } from './runtime.js'

const require = createRequire(import.meta.url)

// Part of the cache key, so a change here builds the addon again.
const GYP_ARGS = ['rebuild', '--release', '--jobs=max']

export function buildAddon(root: string, cache: string, runtime: NodeRuntime): { file: string; cached: boolean } {
  const source = join(root, 'node_modules', 'better-sqlite3')
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] })
  const compiler = process.env.CXX ?? 'g++'
  const key = sha256(
    JSON.stringify({
      node: runtime.version,
      betterSqlite3: versionOf(join(source, 'package.json')),
      nodeGyp: versionOf(join(nodeGyp, '..', '..', 'package.json')),
      compiler: run(compiler, ['--version']).split('\n')[0],
      GYP_ARGS,
    }),
  ).slice(0, 16)
  const dir = join(cache, `addon-${key}`)
  const file = join(dir, 'better_sqlite3.node')
  if (existsSync(file)) return { file, cached: true }

  // A copy of the package's sources, so node_modules' own build (for `npm start`) is left alone.
  const work = join(cache, `addon-${key}.build`)
  rmSync(work, { recursive: true, force: true })
  for (const part of ['binding.gyp', 'package.json', 'src', 'deps']) cpSync(join(source, part), join(work, part), { recursive: true })
  // --nodedir: the headers come from the runtime package; node-gyp downloads nothing. npm's own
  // settings (npm_config_nodedir in a global npmrc, say) would override the flags: they are left out.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)))
  run(process.execPath, [nodeGyp, ...GYP_ARGS, `--nodedir=${runtime.headers}`], { cwd: work, env })
  const built = join(work, 'build', 'Release', 'better_sqlite3.node')
  // Loaded once by the embedded Node before it is kept: an ABI mismatch fails here, not at a user's start.
  run(runtime.node, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(built)})`])
  mkdirSync(dir, { recursive: true })
  renameSync(built, file)
  // The build folder and addons for other versions go: the cache holds the current addon only.
  for (const entry of readdirSync(cache)) {
    if (entry.startsWith('addon-') && entry !== `addon-${key}`) rmSync(join(cache, entry), { recursive: true, force: true })
  }
  return { file, cached: false }
}
