// Kick, ban, unban, silence, lift a silence (API.md §5). Each writes its state and its service
// message in one transaction; the service message reaches the members, the affected user (even
// once removed) and the actor (a site admin need not be a member).
import type { AppDeps } from '../deps.js'
import { ApiError, notFound } from '../errors.js'
import type { Trx } from '../db/schema.js'
import { iso } from '../time.js'
import { postServiceMessage, type Service } from '../messages/messages.js'
import { activeSilence } from '../rooms/access.js'
import { removeMember } from '../rooms/membership.js'
import { requireOutranks, requireRoom, requireStaff, standingIn, type Standing } from './ranks.js'
import type { ModerationAction, Silence } from './schemas.js'

export const notYourself = () =>
  new ApiError('invalid_request', 'Moderation acts on someone else, not on yourself.', [{ path: 'user_id', message: 'That is you.' }])

/** The checks every action on a member shares, in the order their errors are reported. */
async function actOnMember(trx: Trx, roomId: number, actorId: number, targetId: number): Promise<{ actor: Standing; target: Standing }> {
  await requireRoom(trx, roomId)
  const actor = await requireStaff(trx, roomId, actorId)
  if (targetId === actorId) throw notYourself()
  const target = await standingIn(trx, roomId, targetId)
  if (target.role === undefined) throw notFound('member of this room')
  requireOutranks(actor, target)
  return { actor, target }
}

/** ref_message_id must name a message of this room (deleted ones too: staff may delete first, then act). */
async function checkRef(trx: Trx, roomId: number, refId: number | undefined): Promise<void> {
  if (refId === undefined) return
  const row = await trx.selectFrom('messages').select('id').where('id', '=', refId).where('room_id', '=', roomId).executeTakeFirst()
  if (!row) {
    throw new ApiError('invalid_request', 'ref_message_id must name a message of this room.', [{ path: 'ref_message_id', message: 'Not a message of this room.' }])
  }
}

function service(type: Service['type'], actorId: number, input: { user_id: number; reason?: string | undefined; ref_message_id?: number | undefined }, until?: number): Service {
  return {
    type,
    user_id: input.user_id,
    actor_id: actorId,
    ...(input.reason !== undefined && { reason: input.reason }),
    ...(until !== undefined && { until: iso(until) }),
    ...(input.ref_message_id !== undefined && { ref_message_id: input.ref_message_id }),
  }
}

/** Removes the member; they may rejoin. */
export async function kick(deps: AppDeps, actorId: number, roomId: number, input: ModerationAction): Promise<void> {
  await deps.store.transaction(async (trx) => {
    await actOnMember(trx, roomId, actorId, input.user_id)
    await checkRef(trx, roomId, input.ref_message_id)
    await removeMember(deps, trx, roomId, input.user_id)
    await postServiceMessage(deps, trx, roomId, service('kicked', actorId, input), [input.user_id, actorId])
  })
}

/** Removes the member and blocks rejoining until unbanned. */
export async function ban(deps: AppDeps, actorId: number, roomId: number, input: ModerationAction): Promise<void> {
  await deps.store.transaction(async (trx) => {
    await actOnMember(trx, roomId, actorId, input.user_id)
    await checkRef(trx, roomId, input.ref_message_id)
    const row = { room_id: roomId, user_id: input.user_id, actor_id: actorId, reason: input.reason ?? null, created_at: deps.clock.now() }
    await trx
      .insertInto('room_bans')
      .values(row)
      .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ actor_id: row.actor_id, reason: row.reason, created_at: row.created_at }))
      .execute()
    await removeMember(deps, trx, roomId, input.user_id)
    await postServiceMessage(deps, trx, roomId, service('banned', actorId, input), [input.user_id, actorId])
  })
}

/** Lifts a ban; 404 when the user is not banned here. */
export async function unban(deps: AppDeps, actorId: number, roomId: number, targetId: number): Promise<void> {
  await deps.store.transaction(async (trx) => {
    await requireRoom(trx, roomId)
    await requireStaff(trx, roomId, actorId)
    if (targetId === actorId) throw notYourself()
    const gone = await trx.deleteFrom('room_bans').where('room_id', '=', roomId).where('user_id', '=', targetId).executeTakeFirst()
    if (Number(gone.numDeletedRows) === 0) throw notFound('ban of that user in this room')
    await postServiceMessage(deps, trx, roomId, { type: 'unbanned', user_id: targetId, actor_id: actorId }, [targetId, actorId])
  })
}

/** The member's sends get 403 silenced until `until`; a new silence replaces the old one. */
export async function silence(deps: AppDeps, actorId: number, roomId: number, input: Silence): Promise<void> {
  const now = deps.clock.now()
  if (input.until <= now) {
    throw new ApiError('invalid_request', 'until must lie in the future.', [{ path: 'until', message: 'In the past.' }])
  }
  await deps.store.transaction(async (trx) => {
    await actOnMember(trx, roomId, actorId, input.user_id)
    await checkRef(trx, roomId, input.ref_message_id)
    const row = { room_id: roomId, user_id: input.user_id, actor_id: actorId, until: input.until, reason: input.reason ?? null, created_at: now }
    await trx
      .insertInto('room_silences')
      .values(row)
      .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ actor_id: row.actor_id, until: row.until, reason: row.reason, created_at: now }))
      .execute()
    await postServiceMessage(deps, trx, roomId, service('silenced', actorId, input, input.until), [input.user_id, actorId])
  })
}

/** Lifts a running silence early; 404 when none runs. Works after the member left, too. */
export async function unsilence(deps: AppDeps, actorId: number, roomId: number, targetId: number): Promise<void> {
  await deps.store.transaction(async (trx) => {
    await requireRoom(trx, roomId)
    const actor = await requireStaff(trx, roomId, actorId)
    if (targetId === actorId) throw notYourself()
    const running = await activeSilence(trx, roomId, targetId, deps.clock.now())
    if (running === undefined) throw notFound('silence of that user in this room')
    requireOutranks(actor, await standingIn(trx, roomId, targetId))
    await trx.deleteFrom('room_silences').where('room_id', '=', roomId).where('user_id', '=', targetId).execute()
    await postServiceMessage(deps, trx, roomId, { type: 'unsilenced', user_id: targetId, actor_id: actorId }, [targetId, actorId])
  })
}
