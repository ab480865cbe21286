// Message bodies: links, a small Markdown subset and @mentions, built as DOM nodes, so hostile text
// stays text; and the whole client running under the server's Content-Security-Policy.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestServer } from '../helpers/server.js'
import { expectNoPageErrors, openAs, screenshot, type Tab, twoInARoom, type User } from './browser.js'

let close = async () => {}
let server: TestServer
let browser: Browser
let alice: User
let bob: User
let roomId: number
let b: Tab

const XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> [click](javascript:window.__pwned=3) javascript:window.__pwned=4 <a href="javascript:window.__pwned=5">x</a>'

beforeAll(async () => {
  ;({ server, browser, alice, bob, roomId, close } = await twoInARoom({ name: 'Formatting' }))
  for (const text of [
    'Docs at https://example.com/a?b=1&c=2, and (see https://en.wikipedia.org/wiki/Foo_(bar)).',
    '**bold**, *italic*, _also italic_, `inline <code>` and a snake_case_name',
    '```\nconst tag = "<b>not bold</b>"\n  indented()\n```',
    '> quoted **words**\n> second line\nmy answer',
    XSS,
    'hey @bob, look at this (and @alice too)',
    'mail bob@example.com about it',
  ]) {
    expect((await alice.client.post(`/api/rooms/${roomId}/messages`, { text })).status).toBe(201)
  }
}, 60_000)

afterAll(() => close())

describe('web client: message formatting', () => {
  it('URLs become links that open in a new tab without the opener or referrer', async () => {
    b = await openAs(browser, server, bob.client, `/room/${roomId}`)
    const bubble = b.page.locator('.messages li.msg', { hasText: 'Docs at' }).locator('.text')
    await bubble.waitFor()
    const links = await bubble.locator('a').evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent, a.getAttribute('target'), a.getAttribute('rel')]))
    expect(links).toEqual([
      ['https://example.com/a?b=1&c=2', 'https://example.com/a?b=1&c=2', '_blank', 'noopener noreferrer'],
      ['https://en.wikipedia.org/wiki/Foo_(bar)', 'https://en.wikipedia.org/wiki/Foo_(bar)', '_blank', 'noopener noreferrer'],
    ])
    expect(await bubble.textContent()).toBe('Docs at https://example.com/a?b=1&c=2, and (see https://en.wikipedia.org/wiki/Foo_(bar)).')
  }, 60_000)

  it('bold, italic, inline code, fenced code blocks and quotes render as elements', async () => {
    const inline = b.page.locator('.messages li.msg', { hasText: 'snake_case_name' }).locator('.text')
    expect(await inline.locator('strong').allTextContents()).toEqual(['bold'])
    expect(await inline.locator('em').allTextContents()).toEqual(['italic', 'also italic'])
    expect(await inline.locator('code').allTextContents()).toEqual(['inline <code>'])
    expect(await inline.textContent()).toBe('bold, italic, also italic, inline <code> and a snake_case_name')

    const block = b.page.locator('.messages li.msg', { hasText: 'indented()' }).locator('.text pre code')
    expect(await block.textContent()).toBe('const tag = "<b>not bold</b>"\n  indented()')
    expect(await block.locator('b').count()).toBe(0)

    const quoted = b.page.locator('.messages li.msg', { hasText: 'my answer' }).locator('.text')
    expect(await quoted.locator('blockquote').textContent()).toBe('quoted words\nsecond line')
    expect(await quoted.locator('blockquote strong').textContent()).toBe('words')
    expect(await quoted.locator('> p').textContent()).toBe('my answer')
    await b.page.setViewportSize({ width: 1100, height: 900 })
    await b.page.locator('.scroller').evaluate((el) => el.scrollTo(0, el.scrollHeight))
    await screenshot(b.page, 'formatting')
  }, 60_000)

  it('an XSS attempt is shown as text: no element, handler or javascript: link comes from it', async () => {
    const bubble = b.page.locator('.messages li.msg', { hasText: 'onerror' }).locator('.text')
    expect(await bubble.textContent()).toBe(XSS)
    expect(await bubble.locator('img, script, [onerror]').count()).toBe(0)
    expect(await bubble.locator('a').count()).toBe(0)
    expect(await b.page.locator('a[href^="javascript:" i]').count()).toBe(0)
    expect(await b.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
  }, 60_000)

  it('a mention of the reader is highlighted; other mentions and email addresses are not', async () => {
    const line = b.page.locator('.messages li.msg', { hasText: 'hey @bob' })
    expect(await line.locator('mark.mention-me').allTextContents()).toEqual(['@bob'])
    expect(await line.locator('.mention:not(.mention-me)').allTextContents()).toEqual(['@alice'])
    expect(await line.evaluate((li) => li.classList.contains('mentions-me'))).toBe(true)
    const mail = b.page.locator('.messages li.msg', { hasText: 'bob@example.com' })
    expect(await mail.locator('.mention').count()).toBe(0)
    expect(await mail.evaluate((li) => li.classList.contains('mentions-me'))).toBe(false)
    // In Alice's view of the same message, hers is the marked one; her own messages are not flagged.
    const a = await openAs(browser, server, alice.client, `/room/${roomId}`)
    const hers = a.page.locator('.messages li.msg', { hasText: 'hey @bob' })
    await hers.waitFor()
    expect(await hers.locator('mark.mention-me').allTextContents()).toEqual(['@alice'])
    expect(await hers.evaluate((li) => li.classList.contains('mentions-me'))).toBe(false)
    await a.context.close()
    expectNoPageErrors(b)
  }, 60_000)

  it('runs under the server’s Content-Security-Policy, no inline style allowed: no violation on any screen', async () => {
    const tab = await openAs(browser, server, bob.client, 'about:blank')
    await tab.context.addInitScript(() => {
      const w = window as unknown as { __violations: string[] }
      w.__violations = []
      document.addEventListener('securitypolicyviolation', (ev) => w.__violations.push(`${ev.violatedDirective} ${ev.blockedURI} ${ev.sample}`))
    })
    const page = tab.page
    const policy = (await page.goto(`/room/${roomId}`))!.headers()['content-security-policy']
    expect(policy).toContain("style-src 'self'")
    expect(policy).not.toContain('unsafe-inline')
    await page.locator('.messages li.msg', { hasText: 'hey @bob' }).waitFor()
    await page.getByRole('button', { name: 'Members' }).click()
    await page.locator('.member', { hasText: 'alice' }).waitFor()
    for (const [path, ready] of [
      ['/rooms', '.room-row'],
      ['/profile', '#coins'],
      [`/dm/${alice.user.id}`, '.composer textarea'],
      ['/invite', '.invite-list'],
      ['/search?q=hey', '.search-results .result'],
      ['/', '.chat-item'],
    ] as const) {
      await page.goto(path)
      await page.locator(ready).first().waitFor({ state: 'attached' })
    }
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([])
    expectNoPageErrors(tab)
    await tab.context.close()
  }, 60_000)
})
