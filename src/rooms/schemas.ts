// Request shapes of API.md §4 (rooms, members, room messages).
import { z } from 'zod'
import { IdParam, Limit, Paging, QueryBool } from '../http/validate.js'
import { nameChars } from '../http/text.js'

// 100 characters: long enough for any real room name, short enough for a list row.
const Name = z.string().max(1000).trim().pipe(nameChars(z.string().min(1, 'The name must not be blank.').max(100, 'Name: at most 100 characters.')))
// 500 characters: a topic is one line under the name, not a document.
const Topic = z.string().max(5000).trim().pipe(nameChars(z.string().max(500, 'Topic: at most 500 characters.')))
// A room password is a shared phrase, not an account secret: 1–256 characters, taken as typed.
const RoomPassword = z.string().min(1, 'The password must not be empty.').max(256)
// 2–10000, default 255: API.md §4.
export const MAX_USERS_MIN = 2
export const MAX_USERS_MAX = 10_000
export const MAX_USERS_DEFAULT = 255
const MaxUsers = z.number().int().min(MAX_USERS_MIN).max(MAX_USERS_MAX)

export const RoomIdParam = z.object({ id: IdParam })
export type RoomIdParam = z.infer<typeof RoomIdParam>

export const CreateRoom = z
  .object({
    name: Name,
    password: RoomPassword.optional(),
    max_users: MaxUsers.default(MAX_USERS_DEFAULT),
    topic: Topic.optional(),
  })
  .strict()
export type CreateRoom = z.infer<typeof CreateRoom>

export const PatchRoom = z
  .object({
    name: Name.optional(),
    topic: Topic.nullable().optional(),
    // null clears the password: the room becomes public.
    password: RoomPassword.nullable().optional(),
    max_users: MaxUsers.optional(),
  })
  .strict()
export type PatchRoom = z.infer<typeof PatchRoom>

export const ROOM_SORTS = ['created_at', '-created_at', 'name', '-name', 'members', '-members', 'activity', '-activity'] as const
export type RoomSort = (typeof ROOM_SORTS)[number]

export const RoomListQuery = z.object({
  q: z.string().max(100).optional(),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  // 40 per page by default, 100 at most: API.md §4.
  per_page: z.coerce.number().int().min(1).max(100).default(40),
  sort: z.enum(ROOM_SORTS).default('-activity'),
  private: QueryBool.optional(),
  full: QueryBool.optional(),
  count_only: QueryBool.optional(),
})
export type RoomListQuery = z.infer<typeof RoomListQuery>

export const JoinRoom = z.object({ password: RoomPassword.optional() }).strict()
export type JoinRoom = z.infer<typeof JoinRoom>

export const AddMember = z.object({ user_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict()
export type AddMember = z.infer<typeof AddMember>

export const MembersQuery = Paging
export type MembersQuery = z.infer<typeof MembersQuery>

export const HistoryQuery = z
  .object({ before: IdParam.optional(), after: IdParam.optional(), limit: Limit })
  .refine((q) => q.before === undefined || q.after === undefined, { message: 'Give before or after, not both.', path: ['after'] })
export type HistoryQuery = z.infer<typeof HistoryQuery>

export const MarkRead = z.object({ up_to: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional() }).strict()
export type MarkRead = z.infer<typeof MarkRead>
