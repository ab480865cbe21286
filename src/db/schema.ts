// The one Database interface. Times are epoch milliseconds (integers); booleans are 0/1.
import type { ColumnType, Generated, Insertable, Selectable, Transaction, Kysely, Updateable } from 'kysely'

type Id = Generated<number>

export interface UserTable {
  id: Id
  kind: 'user' | 'guest' | 'phone'
  username: string | null
  guest_name: string | null
  email: string | null
  email_verified: ColumnType<number, number | undefined, number>
  phone: string | null
  password_hash: string | null
  role: ColumnType<'user' | 'admin', 'user' | 'admin' | undefined, 'user' | 'admin'>
  nickname: string | null
  location: string | null
  birth_date: string | null
  gender: number | null
  photo_upload_id: number | null
  /** URL path of the photo's file (random name), kept beside its upload id. */
  photo_path: string | null
  bio: string | null
  balance: ColumnType<number, number | undefined, number>
  created_at: number
  last_seen_at: number | null
  deleted_at: number | null
}

export interface SessionTable {
  id: string
  user_id: number
  created_at: number
  expires_at: number
  revoked_at: number | null
}

export interface TokenTable {
  token_hash: string
  user_id: number
  purpose: 'verify_email' | 'reset_password'
  created_at: number
  expires_at: number
  used_at: number | null
}

export interface PhoneCodeTable {
  phone: string
  code_hash: string
  created_at: number
  expires_at: number
  tries_left: number
}

export interface InviteTable {
  id: Id
  inviter_id: number
  email: string | null
  phone: string | null
  created_at: number
  rewarded_at: number | null
}

export interface KvTable {
  key: string
  value: string
}

export interface EventTable {
  id: Id
  type: string
  data: string
  /** ",id,id,…," of the recipients (sorted), or null for every signed-in user. */
  audience: string | null
  created_at: number
}

export interface RoomTable {
  id: Id
  name: string
  /** name.toLowerCase(): search and sort by name are case-insensitive beyond ASCII. */
  name_folded: string
  topic: string | null
  password_hash: string | null
  max_users: number
  admin_id: number | null
  member_count: ColumnType<number, number | undefined, number>
  /** Bumped by every join and leave: a process's copy of the members read at another value is stale (0016). */
  members_version: ColumnType<number, number | undefined, number>
  created_at: number
  last_activity_at: number
}

export interface RoomMemberTable {
  room_id: number
  user_id: number
  role: 'admin' | 'moderator' | 'member'
  joined_at: number
  moderator_since: number | null
  last_read_id: ColumnType<number, number | undefined, number>
  cleared_up_to: ColumnType<number, number | undefined, number>
}

export interface RoomBanTable {
  room_id: number
  user_id: number
  actor_id: number
  reason: string | null
  created_at: number
}

export interface RoomSilenceTable {
  room_id: number
  user_id: number
  actor_id: number
  until: number
  reason: string | null
  created_at: number
}

export interface MessageTable {
  id: Id
  room_id: number | null
  recipient_id: number | null
  /** For direct messages: the smaller and larger user id of the pair. */
  peer_lo: number | null
  peer_hi: number | null
  author_id: number
  text: string | null
  attachment_id: number | null
  reply_to_id: number | null
  kind: 'user' | 'service'
  /** JSON of the service object, for kind = 'service'. */
  service: string | null
  client_id: string | null
  created_at: number
  read_at: number | null
  deleted_at: number | null
  edited_at: ColumnType<number | null, number | null | undefined, number | null>
  /** JSON of the message's reactions ([{emoji, user_ids}]), kept from message_reactions; null when none. */
  reactions: ColumnType<string | null, string | null | undefined, string | null>
  /** ",3,17," of the mentioned users; null when none. */
  mentions: ColumnType<string | null, string | null | undefined, string | null>
}

export interface MessageReactionTable {
  id: Id
  message_id: number
  emoji: string
  user_id: number
  created_at: number
}

export interface DialogStateTable {
  user_id: number
  peer_id: number
  /** Messages with id <= this are hidden for user_id (clear / delete dialog). */
  cleared_up_to: ColumnType<number, number | undefined, number>
  /** 1 when the dialog was removed from user_id's list; a newer message brings it back. */
  hidden: ColumnType<number, number | undefined, number>
}

export interface ComplaintTable {
  id: Id
  message_id: number
  room_id: number | null
  reporter_id: number
  text: string | null
  status: 'open' | 'resolved' | 'dismissed'
  created_at: number
  resolved_by: number | null
  resolved_at: number | null
}

export interface GiftTable {
  id: Id
  name: string
  image_url: string
  price: number
  created_at: number
  /** When a site admin took it out of the catalogue (migration 0010); gifts already sent keep it. */
  deleted_at: ColumnType<number | null, number | null | undefined, number | null>
}

export interface SentGiftTable {
  id: Id
  gift_id: number
  from_id: number
  to_id: number
  room_id: number | null
  text: string | null
  price: number
  created_at: number
}

export interface TopUpTable {
  nonce: string
  user_id: number
  amount: number
  created_at: number
}

export interface FreeCoinClaimTable {
  user_id: number
  network: string
  claimed_at: number
}

export interface UploadTable {
  id: Id
  owner_id: number
  stored_name: string
  content_type: string
  size: number
  created_at: number
  /** The original file name, sanitized (uploads/file-name.ts); null for uploads made before 0009. */
  name: ColumnType<string | null, string | null | undefined, string | null>
}

export interface CallTable {
  id: Id
  caller_id: number
  callee_id: number
  state: 'ringing' | 'active' | 'ended'
  created_at: number
  answered_at: number | null
  ended_at: number | null
  end_reason: string | null
}

export interface Database {
  users: UserTable
  sessions: SessionTable
  tokens: TokenTable
  phone_codes: PhoneCodeTable
  invites: InviteTable
  kv: KvTable
  events: EventTable
  rooms: RoomTable
  room_members: RoomMemberTable
  room_bans: RoomBanTable
  room_silences: RoomSilenceTable
  messages: MessageTable
  message_reactions: MessageReactionTable
  dialog_state: DialogStateTable
  complaints: ComplaintTable
  gifts: GiftTable
  sent_gifts: SentGiftTable
  top_ups: TopUpTable
  free_coin_claims: FreeCoinClaimTable
  uploads: UploadTable
  calls: CallTable
}

export type Db = Kysely<Database>
export type Trx = Transaction<Database>
/** Either the database or a transaction: read helpers accept both. */
export type Q = Db | Trx

export type UserRow = Selectable<UserTable>
export type NewUser = Insertable<UserTable>
export type UserUpdate = Updateable<UserTable>
export type RoomRow = Selectable<RoomTable>
export type MessageRow = Selectable<MessageTable>
export type UploadRow = Selectable<UploadTable>
export type CallRow = Selectable<CallTable>
export type ComplaintRow = Selectable<ComplaintTable>
export type GiftRow = Selectable<GiftTable>
export type SentGiftRow = Selectable<SentGiftTable>
