import type { z } from 'zod'
import { Paging } from '../http/validate.js'

export const ChatsQuery = Paging
export type ChatsQuery = z.infer<typeof ChatsQuery>
