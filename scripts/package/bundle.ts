// The server as one CommonJS script (what Node 24's single executable applications run), built by
// esbuild. Kept in the cache with the hash of every file esbuild read: when none changed, the
// bundle is reused without running esbuild.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as esbuild from 'esbuild'
import { sha256, sha256File } from './exec.js'

const OPTIONS = {
  entryPoints: ['src/sea/entry.ts'],
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  logLevel: 'warning',
  // import.meta is empty in a CommonJS bundle: code using it (to find files next to itself)
  // would look on the disk, which the executable must never do.
  logOverride: { 'empty-import-meta': 'error' },
  // pg's optional native binding (libpq), which Parley never asks for.
  external: ['pg-native'],
} satisfies esbuild.BuildOptions

type Inputs = { key: string; files: Record<string, string> }

export async function bundleServer(root: string, cache: string): Promise<{ file: string; cached: boolean }> {
  const dir = join(cache, 'bundle')
  const file = join(dir, 'parley.cjs')
  const record = join(dir, 'inputs.json')
  const key = sha256(JSON.stringify({ esbuild: esbuild.version, OPTIONS, tsconfig: readFileSync(join(root, 'tsconfig.json'), 'utf8') }))
  if (existsSync(file) && unchanged(root, record, key)) return { file, cached: true }

  const result = await esbuild.build({ ...OPTIONS, absWorkingDir: root, outfile: file, metafile: true })
  // Every file read; a new import changes the file that imports it, so this list is enough.
  const files = Object.fromEntries(Object.keys(result.metafile.inputs).map((f) => [f, sha256File(join(root, f))]))
  mkdirSync(dir, { recursive: true })
  writeFileSync(record, JSON.stringify({ key, files } satisfies Inputs))
  return { file, cached: false }
}

function unchanged(root: string, record: string, key: string): boolean {
  let inputs: Inputs
  try {
    inputs = JSON.parse(readFileSync(record, 'utf8')) as Inputs
  } catch {
    return false
  }
  if (inputs.key !== key) return false
  return Object.entries(inputs.files).every(([f, hash]) => existsSync(join(root, f)) && sha256File(join(root, f)) === hash)
}
