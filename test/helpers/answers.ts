// Every answer the test suite receives through the Client is checked against /api/openapi.json
// as the app generates it: its route and method must be documented, its status must be one the
// route documents, and its body must match that status's schema (error codes included). So the
// document cannot drift from what the server answers. The Client records each answer; after each
// test file (test/helpers/answers-setup.ts, vitest's setupFiles) they are checked, off the clock
// of timed tests, and a test file that met an undocumented answer fails.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { pino } from 'pino'
import { createApp } from '../../src/app.js'
import { diskRuntime } from '../../src/assets.js'
import { loadConfig } from '../../src/config.js'
import { buildDeps } from '../../src/main.js'
import { buildOpenApi } from '../../src/openapi.js'

type Recorded = { method: string; path: string; status: number; contentType: string | null; text: string }
const recorded: Recorded[] = []

/** Keeps one answer the Client received, for checkRecordedAnswers. */
export function recordAnswer(answer: Recorded): void {
  // Parley never answers 502: that is a proxy in front of it (the cluster test's) with no process to reach.
  if (answer.status === 502) return
  recorded.push(answer)
}

/** Checks every answer recorded since the last call; throws naming the undocumented ones. */
export async function checkRecordedAnswers(): Promise<void> {
  if (recorded.length === 0) return
  const checker = new Checker(await appDocument())
  const problems = [...new Set(recorded.map((r) => checker.problem(r.method, r.path, r.status, r.contentType, r.text)).filter((p) => p !== undefined))]
  const count = recorded.length
  recorded.length = 0
  if (problems.length > 0) throw new Error(`${problems.length} of ${count} answers are not as /api/openapi.json documents them:\n${problems.slice(0, 10).join('\n')}`)
}

/** The document the app generates, from an app of its own on a temp database. */
async function appDocument(): Promise<Doc> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-doc-'))
  const { deps, close } = await buildDeps(loadConfig({ DATA_DIR: dir, SECRET_KEY: 'x'.repeat(40) }), { runtime: diskRuntime(), log: pino({ level: 'silent' }) })
  try {
    return JSON.parse(JSON.stringify(buildOpenApi(createApp(deps).app, deps.assets.version))) as Doc
  } finally {
    await close()
    rmSync(dir, { recursive: true, force: true })
  }
}

type Doc = { paths: Record<string, Record<string, Operation>>; components: unknown }
type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }
type Route = { template: string; re: RegExp; params: number; methods: Record<string, Operation> }

const DOC_ID = 'https://parley.invalid/openapi.json'

let loaded: Promise<Checker> | undefined

/** The checker for the document the server at `base` serves (fetched once per test process). */
export function answerChecker(base: string): Promise<Checker> {
  return (loaded ??= fetch(`${base}/api/openapi.json`).then(async (r) => {
    // A route missing from src/openapi/routes.ts makes the document a 500: say so, once, plainly.
    if (!r.ok) throw new Error(`/api/openapi.json answered ${r.status}: ${await r.text()}`)
    return new Checker((await r.json()) as Doc)
  }))
}

export class Checker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true })
  private readonly routes: Route[]
  private readonly compiled = new Map<string, ValidateFunction>()

  constructor(readonly doc: Doc) {
    addFormats.default(this.ajv)
    this.ajv.addSchema({ $id: DOC_ID, components: doc.components })
    this.routes = Object.entries(doc.paths)
      .map(([template, methods]) => {
        const params = (template.match(/\{/g) ?? []).length
        const re = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`)
        return { template, re, params, methods }
      })
      // A literal path wins over a template that also matches it (/api/me/keepalive, not /api/users/{id}).
      .sort((a, b) => a.params - b.params)
  }

  /** What is wrong with this answer, or undefined when it is as documented. */
  problem(method: string, url: string, status: number, contentType: string | null, text: string): string | undefined {
    const path = new URL(url, 'http://x').pathname
    if (!path.startsWith('/api/') && path !== '/poll') return undefined
    const route = this.routes.find((r) => r.re.test(path))
    const body = parse(text)
    const op = route && (route.methods[method.toLowerCase()] ?? (method === 'HEAD' ? route.methods.get : undefined))
    if (!route || !op) {
      // No route: 404 or 405, or what every request may meet before any route (docs/http.md).
      const code = (body as { error?: { code?: string } } | undefined)?.error?.code
      const fine = method === 'HEAD' ? [401, 403, 404, 405, 408, 413, 415, 431].includes(status) : code !== undefined && ANY_REQUEST[code] === status
      return fine ? undefined : `${method} ${path}: no documented route, and not an answer any request may get (${status} ${code})`
    }
    const documented = op.responses[String(status)]
    if (!documented) return `${method} ${route.template}: status ${status} is not documented (body ${text.slice(0, 300)})`
    if (method === 'HEAD') return undefined
    if (!documented.content) return text === '' ? undefined : `${method} ${route.template} ${status}: documented without a body, answered ${text.slice(0, 200)}`
    const type = (contentType ?? '').split(';')[0]!.trim()
    const media = documented.content[type]
    if (!media) return `${method} ${route.template} ${status}: content type ${type} not documented`
    if (type !== 'application/json') return undefined
    const key = `${method} ${route.template} ${status}`
    let validate = this.compiled.get(key)
    if (!validate) {
      const schema = JSON.parse(JSON.stringify(media.schema).replaceAll('"#/components/', `"${DOC_ID}#/components/`)) as object
      validate = this.ajv.compile(schema)
      this.compiled.set(key, validate)
    }
    if (validate(body)) return undefined
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`)
    return `${key}: the answer does not match its documented schema: ${errors.join('; ')}; body ${text.slice(0, 400)}`
  }
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined
  } catch {
    return text
  }
}

/** Answers to a request that no route takes: the guards every request passes, and 404/405. */
const ANY_REQUEST: Record<string, number> = {
  not_found: 404,
  method_not_allowed: 405,
  not_signed_in: 401,
  session_revoked: 401,
  session_expired: 401,
  csrf_rejected: 403,
  payload_too_large: 413,
  unsupported_media_type: 415,
  request_timeout: 408,
  headers_too_large: 431,
}
