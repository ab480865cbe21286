// Routes of API.md §6: /api/dialogs, /api/direct-messages and POST /api/messages/:id/read.
import { Hono, type MiddlewareHandler } from 'hono'
import type { AppDeps, AppEnv } from '../deps.js'
import { validate } from '../http/validate.js'
import { SendMessage } from '../messages/messages.js'
import { dialogHistory, sendDirect } from './dialogs.js'
import { listDirectMessages } from './direct-messages.js'
import { dialogSummaries } from './list.js'
import * as S from './schemas.js'
import { clearDialog, deleteDialog, dialogTyping, readDialog, readOneMessage } from './state.js'

type Auth = MiddlewareHandler<AppEnv>

export function dialogRoutes(deps: AppDeps, requireUser: Auth) {
  return new Hono<AppEnv>()
    .use(requireUser)
    .get('/', validate('query', S.DialogList), async (c) => {
      const { items, has_more } = await dialogSummaries(deps, c.var.userId, c.req.valid('query'))
      return c.json({ data: { items: items.map(({ activity_at: _, ...item }) => item), has_more } })
    })
    .post('/:user_id/messages', validate('param', S.PeerParam), validate('json', SendMessage), async (c) => {
      const { message, created } = await sendDirect(deps, c.var.userId, c.req.valid('param').user_id, c.req.valid('json'))
      return c.json({ data: { message } }, created ? 201 : 200)
    })
    .get('/:user_id/messages', validate('param', S.PeerParam), validate('query', S.HistoryQuery), async (c) =>
      c.json({ data: await dialogHistory(deps, c.var.userId, c.req.valid('param').user_id, c.req.valid('query')) }),
    )
    .post('/:user_id/read', validate('param', S.PeerParam), validate('json', S.ReadDialog), async (c) => {
      await readDialog(deps, c.var.userId, c.req.valid('param').user_id, c.req.valid('json').up_to)
      return c.body(null, 204)
    })
    .post('/:user_id/typing', validate('param', S.PeerParam), async (c) => {
      await dialogTyping(deps, c.var.userId, c.req.valid('param').user_id)
      return c.body(null, 204)
    })
    .post('/:user_id/clear', validate('param', S.PeerParam), validate('json', S.ClearDialog), async (c) => {
      await clearDialog(deps, c.var.userId, c.req.valid('param').user_id, c.req.valid('json').for_everyone === true)
      return c.body(null, 204)
    })
    .delete('/:user_id', validate('param', S.PeerParam), validate('query', S.DeleteDialogQuery), validate('json', S.DeleteDialogBody), async (c) => {
      await deleteDialog(deps, c.var.userId, c.req.valid('param').user_id, c.req.valid('query').for_everyone === true)
      return c.body(null, 204)
    })
}

export function directMessageRoutes(deps: AppDeps, requireUser: Auth) {
  return new Hono<AppEnv>()
    .use(requireUser)
    .get('/', validate('query', S.DirectMessagesQuery), async (c) => c.json({ data: await listDirectMessages(deps, c.var.userId, c.req.valid('query')) }))
}

/** POST /api/messages/:id/read: mounted at /api/messages beside the moderation routes there. */
export function messageReadRoutes(deps: AppDeps, requireUser: Auth) {
  return new Hono<AppEnv>().post('/:id/read', requireUser, validate('param', S.MessageParam), async (c) => {
    await readOneMessage(deps, c.var.userId, c.req.valid('param').id)
    return c.body(null, 204)
  })
}
