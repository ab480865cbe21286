// What the API answers, as zod schemas: the entities (API.md §3–§10), the event union, and the
// body of each answer. /api/openapi.json is generated from these and from the request schemas
// the routes validate with; test/helpers/answers.ts checks every answer the test suite receives
// against them, so neither can drift from what the server sends.
import { z } from 'zod'
import { MAX_TEXT, SERVICE_TYPES } from '../messages/messages.js'

/** The components of the document: every schema here that has a name. */
export const components = z.registry<{ id: string; description?: string }>()
const named = <S extends z.ZodType>(id: string, schema: S, description?: string): S => {
  components.add(schema, description === undefined ? { id } : { id, description })
  return schema
}

const Id = z.number().int().positive()
const Time = z.iso.datetime({ offset: false }).describe('ISO-8601 UTC time with milliseconds')
const Data = <S extends z.ZodRawShape>(shape: S) => z.object({ data: z.object(shape) })

export const ErrorBody = named(
  'Error',
  z.object({
    error: z.object({
      code: z.string().describe('snake_case error code (listed per route and status)'),
      message: z.string().describe('a human sentence'),
      details: z.unknown().optional().describe('for 400: [{path, message}] naming the invalid fields; for 403 silenced: {until}'),
    }),
  }),
  'Every failed request: API.md §1.',
)

export const PublicUser = named(
  'PublicUser',
  z.object({
    id: Id,
    username: z.string().nullable().describe('null for guests and phone accounts'),
    name: z.string().describe('what to show: nickname, else username, else the guest name'),
    kind: z.enum(['user', 'guest', 'phone']),
    nickname: z.string().nullable(),
    location: z.string().nullable(),
    photo_url: z.string().nullable(),
    gender: z.union([z.literal(0), z.literal(1)]).nullable(),
    created_at: Time,
    online: z.boolean(),
    last_seen: Time.nullable(),
  }),
)
export const DeletedUser = named('DeletedUser', z.object({ id: Id, deleted: z.literal(true) }), 'A deleted account, wherever a user is shown.')
const SomeUser = z.union([PublicUser, DeletedUser])

export const PrivateUser = named(
  'PrivateUser',
  PublicUser.extend({
    email: z.string().nullable(),
    email_verified: z.boolean(),
    phone: z.string().nullable().describe('E.164'),
    balance: z.number().int().min(0),
    role: z.enum(['user', 'admin']).describe('admin: a site administrator'),
    birth_date: z.iso.date().nullable(),
    bio: z.string().nullable(),
    rooms: z.array(Id).describe('ids of the rooms joined'),
    created_rooms: z.array(Id),
  }),
  'The signed-in user, with private fields.',
)

export const Room = named(
  'Room',
  z.object({
    id: Id,
    name: z.string(),
    topic: z.string().nullable(),
    is_private: z.boolean().describe('has a password'),
    max_users: z.number().int().min(2).max(10_000),
    admin_id: Id.nullable().describe('null while the room is empty'),
    member_count: z.number().int().min(0),
    created_at: Time,
    last_activity_at: Time,
  }),
  'What every signed-in user may know of a room (the data of room.created and room.updated).',
)
const ListedRoom = Room.extend({ joined: z.boolean() })
export const RoomView = named(
  'RoomView',
  ListedRoom.extend({
    members: z.array(Id).optional().describe('members only'),
    moderators: z.array(Id).optional().describe('members only'),
    silenced: z.record(z.string(), Time).optional().describe('members only: {"<user_id>": until}'),
    banned: z.array(Id).optional().describe('moderators and the admin only'),
  }),
)

