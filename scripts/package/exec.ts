// Running the build's tools and hashing its inputs.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

/** Runs a tool, its output kept; on failure throws with the output's last lines, which say why. */
export function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, { ...opts, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
  if (result.error) throw new Error(`${command}: ${result.error.message}`)
  if (result.status !== 0) {
    const tail = output.trimEnd().split('\n').slice(-30).join('\n')
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal}):\n${tail}`)
  }
  return output
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export function sha256File(file: string): string {
  return sha256(readFileSync(file))
}

/** The version field of a package.json. */
export function versionOf(packageJson: string): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version
}
