// Schemas of API.md §6 (direct messages and dialogs).
import { z } from 'zod'
import { IdParam, Limit, Offset, QueryBool } from '../http/validate.js'

export const PeerParam = z.object({ user_id: IdParam })
export type PeerParam = z.infer<typeof PeerParam>

export const MessageParam = z.object({ id: IdParam })
export type MessageParam = z.infer<typeof MessageParam>

export const DialogList = z.object({ limit: Limit, offset: Offset })
export type DialogList = z.infer<typeof DialogList>

/** History paging, as room history: before or after a message id (not both), newest page by default. */
export const HistoryQuery = z
  .object({ before: IdParam.optional(), after: IdParam.optional(), limit: Limit })
  .refine((q) => q.before === undefined || q.after === undefined, { message: 'Give before or after, not both.', path: ['before'] })
export type HistoryQuery = z.infer<typeof HistoryQuery>

export const ReadDialog = z.object({ up_to: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional() }).strict()
export type ReadDialog = z.infer<typeof ReadDialog>

export const ClearDialog = z.object({ for_everyone: z.boolean().optional() }).strict()
export type ClearDialog = z.infer<typeof ClearDialog>

export const DeleteDialogQuery = z.object({ for_everyone: QueryBool.optional() })
export type DeleteDialogQuery = z.infer<typeof DeleteDialogQuery>
/** The flag travels in the query; a body carrying it is refused (400), never silently ignored. */
export const DeleteDialogBody = z.object({}).strict()

export const DirectMessagesQuery = z.object({
  from: IdParam.optional(),
  to: IdParam.optional(),
  unread_only: QueryBool.optional(),
  count_only: QueryBool.optional(),
  limit: Limit,
  offset: Offset,
})
export type DirectMessagesQuery = z.infer<typeof DirectMessagesQuery>