export const Attachment = named(
  'Attachment',
  z.object({
    id: Id,
    url: z.string().describe('/files/<random name>: an image by its type; any other file only as a download (application/octet-stream, Content-Disposition: attachment, CSP sandbox)'),
    content_type: z.string().describe('image/png, image/jpeg, image/gif or image/webp; application/octet-stream for every other file'),
    size: z.number().int().min(0),
    name: z.string().max(255).nullable().describe('the original file name, sanitized (no folder part, no control characters, at most 255 bytes); null for uploads made before names were kept'),
    is_image: z.boolean().describe('a complete PNG, JPEG, GIF or WebP by its bytes; only an image can be a photo'),
  }),
)
export const Service = named(
  'Service',
  z.object({
    type: z.enum(SERVICE_TYPES),
    user_id: Id.describe('the member the action is about (gift: the recipient)'),
    actor_id: Id.describe('who did it (gift: the giver)'),
    reason: z.string().optional(),
    until: Time.optional(),
    ref_message_id: Id.optional(),
  }),
)
export const Message = named(
  'Message',
  z.object({
    id: Id,
    room_id: Id.nullable(),
    recipient_id: Id.nullable().describe('set for a direct message'),
    author_id: Id,
    text: z.string().max(MAX_TEXT).nullable(),
    attachment: Attachment.nullable(),
    reply_to_id: Id.nullable(),
    kind: z.enum(['user', 'service']),
    service: Service.nullable(),
    created_at: Time,
    edited_at: Time.nullable(),
    reactions: z.array(named('Reaction', z.object({ emoji: z.string(), user_ids: z.array(Id) }))).max(20).describe('ordered by first use'),
    mentions: z.array(Id).describe('users named by @username in the room or dialog'),
  }),
  'A room or direct message: exactly one of room_id and recipient_id is set.',
)

export const Gift = named('Gift', z.object({ id: Id, name: z.string(), image_url: z.string(), price: z.number().int().min(0) }))
export const SentGift = named(
  'SentGift',
  z.object({
    id: Id,
    gift: Gift,
    from_id: Id,
    to_id: Id,
    room_id: Id.nullable(),
    text: z.string().nullable(),
    price: z.number().int().min(0).describe('the price paid'),
    created_at: Time,
  }),
)
export const Call = named(
  'Call',
  z.object({
    id: Id,
    caller_id: Id,
    callee_id: Id,
    state: z.enum(['ringing', 'active', 'ended']),
    created_at: Time,
    answered_at: Time.nullable(),
    ended_at: Time.nullable(),
    end_reason: z.string().nullable().describe('missed when unanswered for 60 s'),
  }),
)
export const Complaint = named(
  'Complaint',
  z.object({
    id: Id,
    message_id: Id,
    room_id: Id.nullable(),
    reporter_id: Id,
    text: z.string().nullable(),
    status: z.enum(['open', 'resolved', 'dismissed']),
    created_at: Time,
    resolved_by: Id.nullable(),
    resolved_at: Time.nullable(),
    message: Message.nullable().describe('the reported message as it was written'),
  }),
)
export const Upload = named('Upload', z.object({ id: Id, url: z.string(), content_type: z.string(), size: z.number().int().min(0) }))
export const Invite = named(
  'Invite',
  z.object({ id: Id, email: z.string().nullable(), phone: z.string().nullable(), created_at: Time, joined_at: Time.nullable().describe('when the invited address or phone proved a new account') }),
)
const Count = z.number().int().min(0)
const Member = z.object({ user: SomeUser, role: z.enum(['admin', 'moderator', 'member']) })
export const ChatItem = named(
  'ChatItem',
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('room'), room: ListedRoom, last_message: Message.nullable(), unread: Count, mention_count: Count }),
    z.object({ kind: z.literal('dialog'), user: SomeUser, last_message: Message.nullable(), unread: Count, mention_count: Count }),
  ]),
)
const Page = <S extends z.ZodType>(item: S) => ({ items: z.array(item), has_more: z.boolean() })

// The event union of GET /api/poll (API.md §10), one schema per type.
const RoomOrPair = { room_id: Id.optional(), user_ids: z.array(Id).length(2).optional().describe('the two parties of a dialog, ascending') }
const Candidates = z.array(z.union([z.string(), z.object({ candidate: z.string() }).catchall(z.unknown())]))
const EVENT_DATA = {
  'message.created': z.object({ message: Message }),
  'message.updated': z.object({ message: Message }),
  'message.deleted': z.object({ message_id: Id, ...RoomOrPair }),
  'message.read': z.object({
    reader_id: Id,
    ...RoomOrPair,
    up_to: Id.nullable(),
    message_id: Id.optional().describe('set when one direct message was marked read (POST /api/messages/:id/read)'),
  }),
  'chat.cleared': z.object({ ...RoomOrPair, up_to: Id.nullable() }),
  'dialog.deleted': z.object({ user_ids: z.array(Id).length(2) }),
  'room.created': z.object({ room: Room }),
  'room.updated': z.object({ room: Room }),
  'room.deleted': z.object({ room_id: Id }),
  'gift.received': z.object({ sent_gift: SentGift }),
  'balance.changed': z.object({ balance: z.number().int().min(0) }),
  'call.offer': z.object({ call: Call, sdp: z.string(), candidates: Candidates }),
  'call.answer': z.object({ call: Call, sdp: z.string(), candidates: Candidates }),
  'call.candidates': z.object({ call: Call, candidates: Candidates }),
  'call.ended': z.object({ call: Call, reason: z.string() }),
  'user.updated': z.object({ user: z.union([PrivateUser, PublicUser]).describe('private to the user\u2019s own sessions, public to contacts') }),
  typing: z.object({ user_id: Id, room_id: Id.optional(), recipient_id: Id.optional() }),
  presence: z.object({ user_id: Id, online: z.boolean(), last_seen: Time.nullable() }),
} as const

