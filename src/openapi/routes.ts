// Each route's answers for /api/openapi.json: its success statuses with their bodies, and the
// error codes it may answer besides those every route of its kind shares (see commonErrors in
// ../openapi.ts). A route the app serves that is missing here fails the document's build, so a
// new route is documented by adding one line.
import type { z } from 'zod'
import type { ErrorCode } from '../errors.js'
import { A } from './answers.js'

export type SuccessStatus = 200 | 201 | 202 | 204 | 303
export type RouteDoc = {
  summary: string
  /** Success statuses: the body's schema, null for none (204), 'redirect' for a 303. */
  ok: Partial<Record<SuccessStatus, z.ZodType | null | 'redirect'>>
  /** Error codes of this route beyond the common ones. */
  errors?: readonly ErrorCode[]
  /** Not signed in is fine (sign-in, registration, public documents). */
  open?: true
  /** A 400 answered as an HTML page to browsers (Accept: text/html). */
  htmlError?: true
  description?: string
}

const SEND = ['not_found', 'invalid_reply', 'conflict', 'rate_limited'] as const satisfies readonly ErrorCode[]
const SIGN_IN = ['rate_limited'] as const satisfies readonly ErrorCode[]

export const ROUTES: Record<string, RouteDoc> = {
  // API.md §3: accounts
  'POST /api/auth/register': { summary: 'Create an account (sends a verification email)', ok: { 201: A.user }, errors: ['username_taken', 'email_taken', 'rate_limited'], open: true },
  'GET /api/auth/verify-email': {
    summary: 'Confirm an email address from the emailed link',
    ok: { 200: A.verified, 303: 'redirect' },
    errors: ['invalid_token'],
    open: true,
    htmlError: true,
    description: 'With `Accept: application/json` 200 JSON; browsers get 303 to `/` (and a 400 page for a bad link).',
  },
  'POST /api/auth/login': { summary: 'Sign in with username or email and password', ok: { 200: A.user }, errors: ['invalid_credentials', 'email_not_verified', ...SIGN_IN], open: true },
  'POST /api/auth/guest': { summary: 'Sign in as a new guest', ok: { 201: A.user }, errors: ['name_taken', ...SIGN_IN], open: true },
  'POST /api/auth/phone': {
    summary: 'Send a sign-in code by SMS',
    ok: { 201: A.sent, 200: A.sent },
    errors: ['invalid_phone', 'phone_taken', ...SIGN_IN],
    open: true,
    description: '201 when this created the account, 200 when the phone was known.',
  },
  'POST /api/auth/phone/verify': { summary: 'Sign in with the SMS code', ok: { 200: A.user }, errors: ['invalid_phone', 'invalid_code', ...SIGN_IN], open: true },
  'POST /api/auth/logout': { summary: 'Sign out (all: every session)', ok: { 204: null } },
  'POST /api/auth/verify-email/resend': { summary: 'Send a new verification link (always 202)', ok: { 202: A.requested }, errors: ['rate_limited'], open: true },
  'POST /api/auth/password-reset/request': { summary: 'Email a password-reset link (always 202)', ok: { 202: A.requested }, errors: SIGN_IN, open: true },
  'POST /api/auth/password-reset': { summary: 'Set a new password with the emailed token', ok: { 204: null }, errors: ['invalid_token', ...SIGN_IN], open: true },
  'GET /api/me': { summary: 'The signed-in user', ok: { 200: A.user } },
  'PATCH /api/me': { summary: 'Change profile fields', ok: { 200: A.user }, errors: ['unsupported_type'] },
  'DELETE /api/me': { summary: 'Delete the account', ok: { 204: null }, errors: ['invalid_credentials', ...SIGN_IN] },
  'POST /api/me/keepalive': { summary: 'Mark the user active (presence)', ok: { 204: null } },
  'GET /api/users': { summary: 'Search users by username or nickname', ok: { 200: A.users } },
  'GET /api/users/{id}': { summary: 'A public profile', ok: { 200: A.publicUser } },
  'POST /api/invites': { summary: 'Invite by email or SMS', ok: { 202: A.invitesSent }, errors: ['invalid_phone', 'forbidden', 'rate_limited'] },
  'GET /api/invites': { summary: 'The caller’s invitations, newest first', ok: { 200: A.invites } },

  // §10: events
  'GET /api/poll': {
    summary: 'Long-poll for events',
    ok: { 200: A.poll },
    errors: ['invalid_cursor', 'cursor_expired', 'too_many_polls', 'unavailable'],
    description: 'Take a cursor (no `cursor`), load state, then poll from the cursor of each answer. See docs/events.md.',
  },

  // §4: rooms
  'POST /api/rooms': { summary: 'Create a room', ok: { 201: A.room }, errors: ['admins_only', 'rate_limited'] },
  'GET /api/rooms': { summary: 'The room directory', ok: { 200: A.rooms } },
  'GET /api/rooms/{id}': { summary: 'A room (more for members and moderators)', ok: { 200: A.room } },
  'PATCH /api/rooms/{id}': { summary: 'Change a room (its admin)', ok: { 200: A.room }, errors: ['forbidden'] },
  'DELETE /api/rooms/{id}': { summary: 'Delete a room (its admin or a site admin)', ok: { 204: null }, errors: ['forbidden'] },
  'POST /api/rooms/{id}/join': { summary: 'Join a room', ok: { 200: A.room }, errors: ['wrong_password', 'banned', 'room_full', 'rate_limited'] },
  'POST /api/rooms/{id}/leave': { summary: 'Leave a room', ok: { 204: null }, errors: ['not_member'] },
  'GET /api/rooms/{id}/members': { summary: 'Members with their roles', ok: { 200: A.members }, errors: ['not_member'] },
  'POST /api/rooms/{id}/members': { summary: 'Add a user (admin or moderator)', ok: { 204: null }, errors: ['forbidden', 'banned', 'room_full'] },
  'POST /api/rooms/{id}/messages': {
    summary: 'Send a room message',
    ok: { 201: A.message, 200: A.message },
    errors: ['not_member', 'banned', 'silenced', ...SEND],
    description: '200 (not 201) when a message with the same `client_id` was already sent by this user: that message.',
  },
  'GET /api/rooms/{id}/messages': { summary: 'Room history (before/after a message id)', ok: { 200: A.messages }, errors: ['not_member'] },
  'POST /api/rooms/{id}/read': { summary: 'Mark the room read up to a message', ok: { 204: null }, errors: ['not_member'] },
  'POST /api/rooms/{id}/clear': { summary: 'Hide the room’s history for the caller', ok: { 204: null }, errors: ['not_member'] },
  'POST /api/rooms/{id}/typing': { summary: 'Tell the other members the caller is typing', ok: { 204: null }, errors: ['not_member'] },

  // §5: moderation and complaints
  'POST /api/rooms/{id}/kick': { summary: 'Remove a member', ok: { 204: null }, errors: ['forbidden', 'not_member'] },
  'POST /api/rooms/{id}/ban': { summary: 'Remove a member and block rejoining', ok: { 204: null }, errors: ['forbidden', 'not_member'] },
  'DELETE /api/rooms/{id}/bans/{user_id}': { summary: 'Lift a ban', ok: { 204: null }, errors: ['forbidden', 'not_member'] },
  'POST /api/rooms/{id}/silence': { summary: 'Silence a member until a time', ok: { 204: null }, errors: ['forbidden', 'not_member'] },
  'DELETE /api/rooms/{id}/silence/{user_id}': { summary: 'Lift a silence early', ok: { 204: null }, errors: ['forbidden', 'not_member'] },
  'POST /api/rooms/{id}/moderators': { summary: 'Appoint a moderator (room admin)', ok: { 201: A.member }, errors: ['forbidden', 'not_member', 'conflict'] },
  'DELETE /api/rooms/{id}/moderators/{user_id}': { summary: 'Remove a moderator (room admin)', ok: { 204: null }, errors: ['forbidden', 'not_member'] },
  'DELETE /api/messages/{id}': { summary: 'Delete a message', ok: { 204: null }, errors: ['forbidden'] },
  'PATCH /api/messages/{id}': { summary: 'Edit one’s own message', ok: { 200: A.message }, errors: ['forbidden', 'silenced', 'rate_limited'] },
  'PUT /api/messages/{id}/reactions/{emoji}': { summary: 'React with an emoji (idempotent)', ok: { 204: null }, errors: ['invalid_emoji', 'too_many_reactions'] },
  'DELETE /api/messages/{id}/reactions/{emoji}': { summary: 'Remove one’s own reaction', ok: { 204: null }, errors: ['invalid_emoji'] },
  'GET /api/search': { summary: 'Search the messages one can see', ok: { 200: A.search }, errors: ['conflicting_filters', 'not_member', 'not_found'] },
  'POST /api/complaints': { summary: 'Report a message', ok: { 201: A.complaint }, errors: ['not_found', 'conflict'] },
  'GET /api/complaints': { summary: 'Complaints (site admins: all; room admins: their rooms’)', ok: { 200: A.complaints }, errors: ['forbidden'] },
  'PATCH /api/complaints/{id}': { summary: 'Resolve or dismiss a complaint', ok: { 200: A.complaint }, errors: ['forbidden'] },

  // §6: direct messages and chats
  'GET /api/dialogs': { summary: 'Dialogs, most recent first', ok: { 200: A.dialogs } },
  'POST /api/dialogs/{user_id}/messages': {
    summary: 'Send a direct message',
    ok: { 201: A.message, 200: A.message },
    errors: SEND,
    description: '200 (not 201) for a repeated `client_id`: the message already sent.',
  },
  'GET /api/dialogs/{user_id}/messages': { summary: 'Dialog history', ok: { 200: A.messages } },
  'POST /api/dialogs/{user_id}/read': { summary: 'Mark the dialog read', ok: { 204: null } },
  'POST /api/dialogs/{user_id}/typing': { summary: 'Tell the other party the caller is typing', ok: { 204: null } },
  'POST /api/dialogs/{user_id}/clear': { summary: 'Hide the dialog’s history (for_everyone: for both)', ok: { 204: null } },
  'DELETE /api/dialogs/{user_id}': { summary: 'Remove the dialog from the list', ok: { 204: null } },
  'GET /api/direct-messages': { summary: 'Received direct messages, filtered', ok: { 200: A.directMessages }, errors: ['conflicting_filters'] },
  'POST /api/messages/{id}/read': { summary: 'Mark one received direct message read', ok: { 204: null } },
  'GET /api/chats': { summary: 'Every room joined and every dialog', ok: { 200: A.chats } },

  // §7: coins and gifts
  'GET /api/gifts': { summary: 'The gift catalogue', ok: { 200: A.gifts } },
  'POST /api/gifts': { summary: 'Add a gift (site admin)', ok: { 201: A.gift }, errors: ['forbidden'] },
  'PATCH /api/gifts/{id}': { summary: 'Change a gift of the catalogue (site admin)', ok: { 200: A.gift }, errors: ['forbidden', 'not_found'] },
  'DELETE /api/gifts/{id}': { summary: 'Retire a gift: out of the catalogue, still shown where received (site admin)', ok: { 204: null }, errors: ['forbidden', 'not_found'] },
  'POST /api/gifts/{id}/send': { summary: 'Send a gift', ok: { 201: A.giftSent }, errors: ['insufficient_funds', 'not_member', 'silenced'] },
  'GET /api/users/{id}/gifts': { summary: 'Gifts a user received, newest first', ok: { 200: A.sentGifts } },
  'POST /api/balance/top-up': { summary: 'Credit a signed top-up', ok: { 200: A.balance }, errors: ['bad_signature', 'nonce_used'] },
  'POST /api/me/free-coins': { summary: 'Claim free coins (once a day per network)', ok: { 200: A.freeCoins }, errors: ['too_soon'] },

  // §8: uploads
  'POST /api/uploads': { summary: 'Upload an image (multipart, field file)', ok: { 201: A.upload }, errors: ['unsupported_type', 'rate_limited'] },

  // §9: calls
  'POST /api/calls': { summary: 'Call a user (WebRTC offer)', ok: { 201: A.call }, errors: ['not_found', 'rate_limited'] },
  'POST /api/calls/{id}/answer': { summary: 'Answer a call (callee)', ok: { 200: A.call }, errors: ['forbidden', 'conflict'] },
  'POST /api/calls/{id}/candidates': { summary: 'Send ICE candidates to the other party', ok: { 204: null }, errors: ['conflict'] },
  'POST /api/calls/{id}/end': { summary: 'End a call', ok: { 200: A.call }, errors: ['conflict'] },

  // §11: this document
  'GET /api/openapi.json': { summary: 'This document', ok: { 200: A.openapi }, open: true },
}
