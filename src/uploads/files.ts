// Serving stored uploads at /files/<stored name> with their true type. Names are random, so a
// file's URL is its capability; anything not exactly such a name is 404 before the disk is touched.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { fileUrl } from './urls.js'
import type { AppDeps } from '../deps.js'
import type { Q } from '../db/schema.js'
import { notFound } from '../errors.js'
import { isImageType } from './uploads.js'

// 24 base64url characters (18 random bytes) and one of the extensions we write.
const STORED_NAME = /^[A-Za-z0-9_-]{24}\.(png|jpg|gif|webp|bin)$/

/**
 * `shared`: whether shared caches (proxies, CDNs) may keep the file, or only the reader's browser.
 * `download`: the name to offer it under when it is not an image (it is never shown inline).
 */
export type StoredFile = { contentType: string; size: number; shared: boolean; download: string | null; open: () => Readable }

export async function findStoredFile(deps: AppDeps, name: string): Promise<StoredFile> {
  if (!STORED_NAME.test(name)) throw notFound('file')
  const row = await deps.db.selectFrom('uploads').select(['id', 'content_type', 'name']).where('stored_name', '=', name).executeTakeFirst()
  if (!row) throw notFound('file')
  const path = join(deps.config.uploadDir, name)
  const info = await stat(path).catch(() => null)
  if (!info?.isFile()) throw notFound('file')
  const download = isImageType(row.content_type) ? null : (row.name ?? 'file')
  return { contentType: row.content_type, size: info.size, shared: await shownToAnyone(deps.db, row.id, name), download, open: () => createReadStream(path) }
}

/**
 * API.md §13: a file attached in a private room or a direct message is private. Shared caches
 * may keep only what anyone may see: someone's photo, or attachments of public rooms alone. A
 * file not shown anywhere yet is private too (it may be on its way into a dialog).
 */
async function shownToAnyone(db: Q, uploadId: number, name: string): Promise<boolean> {
  const uses = await db
    .selectFrom('messages')
    .leftJoin('rooms', 'rooms.id', 'messages.room_id')
    .select((eb) => eb.fn.max(eb.case().when('messages.room_id', 'is', null).then(1).when('rooms.password_hash', 'is not', null).then(1).else(0).end()).as('private'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('messages.attachment_id', '=', uploadId)
    .executeTakeFirstOrThrow()
  if (Number(uses.private) === 1) return false
  if (Number(uses.n) > 0) return true
  const photo = await db.selectFrom('users').select('id').where('photo_path', '=', fileUrl(name)).executeTakeFirst()
  return photo !== undefined
}
