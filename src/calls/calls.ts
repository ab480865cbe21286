// Call signalling: the server keeps a call record and relays offer, answer, candidates and end
// between its two parties only; media flows peer to peer. API.md §9.
import type { AppDeps } from '../deps.js'
import { ApiError, forbidden, notFound } from '../errors.js'
import type { CallRow, Trx } from '../db/schema.js'
import { requireLiveUser } from '../accounts/users.js'
import { iso, isoOrNull } from '../time.js'
import type { AddCandidates, AnswerCall, EndCall, StartCall } from './schemas.js'

// 60 s: API.md §9, an unanswered call ends as missed.
export const RING_MS = 60_000
// 20 calls a minute per caller: redialling is fine, flooding someone with offers is not.
const CALLS_PER_MINUTE = 20

export interface Call {
  id: number
  caller_id: number
  callee_id: number
  state: CallRow['state']
  created_at: string
  answered_at: string | null
  ended_at: string | null
  end_reason: string | null
}

export const toCall = (row: CallRow): Call => ({
  id: row.id,
  caller_id: row.caller_id,
  callee_id: row.callee_id,
  state: row.state,
  created_at: iso(row.created_at),
  answered_at: isoOrNull(row.answered_at),
  ended_at: isoOrNull(row.ended_at),
  end_reason: row.end_reason,
})

const otherParty = (row: CallRow, userId: number) => (row.caller_id === userId ? row.callee_id : row.caller_id)
const callEnded = () => new ApiError('conflict', 'This call has ended.')

export async function startCall(deps: AppDeps, callerId: number, input: StartCall): Promise<Call> {
  if (input.user_id === callerId) throw new ApiError('invalid_request', 'You cannot call yourself.', [{ path: 'user_id', message: 'That is you.' }])
  await deps.limiter.hit(`call:${callerId}`, CALLS_PER_MINUTE, 60_000)
  return deps.store.transaction(async (trx) => {
    await requireLiveUser(trx, input.user_id)
    const row = await trx
      .insertInto('calls')
      .values({ caller_id: callerId, callee_id: input.user_id, state: 'ringing', created_at: deps.clock.now(), answered_at: null, ended_at: null, end_reason: null })
      .returningAll()
      .executeTakeFirstOrThrow()
    const call = toCall(row)
    await deps.events.publish(trx, 'call.offer', { call, sdp: input.sdp, candidates: input.candidates ?? [] }, [input.user_id])
    return call
  })
}

/** The call, if userId is one of its parties; 404 for anyone else (they may not know it exists). */
async function callOf(trx: Trx, callId: number, userId: number): Promise<CallRow> {
  const row = await trx
    .selectFrom('calls')
    .selectAll()
    .where('id', '=', callId)
    .where((eb) => eb.or([eb('caller_id', '=', userId), eb('callee_id', '=', userId)]))
    .executeTakeFirst()
  if (!row) throw notFound('call')
  return row
}

/** Ends a call and tells `audience`; the state guard makes a second end of the same call a no-op. */
async function finish(deps: AppDeps, trx: Trx, row: CallRow, reason: string, audience: number[]): Promise<Call | null> {
  const ended = await trx
    .updateTable('calls')
    .set({ state: 'ended', ended_at: deps.clock.now(), end_reason: reason })
    .where('id', '=', row.id)
    .where('state', '!=', 'ended')
    .returningAll()
    .executeTakeFirst()
  if (!ended) return null
  const call = toCall(ended)
  await deps.events.publish(trx, 'call.ended', { call, reason }, audience)
  return call
}

const rangOut = (deps: AppDeps, row: CallRow) => row.state === 'ringing' && deps.clock.now() - row.created_at >= RING_MS

export async function answerCall(deps: AppDeps, userId: number, callId: number, input: AnswerCall): Promise<Call> {
  const outcome = await deps.store.transaction(async (trx): Promise<{ call: Call } | { conflict: string }> => {
    const row = await callOf(trx, callId, userId)
    if (row.callee_id !== userId) throw forbidden('Only the person called can answer.')
    if (row.state !== 'ringing') return { conflict: `This call is ${row.state === 'active' ? 'already answered' : 'over'}.` }
    // Past its ringing time but not yet swept: it is missed now, and both sides hear so.
    if (rangOut(deps, row)) {
      await finish(deps, trx, row, 'missed', [row.caller_id, row.callee_id])
      return { conflict: 'This call was missed.' }
    }
    const answered = await trx
      .updateTable('calls')
      .set({ state: 'active', answered_at: deps.clock.now() })
      .where('id', '=', row.id)
      .where('state', '=', 'ringing')
      .returningAll()
      .executeTakeFirst()
    if (!answered) return { conflict: 'This call is no longer ringing.' }
    const call = toCall(answered)
    await deps.events.publish(trx, 'call.answer', { call, sdp: input.sdp, candidates: input.candidates ?? [] }, [row.caller_id])
    return { call }
  })
  // Thrown after the commit, so a call found missed stays ended.
  if ('conflict' in outcome) throw new ApiError('conflict', outcome.conflict)
  return outcome.call
}

export async function addCandidates(deps: AppDeps, userId: number, callId: number, input: AddCandidates): Promise<void> {
  await deps.store.transaction(async (trx) => {
    const row = await callOf(trx, callId, userId)
    if (row.state === 'ended') throw callEnded()
    await deps.events.publish(trx, 'call.candidates', { call: toCall(row), candidates: input.candidates }, [otherParty(row, userId)])
  })
}

/** Default reasons: the caller giving up is `cancelled`, the callee refusing `declined`, a hang-up in a call `hangup`. */
export async function endCall(deps: AppDeps, userId: number, callId: number, input: EndCall): Promise<Call> {
  return deps.store.transaction(async (trx) => {
    const row = await callOf(trx, callId, userId)
    if (row.state === 'ended') throw callEnded()
    const fallback = row.state === 'active' ? 'hangup' : row.caller_id === userId ? 'cancelled' : 'declined'
    const call = await finish(deps, trx, row, input.reason ?? fallback, [otherParty(row, userId)])
    if (!call) throw callEnded()
    return call
  })
}

/**
 * The periodic sweep: calls ringing for RING_MS end as `missed`, both sides told. A cheap indexed
 * read when there is nothing to do (the usual case); a transaction only when there is.
 */
export async function endMissedCalls(deps: AppDeps): Promise<number> {
  const cutoff = deps.clock.now() - RING_MS
  const due = await deps.db.selectFrom('calls').select('id').where('state', '=', 'ringing').where('created_at', '<=', cutoff).limit(1).executeTakeFirst()
  if (!due) return 0
  return deps.store.transaction(async (trx) => {
    const rows = await trx.selectFrom('calls').selectAll().where('state', '=', 'ringing').where('created_at', '<=', cutoff).execute()
    let n = 0
    for (const row of rows) if (await finish(deps, trx, row, 'missed', [row.caller_id, row.callee_id])) n++
    return n
  })
}
