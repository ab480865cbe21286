import { z } from 'zod'
import { nameChars, textChars } from '../http/text.js'
import { Paging } from '../http/validate.js'

export const Username = z.string().regex(/^[A-Za-z0-9_.-]{3,32}$/, 'Username: 3–32 of letters, digits, _ . -')
export const Email = z.string().trim().max(254).pipe(z.email('Not an email address.')).transform((s) => s.toLowerCase())
export const Password = z.string().min(8, 'Password: at least 8 characters.').max(256, 'Password: at most 256 characters.')
// Any string: whether it is a phone number is normalizePhone's to say, with 400 invalid_phone (API.md §3).
export const PhoneInput = z.string()
const Token = z.string().min(1).max(200)

export const Register = z.object({ username: Username, email: Email, password: Password }).strict()
export type Register = z.infer<typeof Register>

export const Login = z.object({ login: z.string().trim().min(1).max(254), password: z.string().min(1).max(256) }).strict()
export type Login = z.infer<typeof Login>

export const GuestLogin = z.object({ name: nameChars(z.string().trim().min(1).max(32)) }).strict()
export type GuestLogin = z.infer<typeof GuestLogin>

export const PhoneStart = z.object({ phone: PhoneInput }).strict()
export type PhoneStart = z.infer<typeof PhoneStart>

export const PhoneVerify = z.object({ phone: PhoneInput, code: z.string().regex(/^\d{6}$/, 'Code: 6 digits.') }).strict()
export type PhoneVerify = z.infer<typeof PhoneVerify>

export const Logout = z.object({ all: z.boolean().optional() }).strict()
export type Logout = z.infer<typeof Logout>

export const VerifyEmailQuery = z.object({ token: Token })

export const ResendVerification = z.object({ email: Email }).strict()
export type ResendVerification = z.infer<typeof ResendVerification>

export const ResetRequest = z.object({ login: z.string().trim().min(1).max(254) }).strict()
export type ResetRequest = z.infer<typeof ResetRequest>

export const PasswordReset = z.object({ token: Token, password: Password }).strict()
export type PasswordReset = z.infer<typeof PasswordReset>

// One-line profile fields are names (API.md §13); the bio may span lines.
const ProfileText = (max: number) => nameChars(z.string().trim().max(max)).nullable()
export const PatchMe = z
  .object({
    nickname: ProfileText(64),
    location: ProfileText(128),
    birth_date: z.iso.date('birth_date: YYYY-MM-DD.').nullable(),
    gender: z.union([z.literal(0), z.literal(1)]).nullable(),
    photo_upload_id: z.number().int().positive().nullable(),
    bio: z.string().trim().pipe(textChars(z.string().max(2000))).nullable(),
  })
  .partial()
  .strict()
export type PatchMe = z.infer<typeof PatchMe>

export const DeleteMe = z.object({ password: z.string().max(256).optional() }).strict()
export type DeleteMe = z.infer<typeof DeleteMe>

export const UserSearch = z.object({
  q: z.string().trim().max(64).default(''),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
})
export type UserSearch = z.infer<typeof UserSearch>

// 50: API.md §3's cap on invitations in one request.
export const Invites = z
  .object({ emails: z.array(Email).max(50).optional(), phones: z.array(PhoneInput).max(50).optional() })
  .strict()
  .refine((v) => (v.emails?.length ?? 0) + (v.phones?.length ?? 0) <= 50, { message: 'At most 50 invitations at once.', path: ['emails'] })
  .refine((v) => (v.emails?.length ?? 0) + (v.phones?.length ?? 0) >= 1, { message: 'Name at least one email or phone.', path: ['emails'] })
export type Invites = z.infer<typeof Invites>

export const InvitesQuery = Paging
export type InvitesQuery = z.infer<typeof InvitesQuery>
