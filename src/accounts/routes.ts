import { Hono, type MiddlewareHandler } from 'hono'
import type { AppDeps, AppEnv } from '../deps.js'
import { ApiError } from '../errors.js'
import { clientIp } from '../http/client-ip.js'
import { clearSessionCookie, sessionIdOf, setSessionCookie } from '../http/session.js'
import { IdParam, validate } from '../http/validate.js'
import { z } from 'zod'
import * as accounts from './accounts.js'
import type { SignedIn } from './sign-in.js'
import { listInvites, sendInvites } from './invites.js'
import { phoneStart, phoneVerify } from './phone.js'
import { deleteMe, getPublicUser, searchUsers } from './profiles.js'
import { requestPasswordReset, resetPassword } from './reset.js'
import * as S from './schemas.js'
import { resendVerification } from './verify.js'

type Auth = MiddlewareHandler<AppEnv>

const INVALID_LINK_PAGE = `<!doctype html><meta charset="utf-8"><title>Parley: link expired</title>
<p>This confirmation link is invalid, already used, or expired (links live 48 hours).</p>
<p><a href="/">Back to Parley</a></p>`

export function authRoutes(deps: AppDeps, requireUser: Auth) {
  const signedIn = async (c: Parameters<Auth>[0], result: SignedIn, status: 200 | 201) => {
    await setSessionCookie(c, deps.config, result.sessionId)
    return c.json({ data: { user: result.user } }, status)
  }
  return new Hono<AppEnv>()
    .post('/register', validate('json', S.Register), async (c) => {
      const user = await accounts.register(deps, c.req.valid('json'), clientIp(c, deps.config))
      return c.json({ data: { user } }, 201)
    })
    .get('/verify-email', validate('query', S.VerifyEmailQuery), async (c) => {
      // The link is opened by browsers (303 to the web client) and by scripts asking for JSON.
      const accept = c.req.header('accept') ?? ''
      const wantsJson = accept.includes('application/json')
      try {
        const user = await accounts.verifyEmail(deps, c.req.valid('query').token)
        return wantsJson ? c.json({ data: { user, verified: true } }) : c.redirect('/?notice=email_verified', 303)
      } catch (err) {
        // Still the contract's 400 invalid_token; a browser gets it as a readable page.
        if (wantsJson || !accept.includes('text/html') || !(err instanceof ApiError)) throw err
        return c.html(INVALID_LINK_PAGE, 400)
      }
    })
    .post('/verify-email/resend', validate('json', S.ResendVerification), async (c) => {
      await resendVerification(deps, c.req.valid('json').email)
      return c.json({ data: { requested: true } }, 202)
    })
    .post('/login', validate('json', S.Login), async (c) => signedIn(c, await accounts.login(deps, c.req.valid('json'), clientIp(c, deps.config)), 200))
    .post('/guest', validate('json', S.GuestLogin), async (c) =>
      signedIn(c, await accounts.guestLogin(deps, c.req.valid('json'), clientIp(c, deps.config)), 201),
    )
    .post('/phone', validate('json', S.PhoneStart), async (c) => {
      const { created } = await phoneStart(deps, c.req.valid('json'), clientIp(c, deps.config))
      return c.json({ data: { sent: true } }, created ? 201 : 200)
    })
    .post('/phone/verify', validate('json', S.PhoneVerify), async (c) =>
      signedIn(c, await phoneVerify(deps, c.req.valid('json'), clientIp(c, deps.config)), 200),
    )
    .post('/logout', requireUser, validate('json', S.Logout), async (c) => {
      await accounts.logout(deps, c.var.userId, c.var.sessionId, c.req.valid('json').all === true)
      clearSessionCookie(c, deps.config)
      return c.body(null, 204)
    })
    .post('/password-reset/request', validate('json', S.ResetRequest), async (c) => {
      await requestPasswordReset(deps, c.req.valid('json').login, clientIp(c, deps.config))
      return c.json({ data: { requested: true } }, 202)
    })
    .post('/password-reset', validate('json', S.PasswordReset), async (c) => {
      const { token, password } = c.req.valid('json')
      await resetPassword(deps, token, password, await sessionIdOf(c, deps.config))
      return c.body(null, 204)
    })
}

export function meRoutes(deps: AppDeps, requireUser: Auth) {
  // requireUser per route, not .use(): an unknown path under /api/me is 404 even signed out.
  return new Hono<AppEnv>()
    .get('/', requireUser, async (c) => c.json({ data: { user: await accounts.getMe(deps, c.var.userId) } }))
    .patch('/', requireUser, validate('json', S.PatchMe), async (c) => c.json({ data: { user: await accounts.patchMe(deps, c.var.userId, c.req.valid('json')) } }))
    .delete('/', requireUser, validate('json', S.DeleteMe), async (c) => {
      await deleteMe(deps, c.var.userId, c.req.valid('json').password, clientIp(c, deps.config))
      clearSessionCookie(c, deps.config)
      return c.body(null, 204)
    })
    .post('/keepalive', requireUser, async (c) => {
      accounts.keepalive(deps, c.var.userId)
      return c.body(null, 204)
    })
}

export function userRoutes(deps: AppDeps, requireUser: Auth) {
  return new Hono<AppEnv>()
    .get('/', requireUser, validate('query', S.UserSearch), async (c) => c.json({ data: await searchUsers(deps, c.req.valid('query')) }))
    .get('/:id', requireUser, validate('param', z.object({ id: IdParam })), async (c) =>
      c.json({ data: { user: await getPublicUser(deps, c.req.valid('param').id) } }),
    )
}

export function inviteRoutes(deps: AppDeps, requireUser: Auth) {
  return new Hono<AppEnv>()
    .post('/', requireUser, validate('json', S.Invites), async (c) => {
      const sent = await sendInvites(deps, c.var.userId, c.req.valid('json'))
      return c.json({ data: { sent } }, 202)
    })
    .get('/', requireUser, validate('query', S.InvitesQuery), async (c) => c.json({ data: await listInvites(deps, c.var.userId, c.req.valid('query')) }))
}
