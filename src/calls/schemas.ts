import { z } from 'zod'
import { IdParam } from '../http/validate.js'

// 48 Ki characters: a real offer is 2–10 KB; this leaves room under the 64 KiB JSON body cap
// for the rest of the body (API.md §2), which answers 413 beyond it anyway.
export const MAX_SDP = 48 * 1024
// 32 per message, 512 characters each: a host has a handful of candidates, each line under 256.
export const MAX_CANDIDATES = 32
export const MAX_CANDIDATE = 512

const CandidateLine = z.string().max(MAX_CANDIDATE)
/** An ICE candidate as RTCIceCandidateInit (what browsers hand out), or its bare candidate line. */
const Candidate = z.union([
  CandidateLine,
  z
    .object({
      candidate: CandidateLine,
      sdpMid: z.string().max(64).nullable().optional(),
      sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
      usernameFragment: z.string().max(256).nullable().optional(),
    })
    .strict(),
])
const Candidates = z.array(Candidate).max(MAX_CANDIDATES, `At most ${MAX_CANDIDATES} candidates at a time.`)
const Sdp = z.string().min(1).max(MAX_SDP, `sdp: at most ${MAX_SDP} characters.`)

export const StartCall = z
  .object({ user_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER), sdp: Sdp, candidates: Candidates.optional() })
  .strict()
export type StartCall = z.infer<typeof StartCall>

export const AnswerCall = z.object({ sdp: Sdp, candidates: Candidates.optional() }).strict()
export type AnswerCall = z.infer<typeof AnswerCall>

export const AddCandidates = z.object({ candidates: Candidates.min(1) }).strict()
export type AddCandidates = z.infer<typeof AddCandidates>

export const EndCall = z
  .object({ reason: z.string().trim().min(1).max(200).regex(/^[^\p{C}]+$/u, 'reason: no control characters.').optional() })
  .strict()
export type EndCall = z.infer<typeof EndCall>

export const CallIdParam = z.object({ id: IdParam })
