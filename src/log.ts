import { pino, type Logger } from 'pino'
import type { Config } from './config.js'

type Destination = NodeJS.WritableStream & { isTTY?: boolean }

/**
 * Logs on stdout: human-readable lines (pino's pretty printer) on a terminal, JSON lines
 * otherwise (a file, a pipe, journald), or as LOG_FORMAT says. Secrets are redacted by path,
 * stack traces never logged.
 */
export async function createLogger(config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'logFormat'>>, destination: Destination = process.stdout): Promise<Logger> {
  const format = config.logFormat ?? 'auto'
  const human = format === 'pretty' || (format === 'auto' && destination.isTTY === true)
  const options = {
    level: config.logLevel,
    base: { service: 'parley' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['password', '*.password', 'token', '*.token', 'code', '*.code', 'cookie', '*.cookie'], censor: '[redacted]' },
    serializers: { err: (e: unknown) => (e instanceof Error ? { type: e.name, message: e.message } : { message: String(e) }) },
  }
  if (!human) return pino(options, destination)
  // Loaded only for a terminal (~0.1 s of start-up otherwise spent for nothing). In this thread,
  // written synchronously: no worker, as the one-file build bundles everything.
  const { default: pretty } = await import('pino-pretty')
  const stream = pretty({ destination, sync: true, colorize: destination.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' })
  return pino(options, stream)
}
