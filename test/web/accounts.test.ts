// Signing in every way the web client offers: register + verify, password reset, guest, phone code.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitForOutbox } from '../helpers/accounts.js'
import { lastMessageTo, startTestServer, type TestServer } from '../helpers/server.js'
import { expectNoPageErrors, launch, openAs, WAIT_MS } from './browser.js'

let server: TestServer
let browser: Browser

beforeAll(async () => {
  server = await startTestServer() // email verification on, as by default
  browser = await launch()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('web client: accounts', () => {
  it('registers, is told to check email, verifies by the link, signs in and out', async () => {
    const tab = await openAs(browser, server, null)
    const page = tab.page
    await page.getByRole('tab', { name: 'Register' }).click()
    const form = page.locator('#panel-register')
    await form.getByLabel('Username').fill('erin')
    await form.getByLabel('Email').fill('erin@example.test')
    await form.getByLabel(/^Password/).fill('a long enough password')
    await form.getByRole('button', { name: 'Create account' }).click()
    await form.getByText('Check your email.').waitFor()

    const link = /https?:\/\/\S+\/api\/auth\/verify-email\?token=[\w-]+/.exec(lastMessageTo(server, 'erin@example.test').text)![0]
    await page.goto(new URL(link).pathname + new URL(link).search)
    await page.getByText('Your email is verified').waitFor()
    const signin = page.locator('#panel-signin')
    await signin.getByLabel('Username or email').fill('erin@example.test')
    await signin.getByLabel('Password').fill('a long enough password')
    await signin.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.getByRole('heading', { name: 'Chats' }).waitFor()
    await page.getByRole('button', { name: 'Menu' }).click()
    await page.getByRole('menuitem', { name: 'Sign out' }).click()
    await page.getByRole('tab', { name: 'Sign in' }).waitFor()
    expect(await page.evaluate(() => fetch('/api/me').then((r) => r.status))).toBe(401)
    expectNoPageErrors(tab)
    await tab.context.close()
  }, 60_000)

  it('a wrong password says so; the reset link from the email sets a new one', async () => {
    const tab = await openAs(browser, server, null)
    const page = tab.page
    const signin = page.locator('#panel-signin')
    await signin.getByLabel('Username or email').fill('erin')
    await signin.getByLabel('Password').fill('not the password')
    await signin.getByRole('button', { name: 'Sign in', exact: true }).click()
    await signin.getByRole('alert').getByText('not right').waitFor()

    await signin.getByRole('button', { name: 'Forgot your password?' }).click()
    await page.locator('#panel-forgot').getByLabel('Username or email').fill('erin')
    await page.getByRole('button', { name: 'Email me a reset link' }).click()
    await page.getByText('If an account matches').waitFor()

    // The reset email is sent after the answer (its timing must not tell whether the account exists).
    const [mail] = await waitForOutbox(server, (e) => e.to === 'erin@example.test' && e.text.includes('/reset-password?token='))
    const token = /\/reset-password\?token=([\w-]+)/.exec(mail!.text)![1]
    await page.goto(`/reset-password?token=${token}`)
    await page.getByLabel('New password (8 characters or more)').fill('a brand new secret')
    await page.getByLabel('Repeat the new password').fill('a brand new secret')
    await page.getByRole('button', { name: 'Set password' }).click()
    await page.getByText('Your password is set.').waitFor()
    await page.getByRole('button', { name: 'Sign in' }).click()
    await signin.getByLabel('Username or email').fill('erin')
    await signin.getByLabel('Password').fill('a brand new secret')
    await signin.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.getByRole('heading', { name: 'Chats' }).waitFor()

    // A used link is refused with a clear message.
    await page.goto(`/reset-password?token=${token}`)
    await page.getByLabel('New password (8 characters or more)').fill('yet another secret')
    await page.getByLabel('Repeat the new password').fill('yet another secret')
    await page.getByRole('button', { name: 'Set password' }).click()
    await page.getByText('This link is invalid, used, or expired.').waitFor()
    expectNoPageErrors(tab)
    await tab.context.close()
  }, 60_000)

  it('signs in as a guest with just a name', async () => {
    const tab = await openAs(browser, server, null)
    await tab.page.getByRole('tab', { name: 'Guest' }).click()
    await tab.page.getByLabel('Your name').fill('Wanderer')
    await tab.page.getByRole('button', { name: 'Continue as guest' }).click()
    await tab.page.getByRole('link', { name: 'Your profile (Wanderer)' }).waitFor()
    expectNoPageErrors(tab)
    await tab.context.close()
  }, 60_000)

  it('signs in by a code sent by SMS', async () => {
    const tab = await openAs(browser, server, null)
    const page = tab.page
    await page.getByRole('tab', { name: 'Phone' }).click()
    await page.getByLabel('Phone number').fill('+1 202 555 0143')
    await page.getByRole('button', { name: 'Send me a code' }).click()
    await page.getByText('We sent a code').waitFor()
    let code = ''
    await expect
      .poll(() => {
        const sms = server.outbox().filter((e) => e.channel === 'sms').at(-1)
        code = /\b(\d{6})\b/.exec(sms?.text ?? '')?.[1] ?? ''
        return code
      }, { timeout: WAIT_MS })
      .toMatch(/^\d{6}$/)
    await page.getByLabel('6-digit code from the SMS').fill(code)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.getByRole('heading', { name: 'Chats' }).waitFor()
    expectNoPageErrors(tab)
    await tab.context.close()
  }, 60_000)
})
