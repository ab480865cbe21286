// JSON bodies are read from the socket with a running count: the 64 KiB cap holds without a
// Content-Length too (chunked uploads), and nothing is stored.
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest } from './helpers/users.js'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server.close())

/** POSTs a body in chunks with Transfer-Encoding: chunked (no Content-Length). */
function postChunked(path: string, cookie: string, chunks: string[]): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.url + path)
    const req = request(
      { host: url.hostname, port: url.port, path, method: 'POST', headers: { 'content-type': 'application/json', cookie, 'transfer-encoding': 'chunked' } },
      (res) => {
        let text = ''
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }))
      },
    )
    req.on('error', reject)
    for (const c of chunks) req.write(c)
    req.end()
  })
}

describe('JSON bodies', () => {
  it('a chunked body over 64 KiB is 413 and changes nothing', async () => {
    const { client } = await guest(server)
    const cookie = `parley_session=${client.cookies.get('parley_session')}`
    const sent = await postChunked('/api/rooms', cookie, ['{"name":"', 'y'.repeat(40 * 1024), 'z'.repeat(30 * 1024), '"}'])
    expectError(sent, 413, 'payload_too_large')
    expect((await client.get('/api/rooms?q=yyyy')).body.data.total).toBe(0)
  })
  it('a chunked body under the cap is read whole', async () => {
    const { client } = await guest(server)
    const cookie = `parley_session=${client.cookies.get('parley_session')}`
    const res = await postChunked('/api/rooms', cookie, ['{"name":', '"chunked room"}'])
    expect(res.status).toBe(201)
    expect(res.body.data.room.name).toBe('chunked room')
  })
  it('malformed JSON is 400 with the body named in details', async () => {
    const { client } = await guest(server)
    const res = await client.request('POST', '/api/rooms', undefined, { headers: { 'content-type': 'application/json' }, raw: '{"name": ' })
    expectError(res, 400, 'invalid_request')
    expect(res.body.error.details[0].path).toBe('body')
  })
})
