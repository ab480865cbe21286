// `parley backup <file>` beside a server under write load, then `parley restore <file>` with the
// server stopped: every message acknowledged before the backup began is back, what the copy holds
// is a prefix of what was acknowledged (one moment, no gaps), and an event cursor taken before the
// backup goes on delivering exactly those messages, in order.
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diskRuntime } from '../src/assets.js'
import { runCli } from '../src/cli.js'
import { spawnParley } from './helpers/child-server.js'
import { bufferIo, tempDirs } from './helpers/cli.js'
import type { Client } from './helpers/client.js'
import { cursorOf, type Ev } from './helpers/events.js'
import { join as joinRoom, makeRoom } from './helpers/rooms.js'
import { startTestServer, type TestServer } from './helpers/server.js'
import { expectError, guest } from './helpers/users.js'

const runtime = diskRuntime()
const SECRET = 'test-secret-key-that-is-long-enough-0123456789'
const tempDir = tempDirs('parley-backup-')

/** Every message of a room, oldest first, through the history pages (newest page first, then older ones). */
async function history(client: Client, roomId: number): Promise<{ id: number; kind: string }[]> {
  let all: { id: number; kind: string }[] = []
  for (let before: number | undefined; ; ) {
    const res = await client.get(`/api/rooms/${roomId}/messages?limit=200${before ? `&before=${before}` : ''}`)
    expect(res.status).toBe(200)
    all = [...res.body.data.items, ...all]
    if (!res.body.data.has_more) return all
    before = all[0]!.id
  }
}

