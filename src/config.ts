/**
 * Configuration is read from the environment once, at boot, and validated here.
 * A bad value stops the start with one line naming the variable (see server.ts).
 */
import { availableParallelism } from 'node:os'
import { isIP } from 'node:net'

export interface Config {
  host: string
  port: number
  databasePath: string
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  demoContent: boolean
  bootstrapAdminToken: string | null
  iframeHosts: string[]
  commentRateLimit: number
  cacheMaxAge: number
  cacheStaleWhileRevalidate: number
  corsWriteOrigins: string[]
  /** false, true, a hop count (the proxies nearest the server), or the proxies' addresses/CIDRs. */
  trustProxy: boolean | number | string[]
  responseCacheBytes: number
  shutdownGraceMs: number
  /** How long a client may take to send a whole request, headers and body (then a 408). */
  requestTimeoutMs: number
  changesRetentionDays: number
  webhookAllowPrivate: boolean
  /** Server processes sharing the port (WORKERS; 1: this process serves). */
  workers: number
  /** Scheduled publishing, webhook delivery and purges run here (with WORKERS, in worker 1 only). */
  backgroundJobs: boolean
}

export class ConfigError extends Error {
  constructor (variable: string, problem: string) {
    super(`${variable} ${problem}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

function integer (env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

function boolean (env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (/^(true|1|yes)$/i.test(raw)) return true
  if (/^(false|0|no)$/i.test(raw)) return false
  throw new ConfigError(name, `must be true or false, got "${raw}"`)
}

function list (env: Env, name: string): string[] {
  return (env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean)
}

/** WORKERS: a count, or `auto` for one per CPU this process may use. */
function workerCount (env: Env, databasePath: string): number {
  const raw = env.WORKERS
  const count = raw === 'auto' ? Math.min(availableParallelism(), MAX_WORKERS) : integer(env, 'WORKERS', 1, 1, MAX_WORKERS)
  if (count > 1 && (databasePath === ':memory:' || databasePath.startsWith('file:'))) {
    throw new ConfigError('WORKERS', `above 1 needs a database file that every worker opens, not "${databasePath}"`)
  }
  return count
}

const MAX_WORKERS = 64

/**
 * CORS_WRITE_ORIGINS: `*`, or origins as browsers send them: scheme, host (a name, an
 * IPv4 or a bracketed IPv6 address) and port, lower case, no path. `capacitor://localhost`
 * and other app schemes are origins too.
 */
function origins (env: Env): string[] {
  const values = list(env, 'CORS_WRITE_ORIGINS')
  for (const origin of values) {
    if (origin !== '*' && !/^[a-z][a-z0-9+.-]*:\/\/([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/.test(origin)) {
      throw new ConfigError('CORS_WRITE_ORIGINS', `has "${origin}", which is not an origin as a browser sends it, such as https://admin.example.com (lower case, no path, no trailing slash), or *`)
    }
  }
  return values
}

const PROXY_KEYWORDS = ['loopback', 'linklocal', 'uniquelocal']

/** One TRUST_PROXY entry: an IP address, a CIDR range (not /0) or one of proxy-addr's names. */
function proxyEntry (entry: string): boolean {
  if (PROXY_KEYWORDS.includes(entry.toLowerCase())) return true
  const [address, bits, ...rest] = entry.split('/')
  const family = isIP(address)
  if (!family || rest.length) return false
  if (bits === undefined) return true
  return /^\d{1,3}$/.test(bits) && Number(bits) >= 1 && Number(bits) <= (family === 4 ? 32 : 128)
}

/**
 * TRUST_PROXY: whose X-Forwarded-For to believe for the client address (the comment
 * allowance, logs). `false` (the default), a hop count (trust that many proxies nearest
 * the server), or the proxies' addresses/CIDRs/`loopback`. `true` believes the header
 * from anyone: only for a proxy that replaces it rather than appends to it.
 */
function trustProxy (env: Env): Config['trustProxy'] {
  const raw = (env.TRUST_PROXY ?? '').trim()
  if (raw === '' || /^(false|0|no)$/i.test(raw)) return false
  if (/^(true|yes)$/i.test(raw)) return true
  if (/^\d+$/.test(raw)) {
    if (Number(raw) > 10) throw new ConfigError('TRUST_PROXY', `counts proxies in front of the server: at most 10, got ${raw}`)
    return Number(raw)
  }
  const proxies = list(env, 'TRUST_PROXY').map((p) => PROXY_KEYWORDS.includes(p.toLowerCase()) ? p.toLowerCase() : p)
  for (const proxy of proxies) {
    if (!proxyEntry(proxy)) {
      throw new ConfigError('TRUST_PROXY', `must be true, false, a hop count or a comma list of proxy addresses, CIDR ranges or loopback, got "${proxy}"`)
    }
  }
  return proxies
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export function loadConfig (env: Env = process.env): Config {
  const logLevel = env.LOG_LEVEL || 'info'
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  }
  const host = env.HOST || '0.0.0.0'
  if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new ConfigError('HOST', `is not a host name or address: "${host}"`)
  const databasePath = env.DATABASE_PATH || './data/broadsheet.db'
  if (databasePath.includes('\0')) throw new ConfigError('DATABASE_PATH', 'must not contain NUL')
  const token = env.BOOTSTRAP_ADMIN_TOKEN || null
  if (token !== null && token.length < 32) throw new ConfigError('BOOTSTRAP_ADMIN_TOKEN', 'must be at least 32 characters')
  const iframeHosts = list(env, 'IFRAME_HOSTS')
  for (const h of iframeHosts) {
    if (!/^[a-z0-9.-]+$/i.test(h)) throw new ConfigError('IFRAME_HOSTS', `has an invalid host "${h}"`)
  }
  return {
    host,
    port: integer(env, 'PORT', 3000, 0, 65535),
    databasePath,
    logLevel: logLevel as Config['logLevel'],
    demoContent: boolean(env, 'DEMO_CONTENT', true),
    bootstrapAdminToken: token,
    iframeHosts,
    commentRateLimit: integer(env, 'COMMENT_RATE_LIMIT', 5, 1, 100000),
    cacheMaxAge: integer(env, 'CACHE_MAX_AGE', 60, 0, 31536000),
    cacheStaleWhileRevalidate: integer(env, 'CACHE_STALE_WHILE_REVALIDATE', 300, 0, 31536000),
    corsWriteOrigins: origins(env),
    trustProxy: trustProxy(env),
    responseCacheBytes: integer(env, 'RESPONSE_CACHE_MB', 64, 0, 65536) * 1024 * 1024,
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10000, 0, 600000),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30000, 100, 600000),
    changesRetentionDays: integer(env, 'CHANGES_RETENTION_DAYS', 90, 1, 3650),
    webhookAllowPrivate: boolean(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    workers: workerCount(env, databasePath),
    backgroundJobs: true
  }
}

/** Settings for tests: an in-memory database, no demo content, quiet logs. */
export function testConfig (overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ DATABASE_PATH: ':memory:', DEMO_CONTENT: 'false', LOG_LEVEL: 'silent' }), ...overrides }
}
