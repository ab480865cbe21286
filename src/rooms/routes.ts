// /api/rooms — API.md §4. Handlers stay thin: validate, call the domain, shape the answer.
import { Hono, type MiddlewareHandler } from 'hono'
import type { AppDeps, AppEnv } from '../deps.js'
import { bodyOf, fastPath, paramsOf, queryOf, sessionNow, sessionOf } from '../http/fast.js'
import type { DataBodies } from '../http/json.js'
import { type FastPath, JSON_TYPE, JSON_TYPE_PLAIN } from '../http/pipeline.js'
import { signedInRoute } from '../http/route.js'
import type { SessionReader } from '../http/session.js'
import { validate } from '../http/validate.js'
import { SendMessage } from '../messages/messages.js'
import { addMember, joinRoom, leave, listMembers } from './members.js'
import { clearRoom, markRoomRead, roomHistory, roomHistoryNow, roomTyping, sendRoomMessage } from './room-messages.js'
import { createRoom, deleteRoom, getRoom, listRooms, patchRoom } from './rooms.js'
import * as S from './schemas.js'

export function roomRoutes(deps: AppDeps, requireUser: MiddlewareHandler<AppEnv>, readSession: SessionReader, bodies: DataBodies) {
  // requireUser on each route, not .use(): moderation routes share the /api/rooms prefix.
  const room = validate('param', S.RoomIdParam)
  return new Hono<AppEnv>()
    .post('/', requireUser, validate('json', S.CreateRoom), async (c) => c.json({ data: { room: await createRoom(deps, c.var.userId, c.req.valid('json')) } }, 201))
    .get('/', requireUser, validate('query', S.RoomListQuery), async (c) => c.json({ data: await listRooms(deps, c.var.userId, c.req.valid('query')) }))
    .get('/:id', requireUser, room, async (c) => c.json({ data: { room: await getRoom(deps, c.var.userId, c.req.valid('param').id) } }))
    .patch('/:id', requireUser, room, validate('json', S.PatchRoom), async (c) =>
      c.json({ data: { room: await patchRoom(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json')) } }),
    )
    .delete('/:id', requireUser, room, async (c) => {
      await deleteRoom(deps, c.var.userId, c.req.valid('param').id)
      return c.body(null, 204)
    })
    .post('/:id/join', requireUser, room, validate('json', S.JoinRoom), async (c) =>
      c.json({ data: { room: await joinRoom(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json')) } }),
    )
    .post('/:id/leave', requireUser, room, async (c) => {
      await leave(deps, c.var.userId, c.req.valid('param').id)
      return c.body(null, 204)
    })
    .get('/:id/members', requireUser, room, validate('query', S.MembersQuery), async (c) =>
      c.json({ data: await listMembers(deps, c.var.userId, c.req.valid('param').id, c.req.valid('query')) }),
    )
    .post('/:id/members', requireUser, room, validate('json', S.AddMember), async (c) => {
      await addMember(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json').user_id)
      return c.body(null, 204)
    })
    // A send: one handler rather than the chain; the send fast path (below) answers it first.
    .post(
      '/:id/messages',
      signedInRoute(readSession, { param: S.RoomIdParam, json: SendMessage }, async (c, v) => {
        const { status, body } = await sendAnswer(deps, v.session.userId, v.param.id, v.json)
        return c.body(body, status, { 'Content-Type': JSON_TYPE_PLAIN })
      }),
    )
    .get('/:id/messages', requireUser, room, validate('query', S.HistoryQuery), async (c) =>
      c.body(bodies.of(await roomHistory(deps, c.var.userId, c.req.valid('param').id, c.req.valid('query'))), 200, { 'Content-Type': JSON_TYPE }),
    )
    .post('/:id/read', requireUser, room, validate('json', S.MarkRead), async (c) => {
      await markRoomRead(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json').up_to)
      return c.body(null, 204)
    })
    .post('/:id/clear', requireUser, room, async (c) => {
      await clearRoom(deps, c.var.userId, c.req.valid('param').id)
      return c.body(null, 204)
    })
    .post('/:id/typing', requireUser, room, async (c) => {
      await roomTyping(deps, c.var.userId, c.req.valid('param').id)
      return c.body(null, 204)
    })
}

/** A send's answer, by the route and the fast path: 201 and the new message, or 200 and the first of a repeated client_id. */
async function sendAnswer(deps: AppDeps, userId: number, roomId: number, input: SendMessage): Promise<{ status: 200 | 201; body: string }> {
  const { created, json } = await sendRoomMessage(deps, userId, roomId, input)
  // What c.json({ data: { message } }) answers, without serializing the message again.
  return { status: created ? 201 : 200, body: `{"data":${json}}` }
}

// GET /api/rooms/:id/messages: a room's history (every client opening a room asks for its newest
// page, which is served from memory), and POST, a send (the busiest write), answered ahead of the
// router. The router's routes answer what these leave (a room id its schema refuses) and serve
// the app without fast paths; both check the session, the room id and the body in that order.
const MESSAGES_ROUTE = '/api/rooms/:id/messages'
const MESSAGES_PATH = /^\/api\/rooms\/(?<id>[^/]+)\/messages$/

/** Room requests node:http answers ahead of the router (see http/fast.ts). */
export function roomFastPaths(deps: AppDeps, readSession: SessionReader, bodies: DataBodies): FastPath[] {
  const history = fastPath({
    method: 'GET',
    route: MESSAGES_ROUTE,
    match: (ex) => {
      const param = paramsOf(ex, MESSAGES_PATH, S.RoomIdParam)
      const query = param && queryOf(ex, S.HistoryQuery)
      return query && { roomId: param.id, query }
    },
    // 1,000 URLs: the newest page of as many rooms, asked for by every client opening one.
    seen: 1000,
    answer: (ex, v) => {
      // A session known and a page in memory that the reader sees: answered at once.
      const session = sessionNow(ex, readSession)
      const page = session && roomHistoryNow(deps, session.userId, v.roomId, v.query)
      if (page) return { status: 200, body: bodies.of(page) }
      return (async () => {
        const { userId } = session ?? (await sessionOf(ex, readSession))
        return { status: 200, body: bodies.of(await roomHistory(deps, userId, v.roomId, v.query)) }
      })()
    },
  })
  const send = fastPath({
    method: 'POST',
    route: MESSAGES_ROUTE,
    match: (ex) => paramsOf(ex, MESSAGES_PATH, S.RoomIdParam),
    seen: 1000,
    answer: async (ex, param) => {
      // As signedInRoute: the session (a known one at once), then the body.
      const session = sessionNow(ex, readSession) ?? (await sessionOf(ex, readSession))
      return { ...(await sendAnswer(deps, session.userId, param.id, await bodyOf(ex, SendMessage))), type: JSON_TYPE_PLAIN }
    },
  })
  return [history, send]
}
