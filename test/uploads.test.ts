import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Client } from './helpers/client.js'
import { png } from './helpers/images.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest, registerUser } from './helpers/users.js'

// Small on purpose: the limit is exercised without megabytes of test data.
const MAX = 4096
let server: TestServer

beforeAll(async () => {
  server = await startTestServer({ UPLOAD_MAX_BYTES: String(MAX) })
})
afterAll(() => server.close())

// --- tiny real images, built byte by byte ---

/** A 1×1 grey baseline JPEG: one DC and one AC Huffman code of length 1, all coefficients zero. */
function jpeg() {
  const seg = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]
  const oneCodeTable = (tcTh: number) => [tcTh, 1, ...new Array(15).fill(0), 0x00]
  return Buffer.from([
    0xff, 0xd8,
    ...seg(0xdb, [0x00, ...new Array(64).fill(1)]),
    ...seg(0xc0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0]),
    ...seg(0xc4, oneCodeTable(0x00)),
    ...seg(0xc4, oneCodeTable(0x10)),
    ...seg(0xda, [1, 1, 0x00, 0, 63, 0]),
    0x3f, // DC category 0 ('0'), AC end-of-block ('0'), padded with ones
    0xff, 0xd9,
  ])
}

/** A valid PNG of exactly `size` bytes (the tEXt chunk costs 20 bytes of framing and keyword). */
const pngOfSize = (size: number) => png(size - png().length - 20)

const gif = () => Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')
const webp = () => Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64')

// --- helpers ---

function upload(client: Client, bytes: Uint8Array, filename = 'picture.png', type = 'image/png', field = 'file') {
  const form = new FormData()
  form.append(field, new Blob([new Uint8Array(bytes)], { type }), filename)
  return client.request('POST', '/api/uploads', undefined, { raw: form })
}

const stored = () => {
  try {
    return readdirSync(join(server.dataDir, 'uploads')).sort()
  } catch {
    return []
  }
}

async function uploaded(client: Client, bytes: Uint8Array, filename?: string, type?: string) {
  const res = await upload(client, bytes, filename, type)
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body.data.upload as Upload
}

type Upload = { id: number; url: string; content_type: string; size: number; name: string | null; is_image: boolean }

/** A multipart body written by hand: the part's disposition parameters exactly as given (FormData escapes them). */
function rawUpload(client: Client, params: string, bytes: Uint8Array, type = 'application/octet-stream') {
  const raw = Buffer.concat([
    Buffer.from(`--XB\r\nContent-Disposition: form-data; name="file"; ${params}\r\nContent-Type: ${type}\r\n\r\n`, 'latin1'),
    bytes,
    Buffer.from('\r\n--XB--\r\n'),
  ])
  return client.request('POST', '/api/uploads', undefined, { raw, headers: { 'content-type': 'multipart/form-data; boundary=XB' } })
}

/** The name a Content-Disposition header offers a download under: RFC 5987's filename*, decoded. */
function offeredName(disposition: string | null): string {
  const m = /^attachment; filename="([^"]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]+)$/.exec(disposition ?? '')
  expect(m, String(disposition)).not.toBeNull()
  return decodeURIComponent(m![2]!)
}

/** Fetches a stored file and checks it is offered only as a download of `name`. */
async function expectDownload(url: string, name: string, bytes: Uint8Array) {
  const res = await fetch(server.url + url)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('application/octet-stream')
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  expect(res.headers.get('content-security-policy')!.split(';').map((d) => d.trim())).toContain('sandbox')
  expect(offeredName(res.headers.get('content-disposition'))).toBe(name)
  expect(res.headers.get('content-length')).toBe(String(bytes.length))
  expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true)
  return res
}

/** Uploads a PDF with the part's disposition `params`; it must be stored and offered as `name`. */
async function expectNamed(client: Client, params: string, name: string) {
  const res = await rawUpload(client, params, pdf())
  expect(res.status, `${params}: ${JSON.stringify(res.body)}`).toBe(201)
  expect(res.body.data.upload.name, params).toBe(name)
  return expectDownload(res.body.data.upload.url, name, pdf())
}

