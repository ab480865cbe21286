// The one place that reads the environment. Everything else receives a frozen Config.
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import proxyaddr from 'proxy-addr'
import { parse as parseToml } from 'smol-toml'
import { z } from 'zod'
import { ensureWritableDir } from './data-dir.js'

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes' || v === 'on')
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))

// API.md §13: scrypt at N=2^17 or stronger.
export const MIN_PRODUCTION_HASH_COST = 17

function validProxyList(list: string[]): boolean {
  try {
    proxyaddr.compile(list)
    return true
  } catch {
    return false
  }
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const
// auto: human-readable lines on a terminal, JSON lines otherwise (a file, a pipe, journald).
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const

export const PORT_MESSAGE = 'PORT must be a whole number from 1 to 65535'
// 0 is also taken (a free port chosen by the system, as tests use); the message names real ports.
const Port = z.coerce.number({ error: PORT_MESSAGE }).int(PORT_MESSAGE).min(0, PORT_MESSAGE).max(65535, PORT_MESSAGE)

const RawConfig = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: Port.default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  // API.md §14: the Redis that several processes of one site share; absent, one process keeps it all in memory.
  EVENT_BUS: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'EVENT_BUS must be a redis:// or rediss:// URL')
    .optional(),
  // Names every key and channel of this site in that Redis, so several sites (or test runs) can share one.
  EVENT_BUS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'EVENT_BUS_PREFIX: letters, digits and : _ . - (at most 64)')
    .default('parley:'),
  // API.md §14: where uploaded files live; shared storage when processes run on several machines.
  UPLOAD_DIR: z.string().optional(),
  SECRET_KEY: z.string().min(32, 'SECRET_KEY must be at least 32 characters').optional(),
  PUBLIC_URL: z.url().optional(),
  SENDGRID_KEY: z.string().optional(),
  // Where @sendgrid/mail sends; tests point it at a local fake.
  SENDGRID_API_URL: z.url().default('https://api.sendgrid.com'),
  MAIL_FROM: z.string().default('parley@localhost'),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_FROM: z.string().optional(),
  TWILIO_API_URL: z.url().default('https://api.twilio.com'),
  OUTBOX_DIR: z.string().optional(),
  PAYMENT_SECRET: z.string().optional(),
  ROOM_CREATION: z.enum(['anyone', 'admins']).default('anyone'),
  REQUIRE_EMAIL_VERIFICATION: bool.default(true),
  ALLOWED_ORIGINS: list.default([]),
  UPLOAD_MAX_BYTES: int(1, 2 ** 40).default(10 * 1024 * 1024),
  EVENT_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(7),
  FREE_COINS_AMOUNT: int(0, 1_000_000).default(3),
  INVITE_BONUS: int(0, 1_000_000).default(1),
  SEND_RATE_LIMIT: int(0, 1_000_000).default(20),
  SIGNIN_RATE_LIMIT: int(0, 1_000_000).default(10),
  // API.md §13, each 0 = off: held polls per session and per user; seconds for a request's
  // headers and body; registrations per hour per IP; invitations per 24 h per user; rooms
  // created per hour per user.
  MAX_POLLS_PER_SESSION: int(0, 1_000_000).default(8),
  MAX_POLLS_PER_USER: int(0, 1_000_000).default(32),
  REQUEST_TIMEOUT: int(0, 3600).default(30),
  REGISTER_RATE_LIMIT: int(0, 1_000_000).default(10),
  INVITE_DAILY_LIMIT: int(0, 1_000_000).default(20),
  ROOM_CREATE_RATE_LIMIT: int(0, 1_000_000).default(10),
  // Addresses or CIDR ranges of the reverse proxies whose X-Forwarded-For is believed.
  TRUST_PROXY: list.default([]).refine(validProxyList, 'TRUST_PROXY: comma-separated IP addresses or CIDR ranges'),
  // log2 of scrypt's N. 17 (N=2^17): API.md §13's minimum, refused lower in production; tests
  // lower it explicitly, since one hash at 2^17 costs ~0.5 s of CPU and 128 MiB.
  PASSWORD_HASH_COST: int(10, 20).default(17),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_FORMAT: z.enum(LOG_FORMATS).default('auto'),
  // Bearer token for GET /metrics from a non-loopback address; without it only loopback may scrape.
  METRICS_TOKEN: z.string().min(16).optional(),
  DEV: bool.default(false),
})

