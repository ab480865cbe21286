// dist/parley: the embedded Node with a single-executable-application blob injected (the bundled
// server, its V8 code cache, and the assets: the manifest, every file of public/ and the addon).
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative, sep } from 'node:path'
import { ADDON_ASSET, MANIFEST_ASSET, type Manifest, PUBLIC_PREFIX } from '../../src/sea/manifest.js'
import { run, sha256, sha256File, versionOf } from './exec.js'
import type { NodeRuntime } from './runtime.js'

const require = createRequire(import.meta.url)

// The fuse Node's single executable applications look for (Node's docs, "Single executable applications").
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

// Part of the cache key, with everything else that shapes the file.
const SEA_OPTIONS = {
  disableExperimentalSEAWarning: true,
  // V8's compiled code for the bundle, made now: the start skips most of the parsing.
  useCodeCache: true,
}
// Debug symbols: 127 → 109 MB. The dynamic symbols addons link against stay.
const STRIP_ARGS = ['--strip-all']

export type Parts = { root: string; cache: string; runtime: NodeRuntime; addon: string; bundle: string }

export function assemble({ root, cache, runtime, addon, bundle }: Parts): { file: string; cached: boolean } {
  const out = join(root, 'dist', 'parley')
  const publicDir = join(root, 'public')
  const files = listFiles(publicDir)
  const manifest: Manifest = { version: versionOf(join(root, 'package.json')), files, addon: { sha256: sha256File(addon) } }
  const postject = require.resolve('postject/dist/cli.js', { paths: [root] })
  const key = sha256(
    JSON.stringify({
      node: runtime.version,
      postject: versionOf(join(postject, '..', '..', 'package.json')),
      bundle: sha256File(bundle),
      manifest,
      public: files.map((f) => sha256File(join(publicDir, f))),
      SEA_OPTIONS,
      STRIP_ARGS,
    }),
  )
  // The key of the file last written to dist/parley, with its size and time: when both still
  // match, dist/parley is that file and nothing needs doing.
  const stamp = join(cache, 'parley.stamp.json')
  if (sameStamp(stamp, out, key)) return { file: out, cached: true }

  const work = join(cache, 'sea')
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  writeFileSync(join(work, MANIFEST_ASSET), JSON.stringify(manifest))
  const assets: Record<string, string> = { [MANIFEST_ASSET]: join(work, MANIFEST_ASSET), [ADDON_ASSET]: addon }
  for (const f of files) assets[PUBLIC_PREFIX + f] = join(publicDir, f)
  const blob = join(work, 'sea.blob')
  const config = { main: bundle, output: blob, ...SEA_OPTIONS, assets }
  writeFileSync(join(work, 'sea-config.json'), JSON.stringify(config, null, 2))
  // The blob must come from the very Node it is injected into.
  run(runtime.node, ['--experimental-sea-config', join(work, 'sea-config.json')], { cwd: work })
  const exe = join(work, 'parley')
  copyFileSync(runtime.node, exe)
  run('strip', [...STRIP_ARGS, exe])
  run(process.execPath, [postject, exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE])
  chmodSync(exe, 0o755)
  mkdirSync(join(root, 'dist'), { recursive: true })
  // A rename, not a copy over: a dist/parley that is running keeps its own file.
  renameSync(exe, out)
  const { size, mtimeMs } = statSync(out)
  writeFileSync(stamp, JSON.stringify({ key, size, mtimeMs }))
  rmSync(work, { recursive: true, force: true })
  return { file: out, cached: false }
}

/** Every file under `dir`, as sorted '/'-separated paths relative to it. */
function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))
    .sort()
}

function sameStamp(stamp: string, out: string, key: string): boolean {
  if (!existsSync(stamp) || !existsSync(out)) return false
  const kept = JSON.parse(readFileSync(stamp, 'utf8')) as { key: string; size: number; mtimeMs: number }
  const { size, mtimeMs } = statSync(out)
  return kept.key === key && kept.size === size && kept.mtimeMs === mtimeMs
}