const pdf = () => Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')

describe('uploading images', () => {
  it.each([
    ['PNG', png, 'image/png', 'png'],
    ['JPEG', jpeg, 'image/jpeg', 'jpg'],
    ['GIF', gif, 'image/gif', 'gif'],
    ['WebP', webp, 'image/webp', 'webp'],
  ])('a %s is stored under a random name and served with its true type, nosniff and cache headers', async (_n, make, type, ext) => {
    const { client } = await guest(server)
    const bytes = make()
    const up = await uploaded(client, bytes)
    expect(up).toEqual({ id: expect.any(Number), url: expect.stringMatching(new RegExp(`^/files/[A-Za-z0-9_-]{24}\\.${ext}$`)), content_type: type, size: bytes.length, name: 'picture.png', is_image: true })
    const res = await fetch(server.url + up.url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(type)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('cache-control')).toContain('immutable')
    expect(res.headers.get('cache-control')).toContain('max-age=31536000')
    expect(res.headers.get('content-length')).toBe(String(bytes.length))
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true)
    expect(res.headers.get('content-disposition')).toBeNull()
  })

  it('the type comes from the bytes, not the file name or the part header', async () => {
    const { client } = await guest(server)
    const up = await uploaded(client, jpeg(), 'photo.gif', 'image/gif')
    expect(up.content_type).toBe('image/jpeg')
    expect(up.url.endsWith('.jpg')).toBe(true)
  })

  it('two uploads of the same bytes get different names', async () => {
    const { client } = await guest(server)
    const a = await uploaded(client, png())
    const b = await uploaded(client, png())
    expect(a.url).not.toBe(b.url)
  })

  it('a file exactly at UPLOAD_MAX_BYTES is accepted', async () => {
    const { client } = await guest(server)
    const bytes = pngOfSize(MAX)
    expect(bytes.length).toBe(MAX)
    expect((await uploaded(client, bytes)).size).toBe(MAX)
  })
})

