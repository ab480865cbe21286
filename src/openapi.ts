// /api/openapi.json, generated from the zod schemas that the validate() middlewares run.
import type { Hono } from 'hono'
import { z } from 'zod'
import { DURABLE_TYPES, EPHEMERAL_TYPES } from './events/types.js'
import { SCHEMA, type SchemaCarrier } from './http/validate.js'

type Operation = {
  summary: string
  parameters: unknown[]
  requestBody?: unknown
  responses: Record<string, unknown>
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
}

export function buildOpenApi(app: Hono<any>, version: string) {
  const paths: Record<string, Record<string, Operation>> = {}
  for (const route of app.routes) {
    if (route.method === 'ALL' || !route.path.startsWith('/api/')) continue
    const path = route.path.replace(/:([A-Za-z_]+)/g, '{$1}')
    const method = route.method.toLowerCase()
    const op = ((paths[path] ??= {})[method] ??= {
      summary: `${route.method} ${route.path}`,
      parameters: [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'integer', minimum: 1 } })),
      responses: { '200': { description: 'Success: {"data": …}' }, default: { description: 'Error', content: { 'application/json': { schema: errorSchema } } } },
    })
    const carried = (route.handler as SchemaCarrier)[SCHEMA]
    if (!carried) continue
    const schema = jsonSchema(carried.schema)
    if (carried.target === 'json') {
      // A body is required when its schema names a required field; otherwise it may be left out.
      const required = Array.isArray(schema.required) && schema.required.length > 0
      op.requestBody = { required, content: { 'application/json': { schema } } }
    } else if (carried.target === 'query') {
      const props = (schema.properties ?? {}) as Record<string, unknown>
      const required = new Set((schema.required as string[] | undefined) ?? [])
      op.parameters.push(...Object.entries(props).map(([name, s]) => ({ name, in: 'query', required: required.has(name), schema: s })))
    } else if (carried.target === 'param') {
      // The route's own parameter schema (an id is an integer; an emoji a string).
      const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>
      op.parameters = op.parameters.map((p) => {
        const name = (p as { name: string }).name
        const s = props[name]
        return s ? { ...(p as object), schema: s, ...(typeof s.description === 'string' ? { description: s.description } : {}) } : p
      })
    } else if (carried.target === 'form') {
      op.requestBody = { required: true, content: { 'multipart/form-data': { schema } } }
    }
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Parley HTTP API', version, description: 'Self-hosted chat over plain HTTP and long-polling. See API.md.' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'parley_session' } }, schemas: SCHEMAS },
    security: [{ session: [] }],
    paths,
    // OpenAPI 3.0 has no words for events pushed over a long poll: each type of GET /api/poll's
    // events, with the schema of its data where it carries a message (API.md §10, §16).
    'x-events': Object.fromEntries([...DURABLE_TYPES, ...EPHEMERAL_TYPES].map((t) => [t, EVENTS[t] ?? { description: EVENT_DOC }])),
  }
}

const EVENT_DOC = 'See API.md §10 for its data.'

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const ids = { type: 'array', items: { type: 'integer' } }
const time = { type: 'string', format: 'date-time' }
const nullable = (schema: object) => ({ ...schema, nullable: true })

const SCHEMAS = {
  Attachment: {
    type: 'object',
    description: 'An upload (API.md §8, §16). An image is shown inline; any other file is served only as a download.',
    required: ['id', 'url', 'content_type', 'size', 'name', 'is_image'],
    properties: {
      id: { type: 'integer' },
      url: { type: 'string', description: '/files/<random name>: the type told by the bytes for an image; application/octet-stream with Content-Disposition: attachment and a sandbox policy for any other file.' },
      content_type: { type: 'string', description: 'image/png, image/jpeg, image/gif or image/webp; application/octet-stream for every other file.' },
      size: { type: 'integer' },
      name: nullable({ type: 'string', maxLength: 255, description: 'The original file name, sanitized: no folder part, no control or format characters, at most 255 bytes of UTF-8. Null for uploads made before names were kept.' }),
      is_image: { type: 'boolean', description: 'A complete PNG, JPEG, GIF or WebP by its bytes; only an image can be a photo.' },
    },
  },
  Reaction: { type: 'object', required: ['emoji', 'user_ids'], properties: { emoji: { type: 'string' }, user_ids: ids } },
  Message: {
    type: 'object',
    required: ['id', 'author_id', 'kind', 'created_at', 'edited_at', 'reactions', 'mentions'],
    properties: {
      id: { type: 'integer' },
      room_id: nullable({ type: 'integer' }),
      recipient_id: nullable({ type: 'integer' }),
      author_id: { type: 'integer' },
      text: nullable({ type: 'string' }),
      attachment: nullable(ref('Attachment')),
      reply_to_id: nullable({ type: 'integer' }),
      kind: { type: 'string', enum: ['user', 'service'] },
      service: nullable({ type: 'object' }),
      created_at: time,
      edited_at: nullable(time),
      reactions: { type: 'array', items: ref('Reaction'), maxItems: 20, description: 'Ordered by first use.' },
      mentions: { ...ids, description: 'Users named by @username in the room or dialog.' },
    },
  },
  SearchResult: {
    allOf: [ref('Message'), { type: 'object', required: ['highlight'], properties: { highlight: { type: 'string', description: 'The text HTML-escaped, matched words in <mark>…</mark>.' } } }],
  },
}

const messageEvent = (description: string) => ({ description, schema: { type: 'object', required: ['message'], properties: { message: ref('Message') } } })

const EVENTS: Partial<Record<string, object>> = {
  'message.created': messageEvent('A new room, direct or service message, to the room’s members or both parties.'),
  'message.updated': messageEvent('An edit or a change of reactions (API.md §16), to the same audience as message.created: the room’s members now, or both parties.'),
}
