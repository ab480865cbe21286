// Appointing and removing moderators: the room admin only (API.md §5).
import type { AppDeps } from '../deps.js'
import { ApiError, notFound } from '../errors.js'
import { publicUsers, type DeletedUser, type PublicUser } from '../accounts/users.js'
import { postServiceMessage } from '../messages/messages.js'
import { notYourself } from './actions.js'
import { requireOutranks, requireRoom, requireRoomAdmin, standingIn } from './ranks.js'

export type ModeratorItem = { user: PublicUser | DeletedUser; role: 'moderator' }

/** Makes a member a moderator; 409 if they already are one. Answers them as a members-list item. */
export async function addModerator(deps: AppDeps, actorId: number, roomId: number, targetId: number): Promise<ModeratorItem> {
  return deps.store.transaction(async (trx) => {
    const room = await requireRoom(trx, roomId)
    const actor = await requireRoomAdmin(trx, room, actorId)
    if (targetId === actorId) throw notYourself()
    const target = await standingIn(trx, roomId, targetId)
    if (target.role === undefined) throw notFound('member of this room')
    requireOutranks(actor, target)
    if (target.role === 'moderator') throw new ApiError('conflict', 'That member is already a moderator.')
    await trx
      .updateTable('room_members')
      .set({ role: 'moderator', moderator_since: deps.clock.now() })
      .where('room_id', '=', roomId)
      .where('user_id', '=', targetId)
      .execute()
    await postServiceMessage(deps, trx, roomId, { type: 'moderator_added', user_id: targetId, actor_id: actorId }, [targetId])
    const user = (await publicUsers(deps, trx, [targetId])).get(targetId) ?? { id: targetId, deleted: true as const }
    return { user, role: 'moderator' as const }
  })
}

/** Makes a moderator a plain member again; 404 when the user is not a moderator of this room. */
export async function removeModerator(deps: AppDeps, actorId: number, roomId: number, targetId: number): Promise<void> {
  await deps.store.transaction(async (trx) => {
    const room = await requireRoom(trx, roomId)
    await requireRoomAdmin(trx, room, actorId)
    if (targetId === actorId) throw notYourself()
    const target = await standingIn(trx, roomId, targetId)
    if (target.role !== 'moderator') throw notFound('moderator of this room')
    await trx
      .updateTable('room_members')
      .set({ role: 'member', moderator_since: null })
      .where('room_id', '=', roomId)
      .where('user_id', '=', targetId)
      .execute()
    await postServiceMessage(deps, trx, roomId, { type: 'moderator_removed', user_id: targetId, actor_id: actorId }, [targetId])
  })
}