export type Config = Readonly<{
  production: boolean
  dev: boolean
  port: number
  host: string
  dataDir: string
  /** The SQLite file (unused when postgresUrl is set). */
  databaseFile: string
  /** The shared Redis (API.md §14), or undefined for one process with everything in memory. */
  eventBus: { url: string; prefix: string } | undefined
  /** DATABASE_URL when it names PostgreSQL (API.md §14); undefined: SQLite. */
  postgresUrl: string | undefined
  uploadDir: string
  secretKey: string
  /** The key was generated (and written to DATA_DIR/secret.key) by this load, not read from there. */
  generatedSecret: boolean
  publicUrl: string | undefined
  sendgridKey: string | undefined
  sendgridApiUrl: string
  mailFrom: string
  twilio: { accountSid: string; authToken: string; from: string; apiUrl: string } | undefined
  outboxDir: string | undefined
  paymentSecret: string | undefined
  roomCreation: 'anyone' | 'admins'
  requireEmailVerification: boolean
  allowedOrigins: readonly string[]
  uploadMaxBytes: number
  eventRetentionDays: number
  freeCoinsAmount: number
  inviteBonus: number
  sendRateLimit: number
  signinRateLimit: number
  maxPollsPerSession: number
  maxPollsPerUser: number
  /** Seconds a request's headers and body may take to arrive (0: no limit). */
  requestTimeout: number
  registerRateLimit: number
  inviteDailyLimit: number
  roomCreateRateLimit: number
  trustProxy: readonly string[]
  /** log2 of scrypt's N for new password hashes. */
  passwordHashCost: number
  logLevel: (typeof LOG_LEVELS)[number]
  logFormat: (typeof LOG_FORMATS)[number]
  metricsToken: string | undefined
}>

export class ConfigError extends Error {}

/** Command-line flags that map onto config keys (`--config`, `--log-level`, `--dev`). */
export function parseFlags(argv: string[]): { configFile?: string; overrides: Record<string, string> } {
  const overrides: Record<string, string> = {}
  let configFile: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined]
    const value = () => inline ?? argv[++i] ?? ''
    if (flag === '--config') configFile = value()
    else if (flag === '--log-level') overrides.LOG_LEVEL = value()
    else if (flag === '--dev') overrides.DEV = 'true'
    else if (flag === '--port') overrides.PORT = value()
  }
  return configFile === undefined ? { overrides } : { configFile, overrides }
}

function readToml(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read config file ${resolve(file)}: ${fileReason(err)}`)
  }
  let parsed: Record<string, unknown>
  try {
    parsed = parseToml(text) as Record<string, unknown>
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid TOML: ${(err as Error).message.split('\n')[0]}`)
  }
  // Keys may be written as in the environment (PORT) or in lower case (port). Unlike the
  // environment, the file holds nothing else, so an unknown key is a typo worth refusing.
  const entries = Object.entries(parsed).map(([k, v]) => [k.toUpperCase(), v] as const)
  const unknown = entries.map(([k]) => k).filter((k) => !(k in RawConfig.shape))
  if (unknown.length > 0) throw new ConfigError(`config file ${file}: unknown key(s) ${unknown.join(', ')}`)
  return Object.fromEntries(entries)
}

/**
 * Builds the Config: TOML file (if any) < environment < command-line flags.
 * `env` is passed in so tests never touch process.env.
 */
