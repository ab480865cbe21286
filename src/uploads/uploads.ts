// Receiving an upload: multipart streamed straight to disk, the type told by the bytes, the size
// limit enforced while streaming. API.md §8, §16: PNG, JPEG, GIF and WebP (complete, by their
// bytes) are images; anything else is a file, kept with its sanitized name and only ever served
// as a download. Nothing is ever held in memory beyond a few chunks.
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import busboy from 'busboy'
import type { AppDeps } from '../deps.js'
import { ApiError } from '../errors.js'
import type { UploadRow } from '../db/schema.js'
import { fileUrl } from './urls.js'
import { sanitizeFileName } from './file-name.js'
import { CONTENT_TYPES, ImageSniffer } from './sniff.js'

// 64 KiB: room for the multipart boundaries and part headers around the file itself.
const MULTIPART_SLACK = 64 * 1024
// The stored name's extension of a file that is not an image: nothing a server would run or render.
export const FILE_EXT = 'bin'
// 30 a minute per user: far above a person sharing pictures, low enough to slow a disk-filler.
const UPLOADS_PER_MINUTE = 30

export interface Upload {
  id: number
  url: string
  content_type: string
  size: number
  /** The sanitized original name (null for uploads made before names were kept). */
  name: string | null
  is_image: boolean
}

/** The type every file that is not an image is stored and served as. */
export const DOWNLOAD_TYPE = 'application/octet-stream'
const IMAGE_TYPES = new Set(Object.values(CONTENT_TYPES))
export const isImageType = (contentType: string) => IMAGE_TYPES.has(contentType)

export const toUpload = (row: Pick<UploadRow, 'id' | 'stored_name' | 'content_type' | 'size' | 'name'>): Upload => ({
  id: row.id,
  url: fileUrl(row.stored_name),
  content_type: row.content_type,
  size: row.size,
  name: row.name,
  is_image: isImageType(row.content_type),
})

export type IncomingUpload = { contentType: string | undefined; contentLength: string | undefined; body: Readable | null }

type Stored = { storedName: string; contentType: string; size: number; name: string }

const tooLarge = (max: number) => new ApiError('payload_too_large', `The file is over the limit of ${max} bytes.`, { max_bytes: max })
const badForm = (message: string) => new ApiError('invalid_request', message, [{ path: 'file', message }])

export async function receiveUpload(deps: AppDeps, userId: number, input: IncomingUpload): Promise<Upload> {
  const max = deps.config.uploadMaxBytes
  await deps.limiter.hit(`upload:${userId}`, UPLOADS_PER_MINUTE, 60_000)
  const declared = Number(input.contentLength)
  // A declared length far over the limit is refused before a byte of it is read.
  if (Number.isFinite(declared) && declared > max + MULTIPART_SLACK) throw tooLarge(max)
  if (!input.body) throw badForm('Send the file as multipart/form-data in a field named "file".')
  const dir = deps.config.uploadDir
  await mkdir(dir, { recursive: true })
  const stored = await streamToDisk(input, dir, max)
  try {
    const row = await deps.db
      .insertInto('uploads')
      .values({ owner_id: userId, stored_name: stored.storedName, content_type: stored.contentType, size: stored.size, name: stored.name, created_at: deps.clock.now() })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toUpload(row)
  } catch (err) {
    await rm(join(dir, stored.storedName), { force: true })
    throw err
  }
}

const ignore = () => {}

/** Parses the multipart body, writing the field `file` to disk; resolves once it is complete and checked. */
function streamToDisk(input: IncomingUpload, dir: string, max: number): Promise<Stored> {
  const body = input.body!
  return new Promise<Stored>((resolve, reject) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({
        headers: { 'content-type': input.contentType ?? '' },
        // File names as browsers send them: UTF-8 (busboy's default for parameters is Latin-1).
        defParamCharset: 'utf8',
        // busboy signals 'limit' on reaching fileSize, so one byte more means "over max".
        limits: { files: 1, fileSize: max + 1, fields: 10, fieldSize: 1024, parts: 12, headerPairs: 20 },
      })
    } catch {
      reject(badForm('The body is not valid multipart/form-data.'))
      return
    }
    let settled = false
    let received = 0
    let file: Readable | undefined
    let writing: Promise<Stored> | undefined

    const detach = () => {
      body.off('data', count)
      body.off('error', onAborted)
      body.off('close', onClose)
      body.unpipe(parser)
    }
    // Stops reading at once; answers only after a partial file is gone, so nothing half-written stays.
    const fail = (err: unknown) => {
      if (settled) return
      settled = true
      detach()
      file?.destroy(err as Error)
      parser.destroy()
      const done: Promise<Stored | undefined> = writing ?? Promise.resolve(undefined)
      done
        .then((stored) => stored && rm(join(dir, stored.storedName), { force: true }))
        .catch(() => undefined)
        .finally(() => reject(err))
    }
    const count = (chunk: Buffer) => {
      // Parts other than the file (ignored ones included) count too: the whole body is bounded.
      received += chunk.length
      if (received > max + MULTIPART_SLACK) fail(tooLarge(max))
    }
    const onAborted = () => fail(badForm('The upload was cut off.'))
    const onClose = () => {
      if (!body.readableEnded) onAborted()
    }

    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || writing || settled) {
        // A part we skip still fails when the body is cut off; the parser reports that too
        // (and fail() answers it), so the part's own error event only needs a listener.
        stream.on('error', ignore)
        stream.resume()
        return
      }
      file = stream
      writing = writeFile(stream, dir, max, sanitizeFileName(info.filename))
      writing.catch(fail)
    })
    parser.on('error', () => fail(badForm('The body is not valid multipart/form-data.')))
    parser.on('close', () => {
      if (settled) return
      if (!writing) return fail(badForm('Send the file in a field named "file".'))
      writing.then((stored) => {
        if (settled) return void rm(join(dir, stored.storedName), { force: true })
        settled = true
        detach()
        resolve(stored)
      }, fail)
    })
    body.on('data', count)
    body.on('error', onAborted)
    body.on('close', onClose)
    body.pipe(parser)
  })
}

/** One file to a temporary name, its type told as it streams; renamed to its random final name once whole. */
async function writeFile(stream: Readable, dir: string, max: number, name: string): Promise<Stored> {
  const base = randomBytes(18).toString('base64url')
  const tmp = join(dir, `${base}.part`)
  const sniffer = new ImageSniffer()
  stream.once('limit', () => stream.destroy(tooLarge(max)))
  const inspect = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sniffer.push(chunk)
      cb(null, chunk)
    },
  })
  const out = createWriteStream(tmp, { flags: 'wx', mode: 0o640 })
  try {
    await pipeline(stream, inspect, out)
  } catch (err) {
    // The open may still be under way when the pipeline fails; removing before it lands would leave the file.
    if (!out.closed) await once(out, 'close').catch(() => undefined)
    await rm(tmp, { force: true })
    throw err instanceof ApiError ? err : badForm('The upload was cut off.')
  }
  // Not a complete image (another type, or an image cut short): a file, served only as a download.
  const type = sniffer.result()
  const storedName = `${base}.${type?.ext ?? FILE_EXT}`
  await rename(tmp, join(dir, storedName))
  return { storedName, contentType: type?.contentType ?? DOWNLOAD_TYPE, size: sniffer.size, name }
}