describe('any other file is kept under its name and served only as a download', () => {
  it.each([
    ['an HTML page named .png', Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>')],
    ['an SVG named .png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>')],
    ['a PNG cut before its IEND chunk', png().subarray(0, png().length - 12)],
    ['a PNG cut in the middle of IEND', png().subarray(0, png().length - 3)],
    ['a JPEG without its end-of-image marker', jpeg().subarray(0, jpeg().length - 2)],
    ['a GIF without its trailer', gif().subarray(0, gif().length - 1)],
    ['a WebP shorter than its RIFF size', webp().subarray(0, webp().length - 4)],
    ['a WebP with bytes after its RIFF size', Buffer.concat([webp(), Buffer.alloc(2)])],
    ['a PNG signature followed by HTML', Buffer.concat([png().subarray(0, 8), Buffer.from('<html><script>alert(1)</script></html>')])],
    ['an empty file', Buffer.alloc(0)],
    ['a BMP', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)])],
  ])('%s is not an image: stored as .bin, application/octet-stream, a download of its name', async (_name, bytes) => {
    const { client } = await guest(server)
    const up = await uploaded(client, bytes, 'innocent.png', 'image/png')
    expect(up).toEqual({
      id: expect.any(Number),
      url: expect.stringMatching(/^\/files\/[A-Za-z0-9_-]{24}\.bin$/),
      content_type: 'application/octet-stream',
      size: bytes.length,
      name: 'innocent.png',
      is_image: false,
    })
    await expectDownload(up.url, 'innocent.png', bytes)
  })

  it('a PDF keeps its name and bytes, and HEAD answers the same download headers', async () => {
    const { client } = await guest(server)
    const up = await uploaded(client, pdf(), 'Quarterly report (final).pdf', 'application/pdf')
    expect(up).toMatchObject({ content_type: 'application/octet-stream', size: pdf().length, name: 'Quarterly report (final).pdf', is_image: false })
    await expectDownload(up.url, 'Quarterly report (final).pdf', pdf())
    const head = await fetch(server.url + up.url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-type')).toBe('application/octet-stream')
    expect(offeredName(head.headers.get('content-disposition'))).toBe('Quarterly report (final).pdf')
    expect(head.headers.get('content-security-policy')).toContain('sandbox')
  })

  it('an HTML file is never served as HTML, whatever its name and declared type', async () => {
    const { client } = await guest(server)
    const html = Buffer.from('<!doctype html><html><body><script>fetch("/api/me").then(r=>r.text()).then(alert)</script></body></html>')
    for (const name of ['page.html', 'page.htm', 'image.svg', 'page.xhtml']) {
      const up = await uploaded(client, html, name, 'text/html')
      expect(up).toMatchObject({ content_type: 'application/octet-stream', name, is_image: false })
      const res = await expectDownload(up.url, name, html)
      expect(res.headers.get('content-type')).not.toMatch(/html|svg|xml/)
      expect(res.headers.get('content-disposition')!.startsWith('attachment;')).toBe(true)
    }
  })

  it('a UTF-8 name comes back exactly, as filename* with an ASCII fallback', async () => {
    const { client } = await guest(server)
    const name = 'Отчёт за ноябрь — 2026 ✓.txt'
    const up = await uploaded(client, Buffer.from('hello'), name, 'text/plain')
    expect(up.name).toBe(name)
    const res = await expectDownload(up.url, name, Buffer.from('hello'))
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[\x20-\x7e]+"; /)
  })

  it('path separators in a name leave only its last part; "." and ".." become "file"', async () => {
    const { client } = await guest(server)
    for (const [params, name] of [
      ['filename="../../etc/passwd"', 'passwd'],
      ["filename*=UTF-8''C%3A%5CUsers%5Cme%5Creport.pdf", 'report.pdf'],
      ["filename*=UTF-8''..%2F..%2F.ssh%2Fauthorized_keys", 'authorized_keys'],
      ['filename="/"', 'file'],
      ['filename=".."', 'file'],
      ["filename*=UTF-8''..%00", 'file'],
    ] as const) {
      await expectNamed(client, params, name)
    }
  })

  it('control and format characters are removed from a name, so none reaches a header', async () => {
    const { client } = await guest(server)
    for (const [params, name] of [
      // NUL, CR LF, tab, DEL, ESC and a right-to-left override that would show "exe.pdf" as "fdp.exe".
      ["filename*=UTF-8''a%00b%0D%0Ac%09d%7F%1B%E2%80%AEfdp.exe", 'abcdfdp.exe'],
      ["filename*=UTF-8''%0D%0ASet-Cookie%3A%20x%3D1.txt", 'Set-Cookie: x=1.txt'],
      ["filename*=UTF-8''zero%E2%80%8Bwidth%E2%80%A8line.txt", 'zerowidthline.txt'],
      ["filename*=UTF-8''%01%02%03", 'file'],
    ] as const) {
      const served = await expectNamed(client, params, name)
      expect(served.headers.get('set-cookie')).toBeNull()
    }
  })

  it('a quote, a semicolon or a percent sign in a name cannot end the header or add a parameter', async () => {
    const { client } = await guest(server)
    const name = 'a"; filename="evil.html; x=%41.txt'
    // As RFC 5987 in the part header: FormData (and browsers) would send the quotes as %22.
    const res = await rawUpload(client, `filename*=UTF-8''${encodeURIComponent(name)}`, pdf())
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.data.upload.name).toBe(name)
    const served = await expectDownload(res.body.data.upload.url, name, pdf())
    expect(served.headers.get('content-disposition')).toBe(
      `attachment; filename="a__ filename=_evil.html_ x=_41.txt"; filename*=UTF-8''a%22%3B%20filename%3D%22evil.html%3B%20x%3D%2541.txt`,
    )
  })

  it.each([
    ['ASCII', 'a'.repeat(996) + '.txt', 'a'],
    ['two-byte', 'ж'.repeat(498) + '.pdf', 'ж'],
    ['four-byte', '😀'.repeat(249) + '.docx', '😀'],
  ])('a %s name of about 1,000 bytes is cut to at most 255 whole characters of UTF-8, keeping its extension', async (_kind, long, ch) => {
    expect(Buffer.byteLength(long)).toBeGreaterThanOrEqual(995)
    const { client } = await guest(server)
    const up = await uploaded(client, pdf(), long, 'text/plain')
    const ext = long.slice(long.lastIndexOf('.'))
    expect(Buffer.byteLength(up.name!)).toBeLessThanOrEqual(255)
    expect(Buffer.byteLength(up.name!)).toBeGreaterThan(250)
    expect(up.name!.endsWith(ext)).toBe(true)
    expect([...up.name!.slice(0, -ext.length)].every((c) => c === ch)).toBe(true)
    await expectDownload(up.url, up.name!, pdf())
  })

  it('a file attached in a direct message is still private, and a download', async () => {
    const me = await guest(server)
    const other = await guest(server)
    const up = await uploaded(me.client, pdf(), 'contract.pdf', 'application/pdf')
    const sent = await me.client.post(`/api/dialogs/${other.user.id}/messages`, { attachment_id: up.id })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    expect(sent.body.data.message.attachment).toEqual(up)
    const history = await other.client.get(`/api/dialogs/${me.user.id}/messages`)
    expect(history.body.data.items.map((m: any) => m.attachment)).toEqual([up])
    const res = await expectDownload(up.url, 'contract.pdf', pdf())
    expect(res.headers.get('cache-control')).toMatch(/^private,/)
  })
})

