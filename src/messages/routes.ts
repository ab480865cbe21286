// /api/messages/:id beyond the seeds (API.md §16): edits and reactions. Mounted beside the
// dialogs area's POST /:id/read and moderation's DELETE /:id, so requireUser sits on each route.
import { Hono, type MiddlewareHandler } from 'hono'
import { z } from 'zod'
import type { AppDeps, AppEnv } from '../deps.js'
import { IdParam, validate } from '../http/validate.js'
import { editMessage } from './edits.js'
import { EditMessage } from './messages.js'
import { addReaction, removeReaction } from './reactions.js'

const MessageParam = z.object({ id: IdParam })
// The emoji is checked by the domain (400 invalid_emoji), not here (400 invalid_request).
const ReactionParam = z.object({ id: IdParam, emoji: z.string().describe('One URL-encoded emoji') })

export function messageRoutes(deps: AppDeps, requireUser: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>()
    .patch('/:id', requireUser, validate('param', MessageParam), validate('json', EditMessage), async (c) =>
      c.json({ data: { message: await editMessage(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json').text) } }),
    )
    .put('/:id/reactions/:emoji', requireUser, validate('param', ReactionParam), async (c) => {
      const p = c.req.valid('param')
      await addReaction(deps, c.var.userId, p.id, p.emoji)
      return c.body(null, 204)
    })
    .delete('/:id/reactions/:emoji', requireUser, validate('param', ReactionParam), async (c) => {
      const p = c.req.valid('param')
      await removeReaction(deps, c.var.userId, p.id, p.emoji)
      return c.body(null, 204)
    })
}
