// Routes of API.md §5. moderationRoutes shares the /api/rooms prefix with the rooms area and
// messageModerationRoutes shares /api/messages with dialogs, so requireUser sits on each route.
import { Hono, type MiddlewareHandler } from 'hono'
import type { AppDeps, AppEnv } from '../deps.js'
import { validate } from '../http/validate.js'
import { ban, kick, silence, unban, unsilence } from './actions.js'
import { fileComplaint, listComplaints, setComplaintStatus } from './complaints.js'
import { deleteMessage } from './delete-message.js'
import { addModerator, removeModerator } from './moderators.js'
import * as S from './schemas.js'

type Auth = MiddlewareHandler<AppEnv>

export function moderationRoutes(deps: AppDeps, requireUser: Auth) {
  const room = validate('param', S.RoomParam)
  const roomUser = validate('param', S.RoomUserParam)
  return new Hono<AppEnv>()
    .post('/:id/kick', requireUser, room, validate('json', S.ModerationAction), async (c) => {
      await kick(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json'))
      return c.body(null, 204)
    })
    .post('/:id/ban', requireUser, room, validate('json', S.ModerationAction), async (c) => {
      await ban(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json'))
      return c.body(null, 204)
    })
    .delete('/:id/bans/:user_id', requireUser, roomUser, async (c) => {
      const p = c.req.valid('param')
      await unban(deps, c.var.userId, p.id, p.user_id)
      return c.body(null, 204)
    })
    .post('/:id/silence', requireUser, room, validate('json', S.Silence), async (c) => {
      await silence(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json'))
      return c.body(null, 204)
    })
    .delete('/:id/silence/:user_id', requireUser, roomUser, async (c) => {
      const p = c.req.valid('param')
      await unsilence(deps, c.var.userId, p.id, p.user_id)
      return c.body(null, 204)
    })
    .post('/:id/moderators', requireUser, room, validate('json', S.AddModerator), async (c) => {
      const member = await addModerator(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json').user_id)
      return c.json({ data: { member } }, 201)
    })
    .delete('/:id/moderators/:user_id', requireUser, roomUser, async (c) => {
      const p = c.req.valid('param')
      await removeModerator(deps, c.var.userId, p.id, p.user_id)
      return c.body(null, 204)
    })
}

/** DELETE /api/messages/:id, beside POST /api/messages/:id/read of the dialogs area. */
export function messageModerationRoutes(deps: AppDeps, requireUser: Auth) {
  return new Hono<AppEnv>().delete('/:id', requireUser, validate('param', S.MessageParam), async (c) => {
    await deleteMessage(deps, c.var.userId, c.req.valid('param').id)
    return c.body(null, 204)
  })
}

export function complaintRoutes(deps: AppDeps, requireUser: Auth) {
  return new Hono<AppEnv>()
    .use(requireUser)
    .post('/', validate('json', S.NewComplaint), async (c) => c.json({ data: { complaint: await fileComplaint(deps, c.var.userId, c.req.valid('json')) } }, 201))
    .get('/', validate('query', S.ComplaintList), async (c) => c.json({ data: await listComplaints(deps, c.var.userId, c.req.valid('query')) }))
    .patch('/:id', validate('param', S.ComplaintParam), validate('json', S.PatchComplaint), async (c) =>
      c.json({ data: { complaint: await setComplaintStatus(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json')) } }),
    )
}
