// Search (API.md §16): a search page with the server's highlight shown as text and <mark>s (never as
// HTML, even when the highlight carries markup), results that open the message in its chat (deep in
// history too), a scope per chat; on a slow link only the last query's answer shows, and a server
// error says so.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestServer } from '../helpers/server.js'
import { registerUser } from '../helpers/users.js'
import { expectNoPageErrors, messageTexts, openAs, screenshot, sleep, type Tab, twoInARoom, type User, WAIT_MS } from './browser.js'

let close = async () => {}
let server: TestServer
let browser: Browser
let alice: User
let bob: User
let roomId: number
let b: Tab
let oldId: number

const SEARCH = '**/api/search?*'
const XSS = '<img src=x onerror="window.__pwned=1"> deploy <b>bold</b> & more'
const marks = (tab: Tab) => tab.page.locator('.search-results mark').allTextContents()
const resultTexts = (tab: Tab) => tab.page.locator('.search-results .result-text').allTextContents()

beforeAll(async () => {
  ;({ server, browser, alice, bob, roomId, close } = await twoInARoom({ name: 'Ops' }))
  const say = async (text: string) => (await alice.client.post(`/api/rooms/${roomId}/messages`, { text })).body.data.message.id as number
  oldId = await say('the deployment of version 1 went fine')
  // A long history after it: the old message is several pages back.
  for (let i = 0; i < 120; i++) await say(`chatter ${i}`)
  await say('deploy again tomorrow?')
  await say(XSS)
  expect((await alice.client.post(`/api/dialogs/${bob.user.id}/messages`, { text: 'private deploy notes' })).status).toBe(201)
  // A room bob is not in: never in his results.
  const other = (await alice.client.post('/api/rooms', { name: 'Secret' })).body.data.room.id
  await alice.client.post(`/api/rooms/${other}/messages`, { text: 'deploy the secret' })
  b = await openAs(browser, server, bob.client, '/')
  await b.page.locator('.chat-item').first().waitFor()
}, 120_000)

afterAll(() => close())

