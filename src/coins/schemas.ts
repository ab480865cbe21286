import { z } from 'zod'
import { IdParam, Limit, Offset } from '../http/validate.js'
import { nameChars, textChars } from '../http/text.js'

// 1e9: far above any real price or purchase, far below 2^53, so sums of balances stay exact.
export const MAX_COINS = 1_000_000_000
// 1000: a gift note is a short line, not a message.
export const MAX_GIFT_TEXT = 1000

const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER)
const Coins = z.number().int('Must be a whole number of coins.')

/** A gift picture: an absolute http(s) URL, or a path on this server (e.g. an upload's /files/… url). */
const ImageUrl = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .refine((s) => (s.startsWith('/') && !s.startsWith('//') && !s.includes('\\')) || /^https?:\/\/[^\s]+$/i.test(s), 'image_url: an http(s) URL or a path starting with /.')

export const CreateGift = z
  .object({
    name: nameChars(z.string().trim().min(1).max(100)),
    image_url: ImageUrl,
    price: Coins.min(0).max(MAX_COINS),
  })
  .strict()
export type CreateGift = z.infer<typeof CreateGift>

export const PatchGift = CreateGift.partial()
  .strict()
  .refine((g) => Object.keys(g).length > 0, { message: 'Give at least one of name, image_url, price.' })
  .describe('Site admins only. Changes a gift of the catalogue; gifts already sent keep the price paid.')
export type PatchGift = z.infer<typeof PatchGift>

export const SendGift = z
  .object({
    user_id: Id,
    text: z.string().max(MAX_GIFT_TEXT * 5).trim().pipe(textChars(z.string().max(MAX_GIFT_TEXT))).optional(),
    room_id: Id.optional(),
  })
  .strict()
export type SendGift = z.infer<typeof SendGift>

export const GiftIdParam = z.object({ id: IdParam })
export const UserIdParam = z.object({ id: IdParam })
export const GiftsPage = z.object({ limit: Limit, offset: Offset })
export type GiftsPage = z.infer<typeof GiftsPage>

export const TopUp = z
  .object({
    amount: Coins.positive('amount: a positive number of coins.').max(MAX_COINS),
    // Printable ASCII without spaces: it is part of the signed string.
    nonce: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'nonce: printable ASCII, no spaces.'),
    signature: z.string().min(1).max(256),
  })
  .strict()
export type TopUp = z.infer<typeof TopUp>

export const NETWORKS = ['mailru', 'vk', 'facebook', 'twitter'] as const
export const FreeCoins = z.object({ network: z.enum(NETWORKS) }).strict()
export type FreeCoins = z.infer<typeof FreeCoins>
