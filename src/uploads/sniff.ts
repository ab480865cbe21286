// Image types told by their bytes, never by name or header: a signature at the start and the
// format's own end marker, so neither a truncated image nor a disguised file is taken for an image
// (API.md §16: either is kept as a file, served only as a download).

export type ImageType = { contentType: string; ext: string }

const PNG = { contentType: 'image/png', ext: 'png' } as const
const JPEG = { contentType: 'image/jpeg', ext: 'jpg' } as const
const GIF = { contentType: 'image/gif', ext: 'gif' } as const
const WEBP = { contentType: 'image/webp', ext: 'webp' } as const

/** Extension → content type of every type we store (for serving by stored name). */
export const CONTENT_TYPES: Readonly<Record<string, string>> = { png: PNG.contentType, jpg: JPEG.contentType, gif: GIF.contentType, webp: WEBP.contentType }

// 16 bytes decide the type; 32 trailing bytes hold every end marker (with JPEG's zero padding).
export const HEAD_BYTES = 16
const TAIL_BYTES = 32

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
// A zero-length IEND chunk with its CRC: the last 12 bytes of every complete PNG.
const PNG_IEND = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82])
const ascii = (b: Buffer, start: number, end: number) => b.subarray(start, end).toString('latin1')

/** The type the first bytes claim, or null; `head` may be shorter than HEAD_BYTES only at end of file. */
export function typeFromHead(head: Buffer): ImageType | null {
  if (head.length >= 16 && head.subarray(0, 8).equals(PNG_SIGNATURE) && ascii(head, 12, 16) === 'IHDR') return PNG
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return JPEG
  if (head.length >= 6 && (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a')) return GIF
  if (head.length >= 16 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP' && ['VP8 ', 'VP8L', 'VP8X'].includes(ascii(head, 12, 16))) return WEBP
  return null
}

/** Whether the file is complete for its type: its end marker is there (or, for WebP, its RIFF size adds up). */
function complete(type: ImageType, head: Buffer, tail: Buffer, size: number): boolean {
  switch (type.ext) {
    case 'png':
      return size >= 8 + 25 + 12 && tail.subarray(-12).equals(PNG_IEND)
    case 'jpg': {
      // Some encoders pad after the end-of-image marker with zero bytes; nothing else may follow it.
      let end = tail.length
      while (end > 0 && tail[end - 1] === 0x00) end--
      return size >= 4 && end >= 2 && tail[end - 2] === 0xff && tail[end - 1] === 0xd9
    }
    case 'gif':
      return size >= 14 && tail[tail.length - 1] === 0x3b
    default:
      return size >= 20 && head.readUInt32LE(4) + 8 === size
  }
}

/** Fed the bytes of one file as they stream; at the end, says which image type they are, if any. */
export class ImageSniffer {
  private head = Buffer.alloc(0)
  private tail = Buffer.alloc(0)
  size = 0

  push(chunk: Buffer): void {
    this.size += chunk.length
    if (this.head.length < HEAD_BYTES) this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)])
    this.tail = chunk.length >= TAIL_BYTES ? Buffer.from(chunk.subarray(-TAIL_BYTES)) : Buffer.concat([this.tail, chunk]).subarray(-TAIL_BYTES)
  }

  /** At end of file: the type, or null when unknown or truncated. */
  result(): ImageType | null {
    const type = typeFromHead(this.head)
    return type && complete(type, this.head, this.tail, this.size) ? type : null
  }
}
