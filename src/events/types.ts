import type { SortedAudience } from './tail.js'
export const DURABLE_TYPES = [
  'message.created',
  'message.updated',
  'message.deleted',
  'message.read',
  'chat.cleared',
  'dialog.deleted',
  'room.created',
  'room.updated',
  'room.deleted',
  'gift.received',
  'balance.changed',
  'call.offer',
  'call.answer',
  'call.candidates',
  'call.ended',
  'user.updated',
] as const
export const EPHEMERAL_TYPES = ['typing', 'presence'] as const
export const EVENT_TYPES = [...DURABLE_TYPES, ...EPHEMERAL_TYPES] as const

export type DurableType = (typeof DURABLE_TYPES)[number]
export type EphemeralType = (typeof EPHEMERAL_TYPES)[number]
export type EventType = (typeof EVENT_TYPES)[number]

/** An event as a poll answers it. */
export interface ApiEvent {
  id: string
  type: EventType
  at: string
  data: unknown
}

/** Who receives an event: user ids (a SortedAudience when built once for many events), or every signed-in user. */
export type Audience = Iterable<number> | SortedAudience | 'everyone'
