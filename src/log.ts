import { pino, type Logger } from 'pino'
import type { Config } from './config.js'

/** Structured JSON logs on stdout. Secrets are redacted by path, stack traces never logged. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'parley' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['password', '*.password', 'token', '*.token', 'code', '*.code', 'cookie', '*.cookie'], censor: '[redacted]' },
      serializers: { err: (e: unknown) => (e instanceof Error ? { type: e.name, message: e.message } : { message: String(e) }) },
    },
    destination ?? process.stdout,
  )
}
