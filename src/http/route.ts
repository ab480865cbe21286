// A route written as one handler instead of a chain of middlewares, for a route so busy that the
// chain's cost shows (README, Benchmarks: "Fast paths: which are kept"). It does what requireUser,
// validate('param', …) and validate('json', …) do, in the same order and with the same answers,
// through the same helpers; the schemas it carries feed /api/openapi.json as theirs do.
import type { Context, Handler } from 'hono'
import type { z } from 'zod'
import type { AppEnv } from '../deps.js'
import { requestSession, type SessionReader, type SignedInSession } from './session.js'
import { jsonOf, SCHEMA, type SchemaCarrier, validated } from './validate.js'

export type SignedInValues<P extends z.ZodType, J extends z.ZodType> = { session: SignedInSession; param: z.output<P>; json: z.output<J> }

/** requireUser, validate('param', schemas.param), validate('json', schemas.json), then `fn`: as one handler. */
export function signedInRoute<P extends z.ZodType, J extends z.ZodType>(
  read: SessionReader,
  schemas: { param: P; json: J },
  fn: (c: Context<AppEnv>, v: SignedInValues<P, J>) => Promise<Response>,
): Handler<AppEnv> {
  const handler: Handler<AppEnv> = async (c) => {
    const session = await requestSession(read, c)
    const param = await validated('param', schemas.param, c.req.param())
    return fn(c, { session, param, json: await jsonOf(c, schemas.json) })
  }
  ;(handler as SchemaCarrier)[SCHEMA] = [
    { target: 'param', schema: schemas.param },
    { target: 'json', schema: schemas.json },
  ]
  return handler
}