const eventOf = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  named(
    `Event.${type}`,
    z.object({
      id: z.string().describe('opaque, increasing'),
      type: z.literal(type),
      at: Time,
      data,
    }),
  )
export const EVENT_SCHEMAS = Object.fromEntries(Object.entries(EVENT_DATA).map(([type, data]) => [type, eventOf(type, data)])) as {
  [T in keyof typeof EVENT_DATA]: z.ZodObject<{ id: z.ZodString; type: z.ZodLiteral<T>; at: typeof Time; data: (typeof EVENT_DATA)[T] }>
}
export const Event = named('Event', z.discriminatedUnion('type', Object.values(EVENT_SCHEMAS) as unknown as [z.ZodObject, ...z.ZodObject[]]), 'One event of GET /api/poll, by type.')

/** The body of each kind of successful answer, named for the document. */
export const A = {
  user: named('UserAnswer', Data({ user: PrivateUser })),
  publicUser: named('PublicUserAnswer', Data({ user: SomeUser })),
  verified: named('VerifiedAnswer', Data({ user: PrivateUser, verified: z.literal(true) })),
  sent: named('CodeSentAnswer', Data({ sent: z.literal(true) })),
  requested: named('ResetRequestedAnswer', Data({ requested: z.literal(true) })),
  users: named('UserPage', Data(Page(SomeUser))),
  invitesSent: named('InvitesSentAnswer', Data({ sent: z.number().int().min(0) })),
  invites: named('InvitePage', Data(Page(Invite))),
  poll: named('PollAnswer', Data({ events: z.array(Event).max(500), cursor: z.string().describe('pass it as ?cursor= to the next poll') })),
  room: named('RoomAnswer', Data({ room: RoomView })),
  rooms: named('RoomList', Data({ rooms: z.array(ListedRoom).optional().describe('absent with count_only'), total: z.number().int().min(0) })),
  members: named('MemberPage', Data(Page(Member))),
  member: named('ModeratorAnswer', Data({ member: Member })),
  message: named('MessageAnswer', Data({ message: Message })),
  messages: named('MessagePage', Data(Page(Message))),
  directMessages: named('DirectMessages', z.union([Data(Page(Message)), Data({ count: z.number().int().min(0) })]), 'A page of messages, or their count with count_only.'),
  chats: named('ChatPage', Data(Page(ChatItem))),
  dialogs: named('DialogPage', Data(Page(z.object({ user: SomeUser, last_message: Message.nullable(), unread: Count, mention_count: Count })))),
  search: named(
    'SearchAnswer',
    Data({
      messages: z.array(Message.extend({ highlight: z.string().describe('the text HTML-escaped, matched words in <mark>…</mark>') })),
      has_more: z.boolean(),
    }),
  ),
  complaint: named('ComplaintAnswer', Data({ complaint: Complaint })),
  complaints: named('ComplaintPage', Data(Page(Complaint))),
  gifts: named('GiftList', Data({ gifts: z.array(Gift) })),
  gift: named('GiftAnswer', Data({ gift: Gift })),
  giftSent: named('GiftSentAnswer', Data({ sent_gift: SentGift, balance: z.number().int().min(0) })),
  sentGifts: named('SentGiftPage', Data(Page(SentGift))),
  balance: named('BalanceAnswer', Data({ balance: z.number().int().min(0) })),
  freeCoins: named('FreeCoinsAnswer', Data({ balance: z.number().int().min(0), next_at: Time })),
  upload: named('UploadAnswer', Data({ upload: Upload })),
  call: named('CallAnswer', Data({ call: Call })),
  openapi: named('OpenApiDocument', z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) })),
} as const
