// Coins and gifts, mounted at /api: paths span /gifts, /users/:id/gifts, /balance and /me.
import { Hono, type MiddlewareHandler } from 'hono'
import type { AppDeps, AppEnv } from '../deps.js'
import { validate } from '../http/validate.js'
import { claimFreeCoins, topUp } from './balance.js'
import { createGift, listGifts, receivedGifts, retireGift, sendGift, updateGift } from './gifts.js'
import * as S from './schemas.js'

export function coinRoutes(deps: AppDeps, requireUser: MiddlewareHandler<AppEnv>) {
  // requireUser per route, never .use(): this sub-app shares the /api prefix with every area.
  return new Hono<AppEnv>()
    .get('/gifts', requireUser, async (c) => c.json({ data: { gifts: await listGifts(deps) } }))
    .post('/gifts', requireUser, validate('json', S.CreateGift), async (c) => {
      const gift = await createGift(deps, c.var.userId, c.req.valid('json'))
      return c.json({ data: { gift } }, 201)
    })
    .patch('/gifts/:id', requireUser, validate('param', S.GiftIdParam), validate('json', S.PatchGift), async (c) => {
      const gift = await updateGift(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json'))
      return c.json({ data: { gift } })
    })
    .delete('/gifts/:id', requireUser, validate('param', S.GiftIdParam), async (c) => {
      await retireGift(deps, c.var.userId, c.req.valid('param').id)
      return c.body(null, 204)
    })
    .post('/gifts/:id/send', requireUser, validate('param', S.GiftIdParam), validate('json', S.SendGift), async (c) => {
      const result = await sendGift(deps, c.var.userId, c.req.valid('param').id, c.req.valid('json'))
      return c.json({ data: result }, 201)
    })
    .get('/users/:id/gifts', requireUser, validate('param', S.UserIdParam), validate('query', S.GiftsPage), async (c) =>
      c.json({ data: await receivedGifts(deps, c.req.valid('param').id, c.req.valid('query')) }),
    )
    .post('/balance/top-up', requireUser, validate('json', S.TopUp), async (c) => c.json({ data: await topUp(deps, c.var.userId, c.req.valid('json')) }))
    .post('/me/free-coins', requireUser, validate('json', S.FreeCoins), async (c) =>
      c.json({ data: await claimFreeCoins(deps, c.var.userId, c.req.valid('json')) }),
    )
}
