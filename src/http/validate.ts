import type { IncomingMessage } from 'node:http'
import type { Context, MiddlewareHandler, ValidationTargets } from 'hono'
import { validator } from 'hono/validator'
import { z } from 'zod'
import type { AppEnv } from '../deps.js'
import { ApiError } from '../errors.js'

type Target = 'json' | 'query' | 'param' | 'form'

/** Turns zod issues into API.md §1's 400: unknown_field for extra keys, invalid_request otherwise. */
export function zodToApiError(error: z.ZodError, target: Target): ApiError {
  const prefix = target === 'json' || target === 'form' ? [] : [target]
  const unknown = error.issues.filter((i) => i.code === 'unrecognized_keys')
  if (unknown.length > 0) {
    const details = unknown.flatMap((i) =>
      (i as z.core.$ZodIssueUnrecognizedKeys).keys.map((k) => ({ path: [...prefix, ...i.path, k].join('.'), message: 'Unknown field.' })),
    )
    return new ApiError('unknown_field', `Unknown field: ${details.map((d) => d.path).join(', ')}.`, details)
  }
  const details = error.issues.map((i) => ({ path: [...prefix, ...i.path.map(String)].join('.') || target, message: i.message }))
  return new ApiError('invalid_request', 'The request is invalid.', details)
}

/** The schemas each validate() middleware (or a route's one handler) carries, read by the OpenAPI generator. */
export const SCHEMA = Symbol('parley.schema')
export type Carried = { target: Target; schema: z.ZodType }
export type SchemaCarrier = { [SCHEMA]?: readonly Carried[] }

/** A part of the request validated by `schema`, as validate(target, schema) checks it: API.md §1's 400 if it fails. */
export async function validated<T extends z.ZodType>(target: Exclude<Target, 'json'>, schema: T, value: unknown): Promise<z.output<T>> {
  const input = target === 'query' ? firstValues(value as Record<string, string | string[]>) : value
  const result = await schema.safeParseAsync(input)
  if (!result.success) throw zodToApiError(result.error, target)
  return result.data
}

/**
 * Validates one part of the request with a zod schema and exposes the typed result through
 * c.req.valid(target). The same schema is attached to the middleware for /api/openapi.json.
 */
export function validate<T extends z.ZodType, K extends Target>(target: K, schema: T) {
  type Env = { in: { [P in K]: z.input<T> }; out: { [P in K]: z.output<T> } }
  const check = (value: unknown, _c: Context) => validated(target as Exclude<Target, 'json'>, schema, value)
  const mw =
    target === 'json'
      ? (jsonBody(schema) as MiddlewareHandler<AppEnv, string, Env>)
      : (validator(target as keyof ValidationTargets, check) as MiddlewareHandler<AppEnv, string, Env>)
  ;(mw as SchemaCarrier)[SCHEMA] = [{ target, schema }]
  return mw
}

// 64 KiB: API.md §2's cap on JSON bodies.
export const JSON_BODY_LIMIT = 64 * 1024

/**
 * Reads and validates a JSON body straight from the node request, counting bytes as they come:
 * 413 past 64 KiB, 400 for JSON that does not parse. (Reading it through the web Request would
 * build one per request; sends are the second most frequent request.) No body means {}.
 */
function jsonBody(schema: z.ZodType): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.req.addValidatedData('json', (await jsonOf(c, schema)) as object)
    await next()
  }
}

/** The request's JSON body validated by `schema`, as validate('json', schema) reads it. */
export async function jsonOf<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.output<T>> {
  return parseJsonBody(schema, await readBody(c))
}

/** A body's text parsed as JSON (none is {}) and validated: 400 for bad JSON or a bad value. */
export async function parseJsonBody<T extends z.ZodType>(schema: T, text: string | undefined): Promise<z.output<T>> {
  let value: unknown = {}
  if (text !== undefined && text.length > 0) {
    try {
      value = JSON.parse(text)
    } catch (err) {
      throw new ApiError('invalid_request', 'The body is not valid JSON.', [{ path: 'body', message: (err as Error).message }])
    }
  }
  const result = await schema.safeParseAsync(value)
  if (!result.success) throw zodToApiError(result.error, 'json')
  return result.data
}

async function readBody(c: Context<AppEnv>): Promise<string | undefined> {
  const incoming = c.env?.incoming
  if (!incoming) return c.req.raw.body ? c.req.text() : undefined
  return readNodeBody(incoming)
}

/** The body of a node request as text, or undefined without one: 413 past 64 KiB. */
export async function readNodeBody(incoming: IncomingMessage): Promise<string | undefined> {
  if (incoming.headers['content-length'] === undefined && incoming.headers['transfer-encoding'] === undefined) return undefined
  refuseDeclaredOverLimit(incoming)
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of incoming as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > JSON_BODY_LIMIT) throw tooLarge()
      chunks.push(chunk)
    }
  } catch (err) {
    // Anything but our own 413 is the client going away mid-body (or cut for being too slow):
    // its 4xx, never a 500 logged as a fault of ours.
    throw err instanceof ApiError ? err : cutOff()
  }
  return Buffer.concat(chunks, size).toString('utf8')
}

const cutOff = () => new ApiError('invalid_request', 'The request body was cut off.', [{ path: 'body', message: 'The body ended early.' }])

const tooLarge = () => new ApiError('payload_too_large', `The request body is over ${JSON_BODY_LIMIT} bytes.`)

/** 413 for a body whose declared length is over 64 KiB, before a byte of it is read. */
export function refuseDeclaredOverLimit(incoming: Pick<IncomingMessage, 'headers'> | undefined): void {
  if (Number(incoming?.headers['content-length'] ?? 0) > JSON_BODY_LIMIT) throw tooLarge()
}

/** The first value of each query key, as a route's query schema reads them. */
export function firstValues(q: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k in q) {
    const v = q[k]!
    out[k] = Array.isArray(v) ? v[0]! : v
  }
  return out
}

// Shared pieces of schemas.
export const IdParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER)
export const Limit = z.coerce.number().int().min(1).max(200).default(50)
export const Offset = z.coerce.number().int().min(0).max(1_000_000_000).default(0)
export const Paging = z.object({ limit: Limit, offset: Offset })
export const QueryBool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')
/** An ISO-8601 string or epoch milliseconds, as API.md §1 allows for every time input. */
export const TimeInput = z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
