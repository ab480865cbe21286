// The room directory (private rooms), long histories paged in on scroll, coins and gifts.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { registerUser } from '../helpers/users.js'
import { expectNoPageErrors, launch, messageTexts, openAs, screenshot, WAIT_MS, type Tab } from './browser.js'

let server: TestServer
let browser: Browser
let alice: Awaited<ReturnType<typeof registerUser>>
let bob: Awaited<ReturnType<typeof registerUser>>
let b: Tab
const HISTORY = 130

beforeAll(async () => {
  server = await startTestServer({ SEND_RATE_LIMIT: '0' })
  browser = await launch()
  alice = await registerUser(server, 'alice')
  bob = await registerUser(server, 'bob')
  const secret = (await alice.client.post('/api/rooms', { name: 'Secret garden', topic: 'Members only', password: 'open sesame' })).body.data.room
  for (let i = 1; i <= HISTORY; i++) await alice.client.post(`/api/rooms/${secret.id}/messages`, { text: `history ${i}` })
  await alice.client.post('/api/rooms', { name: 'Open plaza', topic: 'Everyone welcome' })
}, 90_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

describe('web client: rooms and coins', () => {
  it('joins a private room with its password after a wrong try', async () => {
    b = await openAs(browser, server, bob.client, '/rooms')
    const row = b.page.locator('.room-row', { hasText: 'Secret garden' })
    await row.locator('.lock').waitFor()
    await screenshot(b.page, 'rooms')
    await row.getByRole('button', { name: 'Join' }).click()
    const dialog = b.page.getByRole('dialog', { name: 'Join Secret garden' })
    await dialog.getByLabel('Room password').fill('wrong guess')
    await dialog.getByRole('button', { name: 'Join' }).click()
    await dialog.getByText('That password is not right.').waitFor()
    await dialog.getByLabel('Room password').fill('open sesame')
    await dialog.getByRole('button', { name: 'Join' }).click()
    await b.page.waitForURL(/\/room\/\d+$/)
    await b.page.locator('.messages .text', { hasText: `history ${HISTORY}` }).waitFor()
    await b.page.locator(`.chat-item`, { hasText: 'Secret garden' }).waitFor()
  }, 60_000)

  it('loads older pages of history as the reader scrolls up, each message once and in order', async () => {
    const first = await messageTexts(b.page)
    expect(first.length).toBeLessThan(HISTORY)
    await expect
      .poll(
        async () => {
          await b.page.locator('.scroller').evaluate((el) => el.scrollTo(0, 0))
          return (await messageTexts(b.page)).length
        },
        { timeout: 30_000 },
      )
      .toBe(HISTORY)
    expect(await messageTexts(b.page)).toEqual(Array.from({ length: HISTORY }, (_, i) => `history ${i + 1}`))
    await b.page.getByText('This is the beginning of the conversation.').waitFor()
  }, 60_000)

  it('claims free coins, sends a gift from the balance, and is told when coins run short', async () => {
    expect((await alice.client.post('/api/gifts', { name: 'Rose', image_url: '/favicon.svg', price: 2 })).status).toBe(201)
    const a = await openAs(browser, server, alice.client, '/profile')
    await b.page.getByRole('link', { name: /coins/ }).click()
    await b.page.getByRole('button', { name: 'Claim free coins' }).click()
    await b.page.getByText('Claimed.').waitFor()
    await expect.poll(() => b.page.locator('.topbar .balance').textContent(), { timeout: WAIT_MS }).toContain('3')
    await b.page.getByRole('button', { name: 'Claim free coins' }).click()
    await b.page.getByText(/Already claimed today; try again in \d+ hours/).waitFor()
    await screenshot(b.page, 'profile')

    await b.page.goto(`/dm/${alice.user.id}`)
    await b.page.getByRole('button', { name: 'Gift' }).click()
    const dialog = b.page.getByRole('dialog', { name: 'Send alice a gift' })
    await dialog.getByText('Rose').click()
    await dialog.getByLabel('A note (optional)').fill('for you')
    await dialog.getByRole('button', { name: 'Send gift' }).click()
    await expect.poll(() => b.page.locator('.topbar .balance').textContent(), { timeout: WAIT_MS }).toContain('1')
    await a.page.locator('.toast', { hasText: 'bob sent you a gift: Rose' }).waitFor()

    await b.page.getByRole('button', { name: 'Gift' }).click()
    // The Rose (2 coins) again: the default catalogue's Heart costs 1, which the balance still covers.
    await dialog.getByText('Rose').click()
    await dialog.getByRole('button', { name: 'Send gift' }).click()
    await dialog.getByText('Not enough coins').waitFor()
    await dialog.getByRole('button', { name: 'Cancel' }).click()

    await a.page.reload()
    await a.page.locator('.gift-item', { hasText: 'Rose from bob' }).waitFor()
    expectNoPageErrors(a, b)
  }, 60_000)
})
