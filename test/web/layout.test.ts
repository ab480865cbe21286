// Every width from 320 px for every role, toasts that never cover controls, message actions behind
// one menu (a long-press on touch), keyboard use, and the connection state in every layout.
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestServer } from '../helpers/server.js'
import { cutPolls, expectNoPageErrors, openAs, screenshot, twoInARoom, type User, WAIT_MS } from './browser.js'

let close = async () => {}
let server: TestServer
let browser: Browser
let alice: User // the site admin (first account) and the room's admin
let bob: User
let roomId: number
const MESSAGES = 25

type Box = { x: number; y: number; width: number; height: number }
const inside = (b: Box, width: number) => b.x >= 0 && b.x + b.width <= width + 0.5
const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

/** Boxes of the visible controls (and texts) in the given containers. */
function boxesIn(page: Page, selector: string) {
  return page.$$eval(selector, (els) =>
    els
      .filter((e) => (e as HTMLElement).offsetParent !== null && e.getBoundingClientRect().width > 1)
      .map((e) => {
        const r = e.getBoundingClientRect()
        return { what: `${e.tagName.toLowerCase()}.${e.className} ${e.textContent?.trim().slice(0, 30)}`, x: r.x, y: r.y, width: r.width, height: r.height }
      }),
  )
}

async function longPress(page: Page, target: Locator) {
  const box = (await target.boundingBox())!
  const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 }
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] })
  await page.waitForTimeout(800)
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
  await cdp.detach()
}

beforeAll(async () => {
  ;({ server, browser, alice, bob, roomId, close } = await twoInARoom({ name: 'Town hall of the rather long-named village', topic: 'Everything about the village and its surroundings' }, ['alice', 'bob_the_builder_of_long_names']))
  expect(alice.user.role).toBe('admin')
  for (let i = 1; i <= MESSAGES; i++) {
    const who = i % 2 ? bob : alice
    expect((await who.client.post(`/api/rooms/${roomId}/messages`, { text: `message ${i}` })).status).toBe(201)
  }
  const until = new Date(Date.now() + 3600_000).toISOString()
  expect((await alice.client.post(`/api/rooms/${roomId}/silence`, { user_id: bob.user.id, until, reason: 'too loud' })).status).toBeLessThan(300)
}, 60_000)

afterAll(() => close())

