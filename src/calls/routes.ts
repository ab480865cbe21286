// /api/calls: WebRTC signalling relayed over the event stream. API.md §9.
import { Hono, type MiddlewareHandler } from 'hono'
import type { AppDeps, AppEnv } from '../deps.js'
import { validate } from '../http/validate.js'
import { addCandidates, answerCall, endCall, startCall } from './calls.js'
import * as S from './schemas.js'

export function callRoutes(deps: AppDeps, requireUser: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>()
    .use(requireUser)
    .post('/', validate('json', S.StartCall), async (c) => c.json({ data: { call: await startCall(deps, c.var.userId, c.req.valid('json')) } }, 201))
    .post('/:id/answer', validate('param', S.CallIdParam), validate('json', S.AnswerCall), async (c) =>
      c.json({ data: { call: await answerCall(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json')) } }),
    )
    .post('/:id/candidates', validate('param', S.CallIdParam), validate('json', S.AddCandidates), async (c) => {
      await addCandidates(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json'))
      return c.body(null, 204)
    })
    .post('/:id/end', validate('param', S.CallIdParam), validate('json', S.EndCall), async (c) =>
      c.json({ data: { call: await endCall(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json')) } }),
    )
}
