// /api/openapi.json, generated from the zod schemas that the validate() middlewares run.
import type { Hono } from 'hono'
import { z } from 'zod'
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
    } else if (carried.target === 'form') {
      op.requestBody = { required: true, content: { 'multipart/form-data': { schema } } }
    }
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Parley HTTP API', version, description: 'Self-hosted chat over plain HTTP and long-polling. See API.md.' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'parley_session' } } },
    security: [{ session: [] }],
    paths,
  }
}
