// /api/openapi.json, generated from the zod schemas that the validate() middlewares run (requests)
// and from openapi/answers.ts (answers), route by route as openapi/routes.ts lists them.
import type { Hono } from 'hono'
import { z } from 'zod'
import { ERROR_STATUS, type ErrorCode } from './errors.js'
import { type Carried, SCHEMA, type SchemaCarrier } from './http/validate.js'
import { components } from './openapi/answers.js'
import { ROUTES, type RouteDoc } from './openapi/routes.js'

type Json = Record<string, unknown>

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` })
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
/** Other paths the app serves an /api route under (API.md §10). */
const ALIASES: Record<string, string> = { '/api/poll': '/poll' }

/**
 * A pipe's limits as enforced: `z.string().max(20000).trim().pipe(z.string().max(4000))` takes
 * at most 4000 characters (after trimming), not the 20000 its input side alone says.
 */
function pipeLimits(ctx: { zodSchema: z.core.$ZodType; jsonSchema: Json }): void {
  if (ctx.zodSchema._zod.def.type !== 'pipe') return
  let min: number | undefined
  let max: number | undefined
  const walk = (s: z.core.$ZodType) => {
    const def = s._zod.def as { type: string; in?: z.core.$ZodType; out?: z.core.$ZodType }
    if (def.type === 'pipe') return [def.in!, def.out!].forEach(walk)
    if (def.type !== 'string') return
    for (const check of (s._zod.def as { checks?: { _zod: { def: { check: string; maximum?: number; minimum?: number } } }[] }).checks ?? []) {
      const c = check._zod.def
      if (c.check === 'max_length') max = Math.min(max ?? Infinity, c.maximum!)
      if (c.check === 'min_length') min = Math.max(min ?? 0, c.minimum!)
    }
  }
  walk(ctx.zodSchema)
  if (max !== undefined) ctx.jsonSchema.maxLength = max
  if (min !== undefined) ctx.jsonSchema.minLength = min
}

function requestSchema(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any', override: pipeLimits }) as Json
  delete json.$schema
  return json
}

/** The answers' schemas, each under its name, referring to each other by $ref. */
function componentSchemas(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(components, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` })
  for (const s of Object.values(schemas)) {
    delete s.$schema
    delete s.$id
  }
  // The event union is told apart by `type`.
  const events = schemas.Event as Json & { oneOf: { $ref: string }[] }
  events.discriminator = { propertyName: 'type', mapping: Object.fromEntries(events.oneOf.map((r) => [r.$ref.split('/').at(-1)!.slice('Event.'.length), r.$ref])) }
  return schemas as Record<string, Json>
}

/** The errors every route of its kind may answer, besides its own (API.md §1–§2, §13). */
function commonErrors(doc: RouteDoc, method: string, path: string, carried: Carried[]): ErrorCode[] {
  // Any request: a server fault, headers too slow or too large (API.md §13).
  const codes: ErrorCode[] = ['internal_error', 'request_timeout', 'headers_too_large']
  if (!doc.open) codes.push('not_signed_in', 'session_revoked', 'session_expired')
  if (STATE_CHANGING.has(method)) codes.push('csrf_rejected', 'unsupported_media_type', 'payload_too_large')
  if (carried.length > 0) codes.push('invalid_request')
  // Bodies and strict queries refuse fields they do not know.
  if (carried.some((c) => c.target === 'json' || (c.target === 'query' && isStrict(c.schema)))) codes.push('unknown_field')
  if (path.includes('{')) codes.push('not_found')
  return codes
}

function isStrict(schema: z.ZodType): boolean {
  const def = schema._zod.def as { type: string; catchall?: { _zod: { def: { type: string } } } }
  return def.type === 'object' && def.catchall?._zod.def.type === 'never'
}

function errorResponses(codes: ErrorCode[], htmlError: boolean): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of new Set(codes)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code])
  const out: Record<string, Json> = {}
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const schema = { ...ref('Error'), properties: { error: { properties: { code: { enum: list } } } } }
    const content: Json = { 'application/json': { schema } }
    if (status === 400 && htmlError) content['text/html'] = { schema: { type: 'string' } }
    const response: Json = { description: list.map((c) => `\`${c}\``).join(', '), content }
    if (status === 429 || status === 503) response.headers = { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer', minimum: 0 } } }
    out[String(status)] = response
  }
  return out
}

