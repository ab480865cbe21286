// The CLI and logs as an operator meets them: clear messages for a bad PORT or a missing config
// file, human-readable logs on a terminal and JSON otherwise, the generated-key warning once, and
// where the outbox is when no mail provider is set.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { diskRuntime } from '../src/assets.js'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/log.js'
import { startServer } from '../src/main.js'
import { spawnParley } from './helpers/child-server.js'
import { tempDirs } from './helpers/cli.js'

const runtime = diskRuntime()
const tempDir = tempDirs('parley-cli-')

/** A stream that keeps what is written, optionally claiming to be a terminal. */
function sink(isTTY: boolean) {
  const chunks: string[] = []
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString())
        cb()
      },
    }),
    { isTTY },
  )
  return { stream, text: () => chunks.join('') }
}

describe('configuration errors', () => {
  it('PORT that is not a whole number from 1 to 65535 says so in those words', () => {
    const dir = tempDir()
    for (const PORT of ['abc', '70000', '1.5', '-1', '80x']) {
      expect(() => loadConfig({ DATA_DIR: dir, PORT }), PORT).toThrow(/^invalid configuration: PORT must be a whole number from 1 to 65535$/)
    }
    expect(loadConfig({ DATA_DIR: dir, PORT: '8081' }).port).toBe(8081)
  })

  it('a config file that cannot be read is named with the reason', () => {
    const dir = tempDir()
    expect(() => loadConfig({ DATA_DIR: dir }, ['--config', join(dir, 'nope.toml')])).toThrow(`cannot read config file ${join(dir, 'nope.toml')}: no such file`)
    mkdirSync(join(dir, 'folder.toml'))
    expect(() => loadConfig({ DATA_DIR: dir }, ['--config', join(dir, 'folder.toml')])).toThrow(`cannot read config file ${join(dir, 'folder.toml')}: it is a directory`)
  })

  it('the executable prints the PORT message as one line and exits 1 without serving', async () => {
    const dir = tempDir()
    const run = spawnParley(['serve'], { DATA_DIR: dir, PORT: 'abc' })
    expect(await run.exited).toBe(1)
    expect(run.output().trim()).toBe('parley: invalid configuration: PORT must be a whole number from 1 to 65535')
  }, 60_000)
})

describe('log format', () => {
  it('on a terminal, log lines are human-readable (pino-pretty); elsewhere they are JSON', async () => {
    const tty = sink(true)
    ;(await createLogger({ logLevel: 'info' }, tty.stream)).info({ url: 'http://x' }, 'parley listening')
    expect(tty.text()).toMatch(/INFO.*parley listening/)
    expect(() => JSON.parse(tty.text())).toThrow()

    const pipe = sink(false)
    ;(await createLogger({ logLevel: 'info' }, pipe.stream)).info({ url: 'http://x' }, 'parley listening')
    expect(JSON.parse(pipe.text())).toMatchObject({ level: 30, msg: 'parley listening', url: 'http://x', service: 'parley' })
  })

  it('LOG_FORMAT chooses either way, and pretty lines still redact secrets', async () => {
    const tty = sink(true)
    ;(await createLogger(loadConfig({ DATA_DIR: tempDir(), SECRET_KEY: 'x'.repeat(40), LOG_FORMAT: 'json' }), tty.stream)).info('hello')
    expect(JSON.parse(tty.text()).msg).toBe('hello')
    const pipe = sink(false)
    ;(await createLogger(loadConfig({ DATA_DIR: tempDir(), SECRET_KEY: 'x'.repeat(40), LOG_FORMAT: 'pretty' }), pipe.stream)).info({ password: 'hunter22' }, 'signed in')
    expect(pipe.text()).toMatch(/INFO.*signed in/)
    expect(pipe.text()).not.toContain('hunter22')
    expect(() => loadConfig({ DATA_DIR: tempDir(), LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/)
  })
})

describe('start-up messages', () => {
  const start = async (env: Record<string, string>) => {
    const out = sink(false)
    const running = await startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', PASSWORD_HASH_COST: '10', ...env }), {
      runtime,
      log: pino({ level: 'info' }, out.stream),
    })
    await running.stop()
    return out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; level: number; outbox?: string })
  }

  it('the generated SECRET_KEY is announced when it is generated, not on every start', async () => {
    const dir = tempDir()
    const first = await start({ DATA_DIR: dir })
    expect(first.filter((l) => l.msg.startsWith('SECRET_KEY not set'))).toEqual([expect.objectContaining({ level: 40 })])
    const second = await start({ DATA_DIR: dir })
    expect(second.filter((l) => l.msg.includes('SECRET_KEY'))).toEqual([])
  })

  it('without a mail or SMS provider the log says where the outbox is; with both, it says nothing of one', async () => {
    const dir = tempDir()
    const lines = await start({ DATA_DIR: dir, SECRET_KEY: 'x'.repeat(40) })
    const outbox = lines.filter((l) => l.outbox !== undefined)
    expect(outbox).toHaveLength(1)
    expect(outbox[0]!.outbox).toBe(join(dir, 'outbox'))
    expect(outbox[0]!.msg).toBe(`emails and SMS are written to ${join(dir, 'outbox')} (no mail or SMS provider is set: SENDGRID_KEY, TWILIO_*)`)
    const providers = { SENDGRID_KEY: 'SG.x', TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15005550006' }
    expect((await start({ DATA_DIR: tempDir(), SECRET_KEY: 'x'.repeat(40), ...providers })).filter((l) => l.outbox !== undefined)).toEqual([])
  })
})