describe('web client: search', () => {
  it('finds by word prefix in the chats one can see, marks the matches, and shows hostile text as text', async () => {
    await b.page.getByRole('link', { name: 'Search messages' }).click()
    const box = b.page.getByRole('searchbox', { name: 'Search messages' })
    expect(await box.evaluate((el) => el === document.activeElement)).toBe(true)
    await box.fill('deplo')
    await expect.poll(() => resultTexts(b), { timeout: WAIT_MS }).toEqual(['private deploy notes', XSS, 'deploy again tomorrow?', 'the deployment of version 1 went fine'])
    for (const m of await marks(b)) expect(m.toLowerCase()).toMatch(/^deplo/)
    expect(await b.page.locator('.search-results img, .search-results b, .search-results script').count()).toBe(0)
    expect(await b.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    expect(await b.page.getByRole('status').filter({ hasText: 'messages match' }).textContent()).toBe('4 messages match “deplo”.')
    expect(new URL(b.page.url()).search).toBe('?q=deplo')
    await screenshot(b.page, 'search')

    // Every word must match; the scope narrows to one chat.
    await box.fill('deplo tomor')
    await expect.poll(() => resultTexts(b), { timeout: WAIT_MS }).toEqual(['deploy again tomorrow?'])
    await box.fill('deplo')
    await b.page.getByLabel('In', { exact: true }).selectOption({ label: 'alice' })
    await expect.poll(() => resultTexts(b), { timeout: WAIT_MS }).toEqual(['private deploy notes'])
    await b.page.getByLabel('In', { exact: true }).selectOption({ label: 'All chats' })
    await box.fill('nothingmatchesthis')
    await b.page.getByText('No messages match “nothingmatchesthis”.').waitFor()
    expectNoPageErrors(b)
  }, 60_000)

  it('a result far back opens its chat at that message; live messages wait behind "Jump to the latest"', async () => {
    await b.page.goto('/search?q=deployment')
    await b.page.locator('.search-results .result').first().waitFor()
    await b.page.locator('.search-results .result').first().click()
    await b.page.waitForURL(`**/room/${roomId}?m=${oldId}`)
    const target = b.page.locator(`.messages li[data-id="${oldId}"]`)
    await target.waitFor()
    await expect.poll(() => target.evaluate((li) => li.contains(document.activeElement)), { timeout: WAIT_MS }).toBe(true)
    expect(await target.isVisible()).toBe(true)
    const box = await target.boundingBox()
    const view = await b.page.locator('.scroller').boundingBox()
    expect(box!.y).toBeGreaterThanOrEqual(view!.y)
    expect(box!.y + box!.height).toBeLessThanOrEqual(view!.y + view!.height)
    expect(await messageTexts(b.page)).not.toContain('deploy again tomorrow?')
    const jump = b.page.getByRole('button', { name: 'Jump to the latest ↓' })
    await jump.waitFor()

    // A live message is not drawn after the gap; the jump brings the newest page with it.
    expect((await alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'live while reading old' })).status).toBe(201)
    await sleep(500)
    expect(await messageTexts(b.page)).not.toContain('live while reading old')
    await jump.click()
    await expect.poll(async () => (await messageTexts(b.page)).slice(-3), { timeout: WAIT_MS }).toEqual(['deploy again tomorrow?', XSS, 'live while reading old'])
    expect(await b.page.locator(`.messages li[data-id="${oldId}"]`).count()).toBe(0)
    expectNoPageErrors(b)
  }, 60_000)

  it('a highlight carrying markup is still shown as text, only <mark> marks', async () => {
    await b.page.route(SEARCH, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          data: {
            messages: [{ id: oldId, room_id: roomId, recipient_id: null, author_id: alice.user.id, text: 'x', attachment: null, reply_to_id: null, kind: 'user', service: null, created_at: new Date().toISOString(), edited_at: null, reactions: [], mentions: [], highlight: '<img src=x onerror="window.__pwned=2"><mark>ok</mark> &lt;b&gt;&amp;lt; <script>window.__pwned=3</script></mark>' }],
            has_more: false,
          },
        }),
      }),
    )
    await b.page.goto('/search?q=ok')
    await expect.poll(() => resultTexts(b), { timeout: WAIT_MS }).toEqual(['<img src=x onerror="window.__pwned=2">ok <b>&lt; <script>window.__pwned=3</script></mark>'])
    expect(await marks(b)).toEqual(['ok'])
    expect(await b.page.locator('.search-results img, .search-results script, .search-results b').count()).toBe(0)
    await sleep(200)
    expect(await b.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    await b.page.unroute(SEARCH)
  }, 60_000)

  it('on a slow link only the last query’s answer shows; a server error says so', async () => {
    await b.page.goto('/search')
    const box = b.page.getByRole('searchbox', { name: 'Search messages' })
    await box.waitFor()
    await b.page.route(SEARCH, async (route) => {
      // The first query is the slowest: its answer comes after the second's.
      await sleep(route.request().url().includes('q=deplo&') ? 2000 : 600)
      await route.continue().catch(() => {})
    })
    await box.fill('deplo')
    await box.press('Enter')
    await b.page.getByRole('status').getByText('Searching…').waitFor()
    await box.fill('tomorrow')
    await box.press('Enter')
    await expect.poll(() => resultTexts(b), { timeout: WAIT_MS }).toEqual(['deploy again tomorrow?'])
    await sleep(2000)
    expect(await resultTexts(b)).toEqual(['deploy again tomorrow?'])
    await b.page.unroute(SEARCH)

    await b.page.route(SEARCH, (route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'The server had a problem.' } }) }))
    await box.fill('chatter')
    await box.press('Enter')
    await b.page.getByRole('status').getByText('Could not search: The server had a problem.').waitFor()
    await b.page.unroute(SEARCH)
    await box.press('Enter')
    await expect.poll(async () => (await resultTexts(b)).length, { timeout: WAIT_MS }).toBe(20)
    await b.page.getByRole('button', { name: 'More results' }).click()
    await expect.poll(async () => (await resultTexts(b)).length, { timeout: WAIT_MS }).toBe(40)
    expect(new Set(await resultTexts(b)).size).toBe(40)
    expectNoPageErrors(b)
  }, 60_000)

  it('the search page fits 320 px', async () => {
    const phone = await openAs(browser, server, bob.client, '/search?q=deplo', { width: 320, height: 640 })
    await phone.page.locator('.search-results .result').first().waitFor()
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
    await screenshot(phone.page, 'phone-320-search')
    await phone.context.close()
    // A user in none of these chats finds nothing of them.
    const eve = await registerUser(server, 'eve')
    const e = await openAs(browser, server, eve.client, '/search?q=deplo')
    await e.page.getByText('No messages match “deplo”.').waitFor()
    await e.context.close()
  }, 60_000)
})