function successResponses(doc: RouteDoc): Record<string, Json> {
  const out: Record<string, Json> = {}
  for (const [status, body] of Object.entries(doc.ok)) {
    if (body === null) out[status] = { description: 'Done; no body.' }
    else if (body === 'redirect') out[status] = { description: 'Redirect (browsers).', headers: { Location: { schema: { type: 'string' } } } }
    else {
      const id = components.get(body)?.id
      if (!id) throw new Error(`an answer schema without a name (${doc.summary})`)
      out[status] = { description: components.get(body)?.description ?? 'Success.', content: { 'application/json': { schema: ref(id) } } }
    }
  }
  return out
}

function operation(doc: RouteDoc, method: string, path: string, carried: Carried[]): Json {
  const parameters: Json[] = []
  let requestBody: Json | undefined
  const params = new Set([...path.matchAll(/\{([A-Za-z_]+)\}/g)].map((m) => m[1]!))
  for (const { target, schema } of carried) {
    const json = requestSchema(schema)
    const props = (json.properties ?? {}) as Record<string, Json>
    const required = new Set((json.required as string[] | undefined) ?? [])
    if (target === 'json') {
      // A body is required when its schema names a required field; otherwise it may be left out.
      requestBody = { required: required.size > 0, content: { 'application/json': { schema: json } } }
    } else if (target === 'form') {
      requestBody = { required: true, content: { 'multipart/form-data': { schema: json } } }
    } else {
      const where = target === 'param' ? 'path' : 'query'
      for (const [name, s] of Object.entries(props)) {
        if (where === 'path') params.delete(name)
        parameters.push({ name, in: where, required: where === 'path' || required.has(name), schema: s })
      }
    }
  }
  // Path parameters no schema describes (none today) are still named.
  for (const name of params) parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } })
  const errors = [...commonErrors(doc, method, path, carried), ...(doc.errors ?? [])]
  return {
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    operationId: `${method.toLowerCase()}${path.replace(/\{([^}]+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    ...(doc.open ? { security: [] } : {}),
    parameters,
    ...(requestBody ? { requestBody } : {}),
    responses: { ...successResponses(doc), ...errorResponses(errors, doc.htmlError === true) },
  }
}

export function buildOpenApi(app: Hono<any>, version: string) {
  // Each route's handlers (middlewares, validators, the handler) are separate entries of app.routes.
  const routes = new Map<string, { method: string; path: string; carried: Carried[] }>()
  for (const route of app.routes) {
    if (route.method === 'ALL' || !route.path.startsWith('/api/')) continue
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}')
    const key = `${route.method} ${path}`
    const entry = routes.get(key) ?? { method: route.method, path, carried: [] }
    routes.set(key, entry)
    entry.carried.push(...((route.handler as SchemaCarrier)[SCHEMA] ?? []))
  }
  const paths: Record<string, Record<string, Json>> = {}
  for (const [key, { method, path, carried }] of routes) {
    const doc = ROUTES[key]
    if (!doc) throw new Error(`route ${key} is not documented in src/openapi/routes.ts`)
    const op = operation(doc, method, path, carried)
    ;(paths[path] ??= {})[method.toLowerCase()] = op
    const alias = ALIASES[path]
    if (alias) (paths[alias] ??= {})[method.toLowerCase()] = { ...op, operationId: `${String(op.operationId)}Alias`, summary: `${doc.summary} (${path} under a shorter path)` }
  }
  const stale = Object.keys(ROUTES).filter((k) => !routes.has(k))
  if (stale.length > 0) throw new Error(`documented routes the app does not serve: ${stale.join(', ')}`)
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley HTTP API',
      version,
      description:
        'Self-hosted chat over plain HTTP and long-polling. Bodies are JSON; success is {"data": …}, failure {"error": {code, message, details?}}. The reference, the event protocol and every event type are in the repository’s docs/ folder.',
    },
    servers: [{ url: '/' }],
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'parley_session',
          description: 'Set by the sign-in routes (HttpOnly, SameSite=Lax; Secure behind https). Scripts keep it in a cookie jar.',
        },
      },
    },
    security: [{ session: [] }],
    paths,
  }
}
