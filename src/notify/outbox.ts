import { randomBytes } from 'node:crypto'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Clock } from '../clock.js'
import type { Email, Sms } from './types.js'

type OutboxEntry = ({ channel: 'email' } & Email) | ({ channel: 'sms' } & Sms)

/** Writes each outgoing email or SMS as one JSON file, so a self-hoster or a test can read it. */
export class Outbox {
  constructor(
    private readonly dir: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async write(entry: OutboxEntry): Promise<void> {
    // Emails hold sign-in links and codes: the folder is the owner's alone, as each file is.
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    const createdAt = new Date(this.clock.now()).toISOString()
    // Time first so a directory listing sorts oldest first; random tail so names never collide.
    const name = `${createdAt.replace(/[:.]/g, '-')}-${entry.channel}-${randomBytes(4).toString('hex')}.json`
    // Written aside, then renamed: a reader never sees a half-written .json file.
    const partial = join(this.dir, `.${name}.partial`)
    await writeFile(partial, JSON.stringify({ ...entry, created_at: createdAt }, null, 2) + '\n', { mode: 0o600 })
    await rename(partial, join(this.dir, name))
    this.log.info({ channel: entry.channel, to: entry.to, file: name }, 'outbox: message written')
  }
}