describe('web client: every width, every input', () => {
  for (const width of [320, 375]) {
    it(`at ${width} px an admin's top bar, chat header, members panel and menu fit, with nothing cut off`, async () => {
      const tab = await openAs(browser, server, alice.client, `/room/${roomId}`, { width, height: 700 }, { hasTouch: true })
      const page = tab.page
      await page.locator('.messages .text', { hasText: `message ${MESSAGES}` }).waitFor()
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width)
      for (const b of await boxesIn(page, '.topbar a, .topbar button, .chat-head a, .chat-head button, .chat-head h1, .composer button, .composer textarea')) expect(inside(b, width), b.what).toBe(true)

      await page.getByRole('button', { name: 'Members' }).click()
      const chip = page.locator('.member', { hasText: 'bob_the_builder' }).locator('.chip', { hasText: 'silenced' })
      await chip.waitFor()
      const panel = (await page.locator('.panel').boundingBox())!
      const c = (await chip.boundingBox())!
      expect(c.x >= panel.x && c.x + c.width <= panel.x + panel.width && inside(c, width)).toBe(true)
      expect(await chip.evaluate((el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= el.parentElement!.getBoundingClientRect().right + 0.5)).toBe(true)
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width)
      if (width === 320) await screenshot(page, 'phone-320-members')
      await page.getByRole('button', { name: 'Close members' }).click()

      await page.getByRole('button', { name: 'Menu' }).click()
      const menu = page.getByRole('menu', { name: 'Account' })
      for (const item of ['Your profile', 'Invite people', 'Complaints', 'Gift catalogue', 'Sign out']) {
        const box = (await menu.getByRole('menuitem', { name: item }).boundingBox())!
        expect(inside(box, width), item).toBe(true)
      }
      if (width === 375) {
        await page.emulateMedia({ colorScheme: 'dark' })
        await screenshot(page, 'phone-menu-dark')
      }
      await page.keyboard.press('Escape')
      await menu.waitFor({ state: 'detached' })

      // Every other screen an admin has fits too.
      for (const [path, ready] of [
        ['/', '.chat-item'],
        ['/rooms', '.room-row'],
        ['/profile', '#coins'],
        ['/invite', '.invite-list'],
        ['/gifts', '.catalogue'],
        ['/complaints', '.filters'],
        [`/dm/${bob.user.id}`, '.composer textarea'],
        [`/user/${bob.user.id}`, '.profile-card'],
      ] as const) {
        await page.goto(path)
        await page.locator(ready).first().waitFor({ state: 'attached' })
        expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(width)
        for (const b of await boxesIn(page, '.topbar a, .topbar button, main a, main button, main input, main select, main textarea, main h1')) expect(inside(b, width), `${path}: ${b.what}`).toBe(true)
      }
      expectNoPageErrors(tab)
      await tab.context.close()
    }, 60_000)
  }

  it('on a touch screen no action buttons sit beside the bubbles; a long-press opens the message menu', async () => {
    const tab = await openAs(browser, server, alice.client, `/room/${roomId}`, { width: 375, height: 700 }, { hasTouch: true })
    const page = tab.page
    const line = page.locator('.messages li.msg', { hasText: `message ${MESSAGES}` })
    await line.waitFor()
    const wide = await page.$$eval('.messages li.msg button', (bs) => bs.filter((b) => b.getBoundingClientRect().width > 1).length)
    expect(wide).toBe(0)
    await longPress(page, line.locator('.bubble'))
    const menu = page.getByRole('menu', { name: 'Message actions' })
    await menu.waitFor()
    // Lifting the finger picked nothing: the menu stays, the page too.
    await page.waitForTimeout(300)
    expect(new URL(page.url()).pathname).toBe(`/room/${roomId}`)
    expect(await menu.isVisible()).toBe(true)
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['Reply', 'Add a reaction…', 'Copy text', 'View bob_the_builder_of_long_names’s profile', 'Report…', 'Delete…'])
    await menu.getByRole('menuitem', { name: 'Reply' }).click()
    await page.locator('.composer-reply', { hasText: `message ${MESSAGES}` }).waitFor()
    expectNoPageErrors(tab)
    await tab.context.close()
  }, 60_000)

  for (const width of [1100, 375]) {
    it(`at ${width} px a toast never covers a control`, async () => {
      const tab = await openAs(browser, server, alice.client, `/room/${roomId}`, { width, height: 700 })
      const page = tab.page
      // A message of Bob's not reported yet (one report per message and reader).
      const line = page.locator('.messages li.msg', { hasText: `message ${width === 375 ? MESSAGES - 2 : MESSAGES}` })
      await line.waitFor()
      await line.getByRole('button', { name: /Message actions/ }).click()
      await page.getByRole('menuitem', { name: 'Report…' }).click()
      await page.getByRole('button', { name: 'Send report' }).click()
      const toast = page.locator('.toast', { hasText: 'moderators will look' })
      await toast.waitFor()
      const t = (await toast.boundingBox())!
      const controls = await boxesIn(page, '.topbar a, .topbar button, .chat-head a, .chat-head button, .composer button, .composer textarea, .composer label, .chat-item')
      expect(controls.length).toBeGreaterThan(4)
      for (const b of controls) expect(overlap(t, b), b.what).toBe(false)
      // And what is on top at each control's centre is the control itself.
      const covered = await page.$$eval('.chat-head button:not([hidden]), .composer button, .composer textarea', (els) =>
        els.filter((e) => {
          const r = e.getBoundingClientRect()
          if (r.width < 2) return false
          const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)
          return !(top && (top === e || e.contains(top)))
        }).length,
      )
      expect(covered).toBe(0)
      if (width === 375) await screenshot(page, 'phone-toast')
      expectNoPageErrors(tab)
      await tab.context.close()
    }, 60_000)
  }

  it('opening a chat focuses the composer; each message is one tab stop; Escape closes menus and panels', async () => {
    const tab = await openAs(browser, server, alice.client, '/')
    const page = tab.page
    await page.locator(`.chat-item[href="/room/${roomId}"]`).click()
    await page.locator('.messages .text', { hasText: `message ${MESSAGES}` }).waitFor()
    await expect.poll(() => page.evaluate(() => document.activeElement?.matches('.composer textarea')), { timeout: WAIT_MS }).toBe(true)
    // Opened by keyboard from the chat list too.
    await page.locator('.chat-item').first().focus()
    await page.getByRole('link', { name: 'Rooms', exact: true }).press('Enter')
    await page.getByRole('heading', { name: 'Rooms' }).waitFor()
    await page.locator(`.chat-item[href="/room/${roomId}"]`).press('Enter')
    await expect.poll(() => page.evaluate(() => document.activeElement?.matches('.composer textarea')), { timeout: WAIT_MS }).toBe(true)
    // The composer takes the focus at once; the page of messages comes after its request.
    await page.locator('.messages .text', { hasText: `message ${MESSAGES}` }).waitFor()

    const stops = await page.$$eval('.messages li.msg:not(.service)', (lis) =>
      lis.map((li) => Array.from(li.querySelectorAll('a[href], button, [tabindex], input, textarea')).filter((e) => (e as HTMLElement).tabIndex >= 0).length),
    )
    expect(stops).toHaveLength(MESSAGES)
    expect(new Set(stops)).toEqual(new Set([1]))
    // From the first message to the composer: one Tab per message (and the attach control).
    await page.locator('.messages li.msg:not(.service)').first().getByRole('button').focus()
    let presses = 0
    while (!(await page.evaluate(() => document.activeElement?.matches('.composer textarea'))) && presses < 100) {
      await page.keyboard.press('Tab')
      presses++
    }
    expect(presses).toBeLessThanOrEqual(MESSAGES + 2)

    // A message's menu: Enter opens it with the focus inside, Escape closes it and gives the focus back.
    const button = page.locator('.messages li.msg', { hasText: `message ${MESSAGES}` }).getByRole('button', { name: /Message actions/ })
    await button.focus()
    await page.keyboard.press('Enter')
    const menu = page.getByRole('menu', { name: 'Message actions' })
    await menu.waitFor()
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('menuitem')
    await page.keyboard.press('ArrowDown')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Add a reaction…')
    await page.keyboard.press('Escape')
    await menu.waitFor({ state: 'detached' })
    expect(await button.evaluate((b) => b === document.activeElement)).toBe(true)

    // The members panel: Escape closes it and the focus returns to its button.
    await page.getByRole('button', { name: 'Members' }).click()
    await page.locator('.panel .member').first().waitFor()
    await page.keyboard.press('Escape')
    await page.locator('.panel').waitFor({ state: 'hidden' })
    expect(await page.getByRole('button', { name: 'Members' }).evaluate((b) => b === document.activeElement)).toBe(true)
    expectNoPageErrors(tab)
    await tab.context.close()
  }, 60_000)

  it('the connection state shows on a phone with a chat open', async () => {
    const tab = await openAs(browser, server, bob.client, `/room/${roomId}`, { width: 375, height: 700 })
    const page = tab.page
    await page.locator('.messages .text', { hasText: `message ${MESSAGES}` }).waitFor()
    const reconnect = await cutPolls(page, () => alice.client.post(`/api/rooms/${roomId}/messages`, { text: 'ends the held poll' }))
    const status = page.getByRole('status').filter({ hasText: 'Reconnecting…' })
    await status.waitFor({ state: 'visible' })
    const box = (await status.boundingBox())!
    expect(inside(box, 375) && box.y >= 0 && box.y + box.height <= 700).toBe(true)
    await screenshot(page, 'phone-reconnecting')
    await reconnect()
    await status.waitFor({ state: 'hidden', timeout: WAIT_MS })
    expectNoPageErrors(tab)
    await tab.context.close()
  }, 60_000)
})
