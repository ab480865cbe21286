// What `npm start` and the one file (dist/parley, API.md §15) take from different places: the web
// client's files, Parley's version and SQLite's native addon. `npm start` and the tests read the
// repository (diskRuntime); the executable reads what was built into it (src/sea/runtime.ts).
// Nothing else reads public/ or package.json, so the executable never looks for them on disk.
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'
import { projectRoot } from './paths.js'

export interface Assets {
  /** Parley's version, as package.json gives it. */
  readonly version: string
  /** A file of the web client by its path under public/ ('index.html', 'js/main.js'); undefined when there is none. */
  file(path: string): Promise<Uint8Array<ArrayBuffer> | undefined>
}

export type Runtime = {
  assets: Assets
  /** better-sqlite3's addon for its `nativeBinding` option; absent, the package loads its own build from node_modules. */
  sqliteAddon?: (dataDir: string) => object
}

export function diskRuntime(root: string = projectRoot()): Runtime {
  return { assets: diskAssets(root) }
}

/** Reads public/ at each request, so an edit to the web client shows on the next reload. */
export function diskAssets(root: string): Assets {
  const publicDir = join(root, 'public')
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
  return {
    version,
    async file(path) {
      const full = resolve(publicDir, path)
      // The static middleware refuses '..' already; this keeps any other caller inside public/ too.
      if (!full.startsWith(publicDir + sep)) return undefined
      try {
        return await readFile(full)
      } catch {
        // Missing, or a directory: the caller falls through to the next handler.
        return undefined
      }
    },
  }
}
