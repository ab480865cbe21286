// /api/search — API.md §16.
import { Hono, type MiddlewareHandler } from 'hono'
import type { AppDeps, AppEnv } from '../deps.js'
import { validate } from '../http/validate.js'
import { SearchQuery } from './schemas.js'
import { search } from './search.js'

export function searchRoutes(deps: AppDeps, requireUser: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>().get('/', requireUser, validate('query', SearchQuery), async (c) => c.json({ data: await search(deps, c.var.userId, c.req.valid('query')) }))
}