describe('refused uploads store nothing', () => {
  it('a file over UPLOAD_MAX_BYTES is 413 payload_too_large, with no partial file left', async () => {
    const { client } = await guest(server)
    const before = stored()
    expectError(await upload(client, png(MAX)), 413, 'payload_too_large')
    expectError(await upload(client, pngOfSize(MAX + 1)), 413, 'payload_too_large')
    expect(stored()).toEqual(before)
  })

  it('a body streamed without end is cut off with 413 once over the limit, long before it is all sent', async () => {
    const { client } = await guest(server)
    const before = stored()
    let sent = 0
    const boundary = 'xBOUNDARYx'
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`)
    const chunk = Buffer.concat([png().subarray(0, 33), Buffer.alloc(64 * 1024 - 33, 0x61)])
    const total = 2 * 1024 * 1024 * 1024 // 2 GB, never produced in full
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close()
        const piece = sent === 0 ? Buffer.concat([head, chunk]) : chunk
        sent += piece.length
        controller.enqueue(piece)
      },
    })
    const res = await fetch(server.url + '/api/uploads', {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    } as RequestInit)
    expect(res.status).toBe(413)
    expect(((await res.json()) as any).error.code).toBe('payload_too_large')
    // The server reads no further; at most what is in flight plus @hono/node-server's bounded drain (64 MiB).
    expect(sent).toBeLessThan(70 * 1024 * 1024)
    expect(stored()).toEqual(before)
  })

  it('a declared Content-Length of 2 GB is refused with 413 before the body is read', async () => {
    const { client } = await guest(server)
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const { port } = new URL(server.url)
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\n` +
            `Content-Type: multipart/form-data; boundary=b\r\nContent-Length: ${2 * 1024 * 1024 * 1024}\r\n\r\n--b\r\n`,
        )
      })
      let text = ''
      socket.on('data', (d) => {
        text += d.toString('latin1')
        if (text.includes('\r\n\r\n')) {
          socket.destroy()
          resolve(text)
        }
      })
      socket.on('error', reject)
    })
    expect(answer.startsWith('HTTP/1.1 413')).toBe(true)
  })

  it('an upload cut off by the client leaves no partial file behind', async () => {
    const { client } = await guest(server)
    const before = stored()
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const { port } = new URL(server.url)
    const socket = connect(Number(port), '127.0.0.1')
    await new Promise<void>((resolve) => socket.on('connect', resolve))
    const part = `--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`
    socket.write(`POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 3000\r\n\r\n${part}`)
    socket.write(png().subarray(0, 40))
    // Wait until the server has started the file, then hang up.
    for (let i = 0; i < 100 && !stored().some((f) => f.endsWith('.part')); i++) await new Promise((r) => setTimeout(r, 10))
    expect(stored().some((f) => f.endsWith('.part'))).toBe(true)
    socket.destroy()
    for (let i = 0; i < 200 && stored().length !== before.length; i++) await new Promise((r) => setTimeout(r, 10))
    expect(stored()).toEqual(before)
  })

  it('a file that is not an image, cut off by the client, leaves nothing behind and is never answered 201', async () => {
    const { client } = await guest(server)
    const before = stored()
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const { port } = new URL(server.url)
    const socket = connect(Number(port), '127.0.0.1')
    await new Promise<void>((resolve) => socket.on('connect', resolve))
    let answer = ''
    socket.on('data', (d) => (answer += d.toString('latin1')))
    const part = `--b\r\nContent-Disposition: form-data; name="file"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n`
    socket.write(`POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 3000\r\n\r\n${part}`)
    socket.write('Meeting notes, part one of many. '.repeat(20))
    for (let i = 0; i < 100 && !stored().some((f) => f.endsWith('.part')); i++) await new Promise((r) => setTimeout(r, 10))
    // The server is still reading the file (a file that is not an image is no reason to stop).
    expect(stored().some((f) => f.endsWith('.part'))).toBe(true)
    expect(answer).toBe('')
    socket.destroy()
    for (let i = 0; i < 200 && stored().length !== before.length; i++) await new Promise((r) => setTimeout(r, 10))
    expect(stored()).toEqual(before)
    expect((await client.get('/api/me')).status).toBe(200)
  })

  it('a file that is not an image, in a body that ends before its closing boundary, is 400 and stores nothing', async () => {
    const { client } = await guest(server)
    const before = stored()
    const head = `--b\r\nContent-Disposition: form-data; name="file"; filename="report.pdf"\r\nContent-Type: application/pdf\r\n\r\n`
    for (const raw of [head + pdf().toString('latin1'), head + pdf().toString('latin1') + '\r\n--b', head.slice(0, 60)]) {
      const res = await client.request('POST', '/api/uploads', undefined, { raw: Buffer.from(raw, 'latin1'), headers: { 'content-type': 'multipart/form-data; boundary=b' } })
      expectError(res, 400, 'invalid_request')
    }
    // The same, streamed: the server reads the file as it comes and only then finds the body cut short.
    let wrote: () => void
    const started = new Promise<void>((resolve) => (wrote = resolve))
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(Buffer.from(head + 'Minutes of the meeting. '.repeat(40)))
        wrote()
      },
      async pull(controller) {
        await started
        for (let i = 0; i < 100 && !stored().some((f) => f.endsWith('.part')); i++) await new Promise((r) => setTimeout(r, 10))
        controller.enqueue(Buffer.from('and the rest, with no closing boundary'))
        controller.close()
      },
    })
    const res = await fetch(server.url + '/api/uploads', {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { 'content-type': 'multipart/form-data; boundary=b', cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    } as RequestInit)
    expectError({ status: res.status, body: await res.json() }, 400, 'invalid_request')
    expect(stored()).toEqual(before)
  })

  it('a file that is not an image over UPLOAD_MAX_BYTES is 413 too', async () => {
    const { client } = await guest(server)
    const before = stored()
    expectError(await upload(client, Buffer.alloc(MAX + 1, 0x61), 'big.txt', 'text/plain'), 413, 'payload_too_large')
    expect((await uploaded(client, Buffer.alloc(MAX, 0x61), 'exact.txt', 'text/plain')).size).toBe(MAX)
    expect(stored().length).toBe(before.length + 1)
  })

  it('a request without the field "file", or with another field name, is 400', async () => {
    const { client } = await guest(server)
    const form = new FormData()
    form.append('caption', 'hello')
    expectError(await client.request('POST', '/api/uploads', undefined, { raw: form }), 400, 'invalid_request')
    expectError(await upload(client, png(), 'a.png', 'image/png', 'image'), 400, 'invalid_request')
  })

  it('a JSON body is 415 unsupported_media_type; a malformed multipart body is 400', async () => {
    const { client } = await guest(server)
    expectError(await client.post('/api/uploads', { file: 'x' }), 415, 'unsupported_media_type')
    const broken = await client.request('POST', '/api/uploads', undefined, {
      raw: '--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nabc',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    })
    expectError(broken, 400, 'invalid_request')
    const noBoundary = await client.request('POST', '/api/uploads', undefined, { raw: 'abc', headers: { 'content-type': 'multipart/form-data' } })
    expectError(noBoundary, 400, 'invalid_request')
  })

  it('a body cut short inside a part of any other name is 400 and the server goes on (it used to end the process)', async () => {
    const { client } = await guest(server)
    const before = stored()
    const part = (name: string, filename = 'a.txt') => `--XX\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\n\r\n`
    for (const raw of [
      `${part('other')}AAAA`,
      `${part('other')}AAAA\r\n${part('another')}BBBB`,
      `${part('file', 'a.png')}${png().toString('latin1')}\r\n${part('extra')}CCCC`,
      `--XX\r\nContent-Disposition: form-data; name="caption"\r\n\r\nhello`,
    ]) {
      const res = await client.request('POST', '/api/uploads', undefined, { raw: Buffer.from(raw, 'latin1'), headers: { 'content-type': 'multipart/form-data; boundary=XX' } })
      expectError(res, 400, 'invalid_request')
    }
    expect((await client.get('/api/me')).status).toBe(200)
    expect(stored()).toEqual(before)
  })

  it('needs a session: 401 not_signed_in', async () => {
    expectError(await upload(server.client(), png()), 401, 'not_signed_in')
  })
})

