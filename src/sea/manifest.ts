// The names under which scripts/package/ stores things in dist/parley and src/sea/runtime.ts reads
// them back: one JSON asset describing the rest.
export const MANIFEST_ASSET = 'parley.json'
export const ADDON_ASSET = 'better_sqlite3.node'
/** Each file of public/ is the asset `public/<its path>`. */
export const PUBLIC_PREFIX = 'public/'

export type Manifest = {
  version: string
  /** The paths under public/ ('index.html', 'js/main.js'). */
  files: string[]
  addon: { sha256: string }
}
