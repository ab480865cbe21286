// The web client and the version come from the Assets the server is given: the repository's
// public/ and package.json for `npm start`, the executable's copies for dist/parley (API.md §15).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Assets, diskAssets } from '../src/assets.js'
import { loadConfig } from '../src/config.js'
import { startServer, type Running } from '../src/main.js'
import { projectRoot } from '../src/paths.js'

const encode = (text: string) => new TextEncoder().encode(text)

/** A GET whose path goes out exactly as written (fetch and URL would resolve the '..' first). */
function rawGet(base: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, agent: false }, (res) => {
      res.resume().on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('a server over Assets held in memory', () => {
  const files = new Map([
    ['index.html', '<!doctype html><title>from memory</title><script type="module" src="/js/app.js"></script>'],
    ['js/app.js', 'console.log("from memory")'],
    ['app.css', 'body { margin: 0 }'],
  ])
  const asked: string[] = []
  const assets: Assets = {
    version: '9.8.7-memory',
    file: async (path) => {
      asked.push(path)
      const text = files.get(path)
      return text === undefined ? undefined : encode(text)
    },
  }
  let running: Running
  let dataDir: string
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-assets-'))
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SECRET_KEY: 'a'.repeat(40) })
    running = await startServer(config, { runtime: { assets }, log: pino({ level: 'silent' }) })
  })
  afterAll(async () => {
    await running.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const get = (path: string, method = 'GET') => fetch(running.url + path, { method })

  it('serves each file the Assets hold with its type; / and client-side pages get index.html', async () => {
    for (const [path, type, body] of [
      ['/', /^text\/html/, files.get('index.html')],
      ['/js/app.js', /^text\/javascript/, files.get('js/app.js')],
      ['/app.css', /^text\/css/, files.get('app.css')],
      ['/reset-password?token=abc', /^text\/html/, files.get('index.html')],
    ] as const) {
      const res = await get(path)
      expect({ path, status: res.status, body: await res.text() }).toEqual({ path, status: 200, body })
      expect(res.headers.get('content-type'), path).toMatch(type)
    }
    expect((await get('/js/app.js', 'HEAD')).status).toBe(200)
  })

  it('reads nothing from the disk: a file public/ has but the Assets lack is a 404', async () => {
    const res = await get('/favicon.svg')
    expect(res.status).toBe(404)
    expect((await res.json()).error.code).toBe('not_found')
  })

  it('never asks the Assets for a path leaving the folder', async () => {
    asked.length = 0
    for (const path of ['/../package.json', '/js/../../package.json', '/%2e%2e/package.json', '/js//app.js', '/js\\app.js']) {
      // 404 (not served), or 400 for a backslash, which node:http refuses before any route.
      expect([400, 404], path).toContain(await rawGet(running.url, path))
    }
    expect(asked.filter((p) => p.includes('..') || p.includes('//') || p.includes('\\'))).toEqual([])
  })

  it('the API description carries the Assets version', async () => {
    expect((await (await get('/api/openapi.json')).json()).info.version).toBe('9.8.7-memory')
  })
})

describe('diskAssets (npm start)', () => {
  const root = projectRoot()
  const assets = diskAssets(root)

  it('gives package.json version and the files of public/', async () => {
    expect(assets.version).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version)
    expect(Buffer.from((await assets.file('js/main.js'))!).equals(readFileSync(join(root, 'public', 'js', 'main.js')))).toBe(true)
  })

  it('gives nothing for a folder, a missing file, or a path outside public/', async () => {
    for (const path of ['js', 'missing.js', '../package.json', 'js/../../package.json', '/etc/passwd']) {
      expect(await assets.file(path), path).toBeUndefined()
    }
  })
})