describe('serving files', () => {
  it('unknown names, temporary names and path tricks are 404', async () => {
    const { client } = await guest(server)
    const up = await uploaded(client, png())
    const name = up.url.slice('/files/'.length)
    for (const path of [
      '/files/AAAAAAAAAAAAAAAAAAAAAAAA.png',
      `/files/${name.replace('.png', '.part')}`,
      `/files/${name.replace('.png', '.gif')}`,
      '/files/..%2Fparley.db',
      '/files/%2e%2e%2fsecret.key',
      '/files/..%5Csecret.key',
      '/files/parley.db',
    ]) {
      const res = await fetch(server.url + path)
      expect(res.status, path).toBe(404)
    }
  })

  it('HEAD answers the headers without the body', async () => {
    const { client } = await guest(server)
    const up = await uploaded(client, gif())
    const res = await fetch(server.url + up.url, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/gif')
    expect(res.headers.get('content-length')).toBe(String(gif().length))
  })
})

describe('profile photo', () => {
  it('one’s own upload becomes the photo; someone else’s is 400 and changes nothing', async () => {
    const me = await registerUser(server)
    const other = await guest(server)
    const mine = await uploaded(me.client, png())
    const theirs = await uploaded(other.client, png())
    const set = await me.client.patch('/api/me', { photo_upload_id: mine.id })
    expect(set.status).toBe(200)
    expect(set.body.data.user.photo_url).toBe(mine.url)
    expect((await other.client.get(`/api/users/${me.user.id}`)).body.data.user.photo_url).toBe(mine.url)
    expect((await fetch(server.url + mine.url)).status).toBe(200)

    expectError(await me.client.patch('/api/me', { photo_upload_id: theirs.id }), 400, 'invalid_request')
    // API.md §16: any file may be uploaded, but only an image can be a photo.
    for (const bytes of [pdf(), png().subarray(0, png().length - 12)]) {
      const file = await uploaded(me.client, bytes, 'me.png', 'image/png')
      expectError(await me.client.patch('/api/me', { photo_upload_id: file.id }), 415, 'unsupported_type')
    }
    expectError(await me.client.patch('/api/me', { photo_upload_id: 999_999 }), 400, 'invalid_request')
    expect((await me.client.get('/api/me')).body.data.user.photo_url).toBe(mine.url)

    const cleared = await me.client.patch('/api/me', { photo_upload_id: null })
    expect(cleared.body.data.user.photo_url).toBeNull()
  })
})

describe('attachments', () => {
  it('one’s own upload attaches to a room message; someone else’s is 400 and nothing is posted', async () => {
    const me = await guest(server)
    const other = await guest(server)
    const room = await me.client.post('/api/rooms', { name: `pics ${me.user.id}` })
    expect(room.status).toBe(201)
    const roomId = room.body.data.room.id
    expect((await other.client.post(`/api/rooms/${roomId}/join`, {})).status).toBe(200)
    const mine = await uploaded(me.client, webp())
    const theirs = await uploaded(other.client, png())

    const sent = await me.client.post(`/api/rooms/${roomId}/messages`, { attachment_id: mine.id })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    expect(sent.body.data.message.attachment).toEqual(mine)
    expect((await fetch(server.url + sent.body.data.message.attachment.url)).headers.get('content-type')).toBe('image/webp')

    expectError(await me.client.post(`/api/rooms/${roomId}/messages`, { text: 'look', attachment_id: theirs.id }), 400, 'invalid_request')
    expectError(await me.client.post(`/api/rooms/${roomId}/messages`, { attachment_id: 999_999 }), 400, 'invalid_request')
    const history = await other.client.get(`/api/rooms/${roomId}/messages`)
    expect(history.body.data.items.filter((m: any) => m.kind === 'user').map((m: any) => m.attachment)).toEqual([mine])
  })

  it('one’s own upload attaches to a direct message; someone else’s is 400', async () => {
    const me = await guest(server)
    const other = await guest(server)
    const mine = await uploaded(me.client, gif())
    const theirs = await uploaded(other.client, gif())
    const sent = await me.client.post(`/api/dialogs/${other.user.id}/messages`, { text: 'hi', attachment_id: mine.id })
    expect(sent.status, JSON.stringify(sent.body)).toBe(201)
    expect(sent.body.data.message).toMatchObject({ recipient_id: other.user.id, text: 'hi', attachment: mine })
    expectError(await me.client.post(`/api/dialogs/${other.user.id}/messages`, { attachment_id: theirs.id }), 400, 'invalid_request')
    const history = await other.client.get(`/api/dialogs/${me.user.id}/messages`)
    expect(history.body.data.items.map((m: any) => m.attachment)).toEqual([mine])
  })
})

describe('API description', () => {
  it('/api/openapi.json describes the upload as multipart with a file field', async () => {
    const doc = (await server.client().get('/api/openapi.json')).body
    const body = doc.paths['/api/uploads'].post.requestBody
    expect(Object.keys(body.content)).toEqual(['multipart/form-data'])
    expect(body.content['multipart/form-data'].schema.properties).toHaveProperty('file')
    expect(doc.components.schemas.Attachment.required).toEqual(expect.arrayContaining(['id', 'url', 'content_type', 'size', 'name', 'is_image']))
  })
})

describe('UPLOAD_DIR', () => {
  it('keeps uploads in UPLOAD_DIR instead of DATA_DIR/uploads, and serves them from there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-shared-uploads-'))
    const elsewhere = await startTestServer({ UPLOAD_DIR: dir })
    try {
      const { client } = await guest(elsewhere)
      const up = await uploaded(client, png())
      expect(readdirSync(dir)).toEqual([up.url.split('/').at(-1)])
      expect(existsSync(join(elsewhere.dataDir, 'uploads'))).toBe(false)
      const res = await client.get(up.url)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('image/png')
    } finally {
      await elsewhere.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
