// /api/chats — API.md §6.
import { Hono, type MiddlewareHandler } from 'hono'
import type { AppDeps, AppEnv } from '../deps.js'
import { validate } from '../http/validate.js'
import { listChats } from './chats.js'
import { ChatsQuery } from './schemas.js'

export function chatRoutes(deps: AppDeps, requireUser: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>().get('/', requireUser, validate('query', ChatsQuery), async (c) =>
    c.json({ data: await listChats(deps, c.var.userId, c.req.valid('query')) }),
  )
}
