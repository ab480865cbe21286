// "Resend the link" (API.md §16): a new verification link from the sign-in screen, after signing in
// unverified, from an expired link's notice, and right after registering; the answer never says
// whether the address has an account; a slow link or a server error keeps what was typed.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitForOutbox } from '../helpers/accounts.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { expectNoPageErrors, launch, openAs, sleep, WAIT_MS } from './browser.js'

let server: TestServer
let browser: Browser

const RESEND = '**/api/auth/verify-email/resend'
const verifyMails = (to: string) => server.outbox().filter((e) => e.to === to && /verify-email\?token=/.test(e.text))
const linkIn = (text: string) => /\/api\/auth\/verify-email\?token=[\w-]+/.exec(text)![0]

beforeAll(async () => {
  server = await startTestServer() // email verification on, as by default
  browser = await launch()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('web client: a new verification link', () => {
  it('signing in unverified offers the resend; the new link verifies and the account signs in', async () => {
    const c = server.client()
    expect((await c.post('/api/auth/register', { username: 'fay', email: 'fay@example.test', password: 'a long enough password' })).status).toBe(201)
    await waitForOutbox(server, (e) => e.to === 'fay@example.test')
    const tab = await openAs(browser, server, null)
    const page = tab.page
    const signin = page.locator('#panel-signin')
    await signin.getByLabel('Username or email').fill('fay@example.test')
    await signin.getByLabel('Password').fill('a long enough password')
    await signin.getByRole('button', { name: 'Sign in', exact: true }).click()
    await signin.getByRole('alert').getByText('Resend the verification link below').waitFor()
    await signin.getByRole('button', { name: 'Resend the verification link' }).click()
    const panel = page.locator('#panel-resend')
    expect(await panel.getByLabel('Your email address').inputValue()).toBe('fay@example.test')
    expect(await page.getByRole('tab', { name: 'Sign in' }).getAttribute('aria-selected')).toBe('true')
    await panel.getByRole('button', { name: 'Send a new link' }).click()
    await panel.getByRole('status').getByText('we sent it a new link').waitFor()
    await expect.poll(() => verifyMails('fay@example.test').length, { timeout: WAIT_MS }).toBe(2)

    await page.goto(linkIn(verifyMails('fay@example.test').at(-1)!.text))
    await page.getByText('Your email is verified').waitFor()
    await signin.getByLabel('Username or email').fill('fay')
    await signin.getByLabel('Password').fill('a long enough password')
    await signin.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.getByRole('heading', { name: 'Chats' }).waitFor()
    expectNoPageErrors(tab)
    await tab.context.close()
  }, 60_000)

  it('an expired link opens the resend page; an unknown address gets the same answer and no email', async () => {
    const tab = await openAs(browser, server, null, '/?notice=invalid_token')
    const page = tab.page
    await page.getByText('That link is invalid or has expired. Ask for a new one below.').waitFor()
    const panel = page.locator('#panel-resend')
    await panel.getByRole('heading', { name: 'Get a new verification link' }).waitFor()
    expect(await panel.getByLabel('Your email address').evaluate((el) => el === document.activeElement)).toBe(true)
    const before = server.outbox().length
    await panel.getByLabel('Your email address').fill('nobody@example.test')
    await panel.getByRole('button', { name: 'Send a new link' }).click()
    await panel.getByRole('status').getByText('we sent it a new link').waitFor()
    await sleep(300)
    expect(server.outbox().length).toBe(before)
    await panel.getByRole('button', { name: 'Back to sign in' }).click()
    await page.locator('#panel-signin').getByLabel('Username or email').waitFor()
    expectNoPageErrors(tab)
    await tab.context.close()
  }, 60_000)

  it('right after registering, "Resend the link" sends another; on a slow link the button waits, on a server error the reason shows', async () => {
    const tab = await openAs(browser, server, null)
    const page = tab.page
    await page.getByRole('tab', { name: 'Register' }).click()
    const form = page.locator('#panel-register')
    await form.getByLabel('Username').fill('gus')
    await form.getByLabel('Email').fill('gus@example.test')
    await form.getByLabel(/^Password/).fill('a long enough password')
    await form.getByRole('button', { name: 'Create account' }).click()
    await form.getByText('Check your email.').waitFor()
    await expect.poll(() => verifyMails('gus@example.test').length, { timeout: WAIT_MS }).toBe(1)

    await page.route(RESEND, (route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'Something went wrong on our side.' } }) }))
    const resend = form.getByRole('button', { name: 'Resend the link' })
    await resend.click()
    await form.getByRole('alert').getByText('Something went wrong on our side.').waitFor()
    expect(verifyMails('gus@example.test')).toHaveLength(1)

    await page.unroute(RESEND)
    await page.route(RESEND, async (route) => {
      await sleep(1500)
      await route.continue()
    })
    await resend.click()
    expect(await resend.isDisabled()).toBe(true)
    await form.getByRole('status').getByText('We sent a new link to gus@example.test.').waitFor()
    expect(await resend.isDisabled()).toBe(false)
    expect(await form.locator('.form-error').textContent()).toBe('')
    await expect.poll(() => verifyMails('gus@example.test').length, { timeout: WAIT_MS }).toBe(2)
    expectNoPageErrors(tab)
    await tab.context.close()
  }, 60_000)
})
