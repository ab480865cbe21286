// The Runtime of dist/parley: the web client, the version and SQLite's addon come from the assets
// built into the executable (node:sea), never from the disk.
import { getAsset } from 'node:sea'
import type { Runtime } from '../assets.js'
import { loadAddon } from './addon.js'
import { ADDON_ASSET, MANIFEST_ASSET, type Manifest, PUBLIC_PREFIX } from './manifest.js'

export function seaRuntime(): Runtime {
  const manifest = JSON.parse(getAsset(MANIFEST_ASSET, 'utf8')) as Manifest
  const files = new Set(manifest.files)
  // Loaded once: the DATA_DIR lock and the database both ask for it.
  let addon: object | undefined
  return {
    assets: {
      version: manifest.version,
      // getAsset copies (tens of KB per file); the raw asset is the executable's own memory and
      // must not be handed to streams that may detach or write it.
      file: async (path) => (files.has(path) ? new Uint8Array(getAsset(PUBLIC_PREFIX + path)) : undefined),
    },
    sqliteAddon: (dataDir) => (addon ??= loadAddon(dataDir, () => new Uint8Array(getAsset(ADDON_ASSET)), manifest.addon.sha256)),
  }
}