export function loadConfig(env: Record<string, string | undefined>, argv: string[] = []): Config {
  const flags = parseFlags(argv)
  const file = flags.configFile ? readToml(flags.configFile) : {}
  const fromEnv = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const result = RawConfig.safeParse({ ...file, ...fromEnv, ...flags.overrides })
  if (!result.success) {
    // A message that already names its key (PORT's) is given as it is.
    const lines = result.error.issues.map((i) => (i.message.startsWith(`${String(i.path[0])} `) ? i.message : `${i.path.join('.')}: ${i.message}`))
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`)
  }
  const raw = result.data
  const production = raw.NODE_ENV === 'production'
  const dataDir = resolve(raw.DATA_DIR)
  const postgresUrl = raw.DATABASE_URL && /^postgres(?:ql)?:\/\//.test(raw.DATABASE_URL) ? raw.DATABASE_URL : undefined
  const databaseFile = databaseFileFrom(postgresUrl ? undefined : raw.DATABASE_URL, dataDir)
  // Every process of a site must share the key, so none may make up its own.
  if (postgresUrl && !raw.SECRET_KEY) throw new ConfigError('SECRET_KEY is required with a PostgreSQL DATABASE_URL (every process must use the same one)')
  if (production && raw.PASSWORD_HASH_COST < MIN_PRODUCTION_HASH_COST) {
    throw new ConfigError(`PASSWORD_HASH_COST must be at least ${MIN_PRODUCTION_HASH_COST} when NODE_ENV=production`)
  }
  const { secretKey, generated } = secretKeyFrom(raw.SECRET_KEY, production, dataDir)
  const twilio =
    raw.TWILIO_ACCOUNT_SID && raw.TWILIO_AUTH_TOKEN && raw.TWILIO_FROM
      ? { accountSid: raw.TWILIO_ACCOUNT_SID, authToken: raw.TWILIO_AUTH_TOKEN, from: raw.TWILIO_FROM, apiUrl: raw.TWILIO_API_URL }
      : undefined
  return Object.freeze({
    production,
    dev: raw.DEV,
    port: raw.PORT,
    host: raw.HOST,
    dataDir,
    databaseFile,
    eventBus: raw.EVENT_BUS ? Object.freeze({ url: raw.EVENT_BUS, prefix: raw.EVENT_BUS_PREFIX }) : undefined,
    postgresUrl,
    uploadDir: raw.UPLOAD_DIR ? resolve(raw.UPLOAD_DIR) : join(dataDir, 'uploads'),
    secretKey,
    generatedSecret: generated,
    publicUrl: raw.PUBLIC_URL?.replace(/\/+$/, ''),
    sendgridKey: raw.SENDGRID_KEY,
    sendgridApiUrl: raw.SENDGRID_API_URL,
    mailFrom: raw.MAIL_FROM,
    twilio,
    outboxDir: raw.OUTBOX_DIR ? resolve(raw.OUTBOX_DIR) : undefined,
    paymentSecret: raw.PAYMENT_SECRET,
    roomCreation: raw.ROOM_CREATION,
    requireEmailVerification: raw.REQUIRE_EMAIL_VERIFICATION,
    allowedOrigins: Object.freeze(raw.ALLOWED_ORIGINS.map((o) => o.replace(/\/+$/, ''))),
    uploadMaxBytes: raw.UPLOAD_MAX_BYTES,
    eventRetentionDays: raw.EVENT_RETENTION_DAYS,
    freeCoinsAmount: raw.FREE_COINS_AMOUNT,
    inviteBonus: raw.INVITE_BONUS,
    sendRateLimit: raw.SEND_RATE_LIMIT,
    signinRateLimit: raw.SIGNIN_RATE_LIMIT,
    maxPollsPerSession: raw.MAX_POLLS_PER_SESSION,
    maxPollsPerUser: raw.MAX_POLLS_PER_USER,
    requestTimeout: raw.REQUEST_TIMEOUT,
    registerRateLimit: raw.REGISTER_RATE_LIMIT,
    inviteDailyLimit: raw.INVITE_DAILY_LIMIT,
    roomCreateRateLimit: raw.ROOM_CREATE_RATE_LIMIT,
    trustProxy: Object.freeze(raw.TRUST_PROXY),
    passwordHashCost: raw.PASSWORD_HASH_COST,
    // --dev means debug logs unless a level was given anywhere.
    logLevel: raw.DEV && !env.LOG_LEVEL && !flags.overrides.LOG_LEVEL && !('LOG_LEVEL' in file) ? 'debug' : raw.LOG_LEVEL,
    logFormat: raw.LOG_FORMAT,
    metricsToken: raw.METRICS_TOKEN,
  })
}

const FILE_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of its path is a file, not a directory',
}

function fileReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? ''
  return FILE_REASONS[code] ?? (err instanceof Error ? err.message : String(err))
}

function databaseFileFrom(url: string | undefined, dataDir: string): string {
  if (!url) return join(dataDir, 'parley.db')
  const m = /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(url)
  if (!m) throw new ConfigError('DATABASE_URL: sqlite:<path> or postgres://user:password@host:port/database')
  return resolve(m[1]!)
}

/** Outside production a missing key is generated once and kept in DATA_DIR, so sessions survive restarts. */
function secretKeyFrom(given: string | undefined, production: boolean, dataDir: string) {
  if (given) return { secretKey: given, generated: false }
  if (production) throw new ConfigError('SECRET_KEY is required when NODE_ENV=production')
  const file = join(dataDir, 'secret.key')
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim()
    if (kept.length >= 32) return { secretKey: kept, generated: false }
  }
  ensureWritableDir(dataDir)
  const key = randomBytes(32).toString('base64url')
  writeFileSync(file, key + '\n', { mode: 0o600 })
  return { secretKey: key, generated: true }
}
