// Any file as an attachment (API.md §16): the composer takes any file, and a message shows a file
// that is not an image as its name, size and a download link (served as a download, never as a
// page); a hostile name stays text; a refused or slow upload never loses or doubles the message.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectNoPageErrors, openAs, type RoomTabs, screenshot, sleep, type Tab, twoTabsInARoom, WAIT_MS } from './browser.js'

let { server, browser, alice, bob, roomId, a, b, close } = {} as RoomTabs

const UPLOADS = '**/api/uploads'
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
type Stored = { text: string | null; attachment: { name: string; is_image: boolean; url: string } | null; kind: string }
const stored = async () => ((await alice.client.get(`/api/rooms/${roomId}/messages?limit=200`)).body.data.items as Stored[]).filter((m) => m.kind === 'user')

beforeAll(async () => {
  ;({ server, browser, alice, bob, roomId, a, b, close } = await twoTabsInARoom({ name: 'Files' }))
}, 60_000)

afterAll(() => close?.())

const attach = (tab: Tab, name: string, mimeType: string, buffer: Buffer) => tab.page.locator('.composer input[type="file"]').setInputFiles({ name, mimeType, buffer })

describe('web client: file attachments', () => {
  it('a PDF goes out with its name and size, and arrives as a download link on both sides', async () => {
    await attach(b, 'report Q3.pdf', 'application/pdf', PDF)
    const box = b.page.locator('.composer-attach')
    await box.getByText('report Q3.pdf').waitFor()
    expect(await box.textContent()).toContain(`${PDF.length} bytes`)
    await b.page.locator('.composer textarea').fill('the report')
    await b.page.locator('.composer textarea').press('Enter')
    for (const tab of [b, a]) {
      const card = tab.page.locator('.messages li.msg', { hasText: 'the report' }).locator('a.file-attachment')
      await card.waitFor()
      expect(await card.locator('.file-name').textContent()).toBe('report Q3.pdf')
      expect(await card.locator('.file-size').textContent()).toBe(`${PDF.length} bytes`)
      expect(await card.getAttribute('download')).toBe('report Q3.pdf')
      expect(await card.getAttribute('aria-label')).toBe(`Download report Q3.pdf, ${PDF.length} bytes`)
      expect(await tab.page.locator('.messages li.msg', { hasText: 'the report' }).locator('img.attachment').count()).toBe(0)
    }
    const href = await a.page.locator('a.file-attachment', { hasText: 'report Q3.pdf' }).getAttribute('href')
    const served = await a.page.evaluate(async (url) => {
      const r = await fetch(url!)
      return { type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), size: (await r.arrayBuffer()).byteLength }
    }, href)
    expect(served.type).toBe('application/octet-stream')
    expect(served.disposition).toMatch(/^attachment/)
    expect(served.size).toBe(PDF.length)
    // The chat list's preview names the file when there is no text.
    await attach(b, 'notes.txt', 'text/plain', Buffer.from('just notes\n'))
    await b.page.locator('.composer-attach').getByText('notes.txt').waitFor()
    await b.page.locator('.composer textarea').press('Enter')
    await b.page.locator('.messages a.file-attachment', { hasText: 'notes.txt' }).waitFor()
    await a.page.locator(`.chat-item[href="/room/${roomId}"] .preview`, { hasText: 'File: notes.txt' }).waitFor()
    await screenshot(b.page, 'file-attachment')
    expectNoPageErrors(a, b)
  }, 60_000)

  it('a hostile file name and an HTML file are shown as text and offered only as a download', async () => {
    const name = '<img src=x onerror="window.__pwned=1">.html'
    await attach(b, name, 'text/html', Buffer.from('<script>window.__pwned=2</script><h1>hi</h1>'))
    await b.page.locator('.composer-attach .attach-name').waitFor()
    await b.page.locator('.composer textarea').press('Enter')
    await expect.poll(async () => (await stored()).at(-1)?.attachment?.name, { timeout: WAIT_MS }).toBeTruthy()
    const served = (await stored()).at(-1)!.attachment!
    expect(served.is_image).toBe(false)
    const card = a.page.locator('.messages a.file-attachment').last()
    await expect.poll(() => card.locator('.file-name').textContent(), { timeout: WAIT_MS }).toBe(served.name)
    expect(await a.page.locator('.messages img:not(.attachment):not(.avatar), .messages script, .messages h1').count()).toBe(0)
    const headers = await a.page.evaluate(async (url) => {
      const r = await fetch(url)
      return { type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), csp: r.headers.get('content-security-policy') }
    }, served.url)
    expect(headers.type).toBe('application/octet-stream')
    expect(headers.disposition).toMatch(/^attachment/)
    expect(headers.csp).toContain('sandbox')
    expect(await a.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    expect(await b.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
  }, 60_000)

  it('a refused upload says why and the text still goes; a slow one holds the send until it is done, then sends once', async () => {
    await b.page.route(UPLOADS, (route) => route.fulfill({ status: 413, contentType: 'application/json', body: JSON.stringify({ error: { code: 'payload_too_large', message: 'File too large.' } }) }))
    await attach(b, 'huge.bin', 'application/octet-stream', Buffer.alloc(2048, 1))
    await b.page.locator('.composer-attach').getByRole('alert').getByText('Could not attach huge.bin: it is larger than this site allows.').waitFor()
    expect(await b.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(false)
    await b.page.locator('.composer textarea').fill('without the file then')
    await b.page.locator('.composer textarea').press('Enter')
    await expect.poll(async () => (await stored()).at(-1)?.text, { timeout: WAIT_MS }).toBe('without the file then')
    expect((await stored()).at(-1)!.attachment).toBeNull()
    await b.page.unroute(UPLOADS)

    await b.page.route(UPLOADS, async (route) => {
      await sleep(1500)
      await route.continue()
    })
    await attach(b, 'slow.csv', 'text/csv', Buffer.from('a,b\n1,2\n'))
    await b.page.locator('.composer-attach').getByText(/^Uploading slow\.csv \(8 bytes\)…$/).waitFor()
    expect(await b.page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true)
    await b.page.locator('.composer textarea').fill('the numbers')
    await b.page.locator('.composer textarea').press('Enter')
    await b.page.getByText('Wait for the file to finish uploading, then send.').waitFor()
    expect(await b.page.locator('.composer textarea').inputValue()).toBe('the numbers')
    await b.page.locator('.composer-attach .attach-name', { hasText: 'slow.csv' }).waitFor()
    await b.page.locator('.composer textarea').press('Enter')
    await b.page.locator('.messages li.msg', { hasText: 'the numbers' }).locator('a.file-attachment', { hasText: 'slow.csv' }).waitFor()
    expect((await stored()).filter((m) => m.text === 'the numbers')).toHaveLength(1)
    await b.page.unroute(UPLOADS)
    expectNoPageErrors(b)
  }, 60_000)

  it('only a picture can be a profile photo or a gift’s picture', async () => {
    const p = await openAs(browser, server, bob.client, '/profile')
    await p.page.locator('input[type="file"]').setInputFiles({ name: 'me.pdf', mimeType: 'application/pdf', buffer: PDF })
    await p.page.getByText('Could not set the photo: that file is not a picture. Choose a PNG, JPEG, GIF or WebP image.').waitFor()
    expect((await bob.client.get('/api/me')).body.data.user.photo_url ?? null).toBeNull()
    expectNoPageErrors(p)
    await p.context.close()

    const g = await openAs(browser, server, alice.client, '/gifts')
    const before = (await alice.client.get('/api/gifts')).body.data.gifts.length
    await g.page.getByLabel('Name').fill('Paper')
    await g.page.getByLabel('Picture', { exact: true }).setInputFiles({ name: 'paper.pdf', mimeType: 'application/pdf', buffer: PDF })
    await g.page.getByRole('button', { name: 'Add gift' }).click()
    await g.page.getByRole('alert').getByText('Could not use paper.pdf: that file is not a picture.').waitFor()
    expect((await alice.client.get('/api/gifts')).body.data.gifts.length).toBe(before)
    expectNoPageErrors(g)
    await g.context.close()
  }, 60_000)

  it('a long file name fits a 320 px screen', async () => {
    const phone = await openAs(browser, server, bob.client, `/room/${roomId}`, { width: 320, height: 640 })
    await phone.page.locator('.composer textarea').waitFor()
    await attach(phone, `${'very-long-file-name-'.repeat(8)}.zip`, 'application/zip', Buffer.from('PK\x05\x06' + '\0'.repeat(18)))
    await phone.page.locator('.composer-attach .attach-name').waitFor()
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
    await phone.page.locator('.composer textarea').press('Enter')
    await phone.page.locator('.messages a.file-attachment', { hasText: 'very-long-file-name' }).waitFor()
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)
    await screenshot(phone.page, 'phone-320-file')
    expectNoPageErrors(phone)
    await phone.context.close()
  }, 60_000)
})
