// For tests of the CLI: temp folders removed after the file's tests, and a CliIo that keeps lines.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import type { CliIo } from '../../src/cli.js'

/** A function making fresh temp folders named `prefix…`, all removed after the test file. */
export function tempDirs(prefix: string): () => string {
  const made: string[] = []
  afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })))
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    made.push(dir)
    return dir
  }
}

/** A CliIo keeping what the command printed, line by line. */
export function bufferIo() {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = { out: (l) => void out.push(l), err: (l) => void err.push(l) }
  return { io, out, err }
}
