import { z } from 'zod'
import { IdParam } from '../http/validate.js'

export const SearchQuery = z
  .object({
    q: z.string().trim().min(1, 'q: 1–200 characters.').max(200, 'q: 1–200 characters.'),
    room_id: IdParam.optional(),
    with_user_id: IdParam.optional(),
    before: IdParam.optional(),
    limit: z.coerce.number().int().min(1).max(50).default(20),
  })
  .strict()
export type SearchQuery = z.infer<typeof SearchQuery>