/** Polls from the cursor until nothing is left, every event once. */
async function drain(client: Client, cursor: string): Promise<Ev[]> {
  const events: Ev[] = []
  for (;;) {
    const res = await client.get(`/api/poll?cursor=${cursor}&timeout=0`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    events.push(...res.body.data.events)
    cursor = res.body.data.cursor
    if (res.body.data.events.length === 0) return events
  }
}

describe('parley backup and restore', () => {
  it('backs up while the server takes writes, restores with it stopped: acknowledged messages and event cursors intact', async () => {
    // SQLite in the Postgres run too: backup and restore copy the SQLite file (with PostgreSQL, pg_dump).
    let server: TestServer = await startTestServer({ SEND_RATE_LIMIT: '0', DATABASE_URL: '' })
    const { dataDir } = server
    const env = { DATA_DIR: dataDir, SECRET_KEY: SECRET }
    try {
      const reader = await guest(server)
      const room = await makeRoom(reader.client)
      const writers = await Promise.all([0, 1, 2, 3].map(() => guest(server)))
      for (const w of writers) await joinRoom(w.client, room.id)
      const cursor = await cursorOf(reader.client)

      // Four writers send until told to stop; each acknowledged message is recorded.
      const acked: number[] = []
      let stop = false
      const loops = writers.map(async (w, n) => {
        for (let i = 0; !stop; i++) {
          const res = await w.client.post(`/api/rooms/${room.id}/messages`, { text: `w${n} #${i}`, client_id: `w${n}-${i}` })
          expect(res.status).toBe(201)
          acked.push(res.body.data.message.id)
          await new Promise((r) => setTimeout(r, 20))
        }
      })
      while (acked.length < 40) await new Promise((r) => setTimeout(r, 20))

      // The backup, by its own process, beside the server that holds the DATA_DIR lock.
      const ackedBefore = [...acked]
      const file = join(tempDir(), 'parley-backup.db')
      const backup = spawnParley(['backup', file], env)
      expect(await backup.exited, backup.output()).toBe(0)
      expect(backup.output()).toContain(`to ${file}`)
      expect(statSync(file).mode & 0o777).toBe(0o600)
      const lateCursor = await cursorOf(reader.client)
      const countAtEnd = acked.length
      while (acked.length < countAtEnd + 20) await new Promise((r) => setTimeout(r, 20))
      stop = true
      await Promise.all(loops)
      const newest = await cursorOf(reader.client)

      // Restore refuses while the server runs, and changes nothing.
      await expect(runCli(['restore', file], env, bufferIo().io, runtime)).rejects.toThrow(/a Parley server is running on DATA_DIR .*; stop it before restoring/)
      await server.stop()
      const io = bufferIo()
      expect(await runCli(['restore', file], env, io.io, runtime)).toEqual({ code: 0 })
      expect(io.out[0]).toMatch(/^restored .* the database it replaced is kept as .*parley\.db\.before-restore-/)
      // The same port, so the clients (and their cookie jars) carry on.
      server = await startTestServer({ SEND_RATE_LIMIT: '0', DATABASE_URL: '', PORT: String(server.port) }, { dataDir, clock: server.clock })

      // Everything acknowledged before the backup began is back; the copy is one moment: the
      // acknowledged messages up to its newest, none missing.
      const restored = (await history(reader.client, room.id)).filter((m) => m.kind === 'user').map((m) => m.id)
      for (const id of ackedBefore) expect(restored).toContain(id)
      const newestRestored = Math.max(...restored)
      expect(restored).toEqual(acked.filter((id) => id <= newestRestored).sort((a, b) => a - b))
      expect(restored.length).toBeLessThan(acked.length)

      // The cursor from before the backup delivers exactly the restored messages, in order, once.
      const events = await drain(reader.client, cursor)
      const created = events.filter((e) => e.type === 'message.created' && e.data.message.kind === 'user').map((e) => e.data.message.id)
      expect(created).toEqual(restored)
      // A cursor from after the copy was made points past the restored log: 410, reload.
      expectError(await reader.client.get(`/api/poll?cursor=${newest}&timeout=0`), 410, 'cursor_expired')
      expect(lateCursor).toBeTruthy()
      // And the restored server takes new writes after the restored ones.
      const more = await writers[0]!.client.post(`/api/rooms/${room.id}/messages`, { text: 'after the restore' })
      expect(more.status).toBe(201)
      expect(more.body.data.message.id).toBeGreaterThan(newestRestored)
    } finally {
      await server.close()
    }
  }, 120_000)

  it('restore refuses a file that is not a sound Parley database, and changes nothing', async () => {
    const dataDir = tempDir()
    const env = { DATA_DIR: dataDir, SECRET_KEY: SECRET }
    expect(await runCli(['migrate'], env, bufferIo().io, runtime)).toEqual({ code: 0 })
    const before = readdirSync(dataDir).sort()
    const size = statSync(join(dataDir, 'parley.db')).size
    const junk = join(tempDir(), 'junk.db')
    writeFileSync(junk, 'this is not a database, only some text that is long enough to look like one'.repeat(100))
    await expect(runCli(['restore', junk], env, bufferIo().io, runtime)).rejects.toThrow(/cannot be restored: not a database/)
    await expect(runCli(['restore', join(dataDir, 'missing.db')], env, bufferIo().io, runtime)).rejects.toThrow(/no such file/)
    // A SQLite file that is not Parley's.
    const other = join(tempDir(), 'other.db')
    const SQLite = (await import('better-sqlite3')).default
    const db = new SQLite(other)
    db.exec('create table t (x)')
    db.close()
    await expect(runCli(['restore', other], env, bufferIo().io, runtime)).rejects.toThrow(/not a Parley database/)
    // Only the lock file restore takes appears; the database is as it was.
    expect(readdirSync(dataDir).filter((f) => f !== 'parley.lock').sort()).toEqual(before)
    expect(statSync(join(dataDir, 'parley.db')).size).toBe(size)
  })

  it('backup without a database says so; both commands need exactly one file', async () => {
    const dataDir = tempDir()
    const env = { DATA_DIR: dataDir, SECRET_KEY: SECRET }
    await expect(runCli(['backup', join(dataDir, 'x.db')], env, bufferIo().io, runtime)).rejects.toThrow(/no database at .*parley\.db: nothing to back up/)
    expect(existsSync(join(dataDir, 'parley.db'))).toBe(false)
    for (const argv of [['backup'], ['restore'], ['backup', 'a', 'b']]) {
      const io = bufferIo()
      expect(await runCli(argv, env, io.io, runtime)).toEqual({ code: 2 })
    }
  })
})
