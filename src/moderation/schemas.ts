// Request shapes of API.md §5 (moderation and complaints).
import { z } from 'zod'
import { IdParam, Limit, Offset } from '../http/validate.js'
import { textChars } from '../http/text.js'

// 500 characters: a reason is a sentence shown in the room's history, not an essay.
const Reason = z.string().max(5000).trim().pipe(textChars(z.string().min(1, 'The reason must not be blank.').max(500, 'Reason: at most 500 characters.')))
const UserId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)
// 8.64e15 ms: the largest time a JavaScript Date holds (year 275760).
const MAX_TIME_MS = 8.64e15

export const RoomParam = z.object({ id: IdParam })
export const RoomUserParam = z.object({ id: IdParam, user_id: IdParam })
export const MessageParam = z.object({ id: IdParam })
export const ComplaintParam = z.object({ id: IdParam })

export const ModerationAction = z.object({ user_id: UserId, reason: Reason.optional(), ref_message_id: UserId.optional() }).strict()
export type ModerationAction = z.infer<typeof ModerationAction>

/** `until`: an ISO-8601 time or epoch ms; whether it lies in the future is checked against the server clock. */
export const Silence = z
  .object({
    user_id: UserId,
    until: z.union([z.iso.datetime({ offset: true }), z.number().int().positive()]).transform((v, ctx) => {
      const ms = typeof v === 'number' ? v : Date.parse(v)
      if (!Number.isFinite(ms) || ms > MAX_TIME_MS) {
        ctx.addIssue({ code: 'custom', message: 'until: not a time this server can represent.' })
        return z.NEVER
      }
      return ms
    }),
    reason: Reason.optional(),
    ref_message_id: UserId.optional(),
  })
  .strict()
export type Silence = z.infer<typeof Silence>

export const AddModerator = z.object({ user_id: UserId }).strict()
export type AddModerator = z.infer<typeof AddModerator>

// 2000 characters: room for a short explanation with a quote.
export const NewComplaint = z
  .object({
    message_id: UserId,
    text: z.string().max(20_000).trim().pipe(textChars(z.string().max(2000, 'Text: at most 2000 characters.'))).optional(),
  })
  .strict()
export type NewComplaint = z.infer<typeof NewComplaint>

export const COMPLAINT_STATUSES = ['open', 'resolved', 'dismissed'] as const
export const ComplaintList = z.object({ status: z.enum(COMPLAINT_STATUSES).optional(), limit: Limit, offset: Offset })
export type ComplaintList = z.infer<typeof ComplaintList>

export const PatchComplaint = z.object({ status: z.enum(['resolved', 'dismissed']) }).strict()
export type PatchComplaint = z.infer<typeof PatchComplaint>
