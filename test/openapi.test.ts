// /api/openapi.json: a valid OpenAPI 3.1 document (checked by a maintained validator), exact about
// statuses, answers, errors, events and limits. That every answer the suite receives matches it
// is checked by the test client itself (helpers/answers.ts); the last test here shows that check
// failing on an answer the document does not describe.
import { Validator } from '@seriousme/openapi-schema-validator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.js'
import { ERROR_STATUS } from '../src/errors.js'
import { EVENT_TYPES } from '../src/events/types.js'
import { MAX_TEXT } from '../src/messages/messages.js'
import { buildOpenApi } from '../src/openapi.js'
import { Checker } from './helpers/answers.js'
import { startTestServer, type TestServer } from './helpers/server.js'

let server: TestServer
let doc: any
beforeAll(async () => {
  server = await startTestServer()
  doc = (await server.client().get('/api/openapi.json')).body
})
afterAll(() => server.close())

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })))

describe('/api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document for @seriousme/openapi-schema-validator, every $ref resolving', async () => {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(doc))
    expect(result.errors ?? [], JSON.stringify(result.errors)).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
    expect(() => validator.resolveRefs()).not.toThrow()
    // 60 s: the validator compiles the OpenAPI 3.1 schema first, seconds on a loaded box.
  }, 60_000)

  it('gives each route its own success statuses: 201 for creation, 204 with no body, 202 when accepted', () => {
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses).filter((s) => Number(s) < 300)
    expect(statuses('/api/rooms', 'post')).toEqual(['201'])
    expect(statuses('/api/rooms/{id}/messages', 'post').sort()).toEqual(['200', '201'])
    expect(statuses('/api/rooms/{id}/leave', 'post')).toEqual(['204'])
    expect(doc.paths['/api/rooms/{id}/leave'].post.responses['204'].content).toBeUndefined()
    expect(statuses('/api/invites', 'post')).toEqual(['202'])
    expect(statuses('/api/auth/verify-email', 'get').sort()).toEqual(['200'])
    expect(Object.keys(doc.paths['/api/auth/verify-email'].get.responses)).toContain('303')
    expect(doc.paths['/api/rooms'].post.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/RoomAnswer' })
  })

  it('documents every error answer with the error schema and the codes of its status', () => {
    for (const { path, method, op } of operations()) {
      const errors = Object.entries(op.responses as Record<string, any>).filter(([s]) => Number(s) >= 400)
      expect(errors.map(([s]) => s), `${method} ${path}`).toContain('500')
      for (const [status, response] of errors) {
        const schema = response.content['application/json'].schema
        expect(schema.$ref).toBe('#/components/schemas/Error')
        for (const code of schema.properties.error.properties.code.enum) expect(ERROR_STATUS[code as keyof typeof ERROR_STATUS], `${method} ${path} ${code}`).toBe(Number(status))
      }
    }
    const send = doc.paths['/api/rooms/{id}/messages'].post.responses
    expect(send['403'].content['application/json'].schema.properties.error.properties.code.enum).toEqual(expect.arrayContaining(['not_member', 'banned', 'silenced', 'csrf_rejected']))
    expect(send['429'].headers['Retry-After']).toBeDefined()
    expect(doc.paths['/api/auth/login'].post.responses['401'].content['application/json'].schema.properties.error.properties.code.enum).toContain('invalid_credentials')
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message'])
  })

  it('states limits as the server enforces them: message text at most 4000 characters', () => {
    const text = doc.paths['/api/rooms/{id}/messages'].post.requestBody.content['application/json'].schema.properties.text
    expect(text.maxLength).toBe(MAX_TEXT)
    expect(doc.paths['/api/dialogs/{user_id}/messages'].post.requestBody.content['application/json'].schema.properties.text.maxLength).toBe(4000)
    expect(doc.components.schemas.Message.properties.text.anyOf ?? [doc.components.schemas.Message.properties.text]).toEqual(
      expect.arrayContaining([expect.objectContaining({ maxLength: 4000 })]),
    )
    const timeout = doc.paths['/api/poll'].get.parameters.find((p: { name: string }) => p.name === 'timeout')
    expect(timeout.schema).toMatchObject({ minimum: 0, maximum: 55, default: 25 })
  })

  it('describes the event union by type, one schema per event type, and GET /poll as GET /api/poll', () => {
    const events = doc.components.schemas.Event
    expect(events.discriminator.propertyName).toBe('type')
    expect(Object.keys(events.discriminator.mapping).sort()).toEqual([...EVENT_TYPES].sort())
    expect(doc.components.schemas['Event.message.created'].properties.data.properties.message).toEqual({ $ref: '#/components/schemas/Message' })
    expect(doc.components.schemas.PollAnswer.properties.data.properties.events.items).toEqual({ $ref: '#/components/schemas/Event' })
    expect(doc.paths['/poll'].get.responses).toEqual(doc.paths['/api/poll'].get.responses)
    expect(doc.paths['/poll'].get.parameters).toEqual(doc.paths['/api/poll'].get.parameters)
  })

  it('has the session cookie as its security scheme; sign-in routes need none', () => {
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'parley_session' })
    expect(doc.security).toEqual([{ session: [] }])
    expect(doc.paths['/api/auth/login'].post.security).toEqual([])
    expect(doc.paths['/api/me'].get.security).toBeUndefined()
    expect(Object.keys(doc.paths['/api/me'].get.responses)).toContain('401')
  })

  it('is built from the app’s own routes: a route missing from src/openapi/routes.ts is named, not left out', () => {
    const { app } = createApp(server.deps)
    expect(() => buildOpenApi(app, '0')).not.toThrow()
    app.get('/api/unlisted', (c) => c.json({ data: {} }))
    expect(() => buildOpenApi(app, '0')).toThrow('route GET /api/unlisted is not documented in src/openapi/routes.ts')
  })

  it('the answer check refuses what the document does not say: an unknown status, a wrong field, an undocumented code', () => {
    const checker = new Checker(doc)
    const room = { id: 1, name: 'Lobby', topic: null, is_private: false, max_users: 255, admin_id: 1, member_count: 1, created_at: '2026-01-01T00:00:00.000Z', last_activity_at: '2026-01-01T00:00:00.000Z', joined: true }
    const json = 'application/json'
    expect(checker.problem('POST', '/api/rooms', 201, json, JSON.stringify({ data: { room } }))).toBeUndefined()
    expect(checker.problem('POST', '/api/rooms', 200, json, JSON.stringify({ data: { room } }))).toMatch(/status 200 is not documented/)
    expect(checker.problem('POST', '/api/rooms', 201, json, JSON.stringify({ data: { room: { ...room, colour: 'red' } } }))).toMatch(/does not match/)
    expect(checker.problem('POST', '/api/rooms', 201, json, JSON.stringify({ data: { room: { ...room, max_users: 20_000 } } }))).toMatch(/does not match/)
    expect(checker.problem('POST', '/api/rooms', 409, json, JSON.stringify({ error: { code: 'room_full', message: 'x' } }))).toMatch(/status 409 is not documented/)
    expect(checker.problem('POST', '/api/rooms/1/join', 409, json, JSON.stringify({ error: { code: 'room_full', message: 'x' } }))).toBeUndefined()
    expect(checker.problem('POST', '/api/rooms/1/join', 409, json, JSON.stringify({ error: { code: 'nonce_used', message: 'x' } }))).toMatch(/does not match/)
    expect(checker.problem('POST', '/api/rooms/1/leave', 204, null, 'surprise')).toMatch(/without a body/)
    const badEvent = { data: { events: [{ id: '1', type: 'room.deleted', at: '2026-01-01T00:00:00.000Z', data: { room: 1 } }], cursor: 'c' } }
    expect(checker.problem('GET', '/poll?cursor=x', 200, json, JSON.stringify(badEvent))).toMatch(/does not match/)
  }, 60_000)
})
