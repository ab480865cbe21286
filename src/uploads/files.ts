// Serving stored uploads at /files/<stored name> with their true type. Names are random, so a
// file's URL is its capability; anything not exactly such a name is 404 before the disk is touched.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import type { AppDeps } from '../deps.js'
import { notFound } from '../errors.js'
import { uploadDir } from './uploads.js'

// 24 base64url characters (18 random bytes) and one of the extensions we write.
const STORED_NAME = /^[A-Za-z0-9_-]{24}\.(png|jpg|gif|webp)$/

export type StoredFile = { contentType: string; size: number; open: () => Readable }

export async function findStoredFile(deps: AppDeps, name: string): Promise<StoredFile> {
  if (!STORED_NAME.test(name)) throw notFound('file')
  const row = await deps.db.selectFrom('uploads').select('content_type').where('stored_name', '=', name).executeTakeFirst()
  if (!row) throw notFound('file')
  const path = join(uploadDir(deps.config), name)
  const info = await stat(path).catch(() => null)
  if (!info?.isFile()) throw notFound('file')
  return { contentType: row.content_type, size: info.size, open: () => createReadStream(path) }
}
