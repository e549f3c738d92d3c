// Configuration from environment variables, validated once at start. Every problem is
// collected and reported together so an operator fixes them in one go.
import { readFileSync } from 'node:fs'

export interface Config {
  nodeEnv: 'development' | 'production' | 'test'
  host: string
  port: number
  logLevel: string
  /** PostgreSQL server URL; when absent the embedded database is used. */
  databaseUrl: string | undefined
  /**
   * PostgreSQL URL of the role that owns the schema, for migrations; the application (DATABASE_URL)
   * then runs as a role that owns nothing and is granted what it needs after each migration.
   */
  migrationDatabaseUrl: string | undefined
  /** Directory of the embedded database and the development keys; `memory://` keeps everything in memory. */
  dataDir: string
  dbPoolMax: number
  /** How long getting a connection to the PostgreSQL server may take (a new one, or a free one from the pool). */
  dbConnectTimeoutMs: number
  /** Longest a statement may run: the server cancels it, and the client gives up a little later if the server does not answer. */
  dbStatementTimeoutMs: number
  /** Longest a session may sit idle inside an open transaction before the server ends it. */
  dbIdleInTransactionTimeoutMs: number
  migrateOnStart: boolean
  bodyLimit: number
  corsOrigins: string[] | true | false
  trustProxy: boolean
  shutdownTimeoutMs: number
  auth: {
    jwksUrl: string | undefined
    jwks: string | undefined
    jwksFile: string | undefined
    issuer: string | undefined
    audience: string | undefined
    clockToleranceSeconds: number
  }
  /** Private JWK (Ed25519 or P-256) used to sign public verification statements. */
  signingKey: string | undefined
  signingKeyFile: string | undefined
  publicRateLimit: { max: number; windowMs: number }
  /** A port of its own for GET /metrics (no token there); undefined: on the API port for `metrics:read` tokens. */
  metricsPort: number | undefined
  metricsHost: string
  /** Longest time a cache (a CDN) may serve a public verification answer without asking again. */
  publicCacheMaxAgeSeconds: number
  idempotencyTtlHours: number
  /** How often stale stored enterprise documents are rebuilt; 0 turns the background refresh off. */
  documentRefreshIntervalMs: number
  auditSealIntervalMs: number
  /** How often the chain's head is signed as a checkpoint (when it moved); 0 turns it off. */
  auditCheckpointIntervalMs: number
  /** Seconds after which an export's knownAt is settled (the same URL gives the same bytes); later ones are marked provisional. */
  exportSettleSeconds: number
  imports: {
    /** Largest spreadsheet an import accepts (a larger body gets 413). */
    maxBytes: number
    /** Most data rows one import file may have. */
    maxRows: number
    /** Imports this instance runs at once; 0 leaves them to other instances. */
    workers: number
    /** Chunks of one import written side by side (on a PostgreSQL server). */
    writers: number
    /** How long a running import stays with its instance without a sign of life before another takes it over. */
    leaseMs: number
    /** How often an idle instance looks for imports to run. */
    pollIntervalMs: number
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = []
  const str = (name: string) => {
    const v = env[name]
    return v === undefined || v.trim() === '' ? undefined : v.trim()
  }
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = str(name)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`)
      return fallback
    }
    return n
  }
  const bool = (name: string, fallback: boolean) => {
    const raw = str(name)
    if (raw === undefined) return fallback
    if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true
    if (['false', '0', 'no'].includes(raw.toLowerCase())) return false
    problems.push(`${name} must be true or false (got "${raw}")`)
    return fallback
  }
  const url = (name: string, protocols: string[]) => {
    const raw = str(name)
    if (raw === undefined) return undefined
    try {
      const parsed = new URL(raw)
      if (!protocols.includes(parsed.protocol)) problems.push(`${name} must use ${protocols.join(' or ')} (got "${parsed.protocol}")`)
    } catch {
      problems.push(`${name} is not a valid URL`)
    }
    return raw
  }

  const nodeEnvRaw = str('NODE_ENV') ?? 'development'
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    problems.push(`NODE_ENV must be development, production or test (got "${nodeEnvRaw}")`)
  }
  const nodeEnv = (['development', 'production', 'test'].includes(nodeEnvRaw) ? nodeEnvRaw : 'development') as Config['nodeEnv']

  const logLevel = str('LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info')
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`)
  }

  const corsRaw = str('CORS_ORIGINS')
  const corsOrigins: Config['corsOrigins'] =
    corsRaw === undefined || corsRaw === 'false' ? false : corsRaw === '*' ? true : corsRaw.split(',').map((o) => o.trim())

  const auth = {
    jwksUrl: url('AUTH_JWKS_URL', ['https:', 'http:']),
    jwks: str('AUTH_JWKS'),
    jwksFile: str('AUTH_JWKS_FILE'),
    issuer: str('AUTH_ISSUER'),
    audience: str('AUTH_AUDIENCE'),
    clockToleranceSeconds: int('AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
  }
  const keySources = [auth.jwksUrl, auth.jwks, auth.jwksFile].filter(Boolean).length
  if (keySources > 1) problems.push('set only one of AUTH_JWKS_URL, AUTH_JWKS and AUTH_JWKS_FILE')
  if (keySources > 0) {
    if (!auth.issuer) problems.push('AUTH_ISSUER is required when token keys are configured')
    if (!auth.audience) problems.push('AUTH_AUDIENCE is required when token keys are configured')
  }
  if (auth.jwks) {
    try {
      const parsed = JSON.parse(auth.jwks)
      if (!Array.isArray(parsed?.keys)) problems.push('AUTH_JWKS must be a JSON Web Key Set ({"keys": [...]})')
    } catch {
      problems.push('AUTH_JWKS is not valid JSON')
    }
  }
  if (auth.jwksFile) {
    // Checked here so a missing or broken file is reported with the other problems, not as a crash later.
    try {
      const parsed = JSON.parse(readFileSync(auth.jwksFile, 'utf8'))
      if (!Array.isArray(parsed?.keys)) problems.push('AUTH_JWKS_FILE must contain a JSON Web Key Set ({"keys": [...]})')
    } catch (error) {
      problems.push(`AUTH_JWKS_FILE cannot be read as JSON (${(error as NodeJS.ErrnoException).code ?? 'invalid JSON'})`)
    }
  }
  if (nodeEnv === 'production' && auth.jwksUrl?.startsWith('http:')) {
    problems.push('AUTH_JWKS_URL must use https in production: over plain http anyone on the path could substitute the token keys')
  }
  if (nodeEnv === 'production' && keySources === 0) {
    problems.push('NODE_ENV=production needs token keys: set AUTH_JWKS_URL, AUTH_JWKS or AUTH_JWKS_FILE')
  }

  const signingKey = str('SIGNING_KEY')
  const signingKeyFile = str('SIGNING_KEY_FILE')
  if (signingKey && signingKeyFile) problems.push('set only one of SIGNING_KEY and SIGNING_KEY_FILE')
  if (nodeEnv === 'production' && !signingKey && !signingKeyFile) {
    problems.push('NODE_ENV=production needs a statement signing key: set SIGNING_KEY or SIGNING_KEY_FILE')
  }

  if (str('MIGRATION_DATABASE_URL') && !str('DATABASE_URL')) problems.push('MIGRATION_DATABASE_URL needs DATABASE_URL: it names the owner role of a PostgreSQL server, not of the embedded database')
  const config: Config = {
    nodeEnv,
    host: str('HOST') ?? '0.0.0.0',
    port: int('PORT', 3000, 0, 65535),
    logLevel,
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    migrationDatabaseUrl: url('MIGRATION_DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: str('DATA_DIR') ?? './.data',
    dbPoolMax: int('DB_POOL_MAX', 10, 1, 200),
    dbConnectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS', 1000, 100, 600_000),
    dbStatementTimeoutMs: int('DB_STATEMENT_TIMEOUT_MS', 30_000, 100, 3_600_000),
    dbIdleInTransactionTimeoutMs: int('DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 60_000, 100, 3_600_000),
    migrateOnStart: bool('MIGRATE_ON_START', true),
    bodyLimit: int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    corsOrigins,
    trustProxy: bool('TRUST_PROXY', false),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 10_000, 100, 120_000),
    auth,
    signingKey,
    signingKeyFile,
    publicRateLimit: {
      max: int('PUBLIC_RATE_LIMIT_MAX', 120, 1, 1_000_000),
      windowMs: int('PUBLIC_RATE_LIMIT_WINDOW_MS', 60_000, 1000, 3_600_000),
    },
    metricsPort: str('METRICS_PORT') === undefined ? undefined : int('METRICS_PORT', 9464, 0, 65535),
    metricsHost: str('METRICS_HOST') ?? '127.0.0.1',
    publicCacheMaxAgeSeconds: int('PUBLIC_CACHE_MAX_AGE_SECONDS', 60, 0, 86_400),
    idempotencyTtlHours: int('IDEMPOTENCY_TTL_HOURS', 24, 24, 24 * 90),
    documentRefreshIntervalMs: int('DOCUMENT_REFRESH_INTERVAL_MS', 1000, 0, 3_600_000),
    auditSealIntervalMs: int('AUDIT_SEAL_INTERVAL_MS', 200, 0, 3_600_000),
    auditCheckpointIntervalMs: int('AUDIT_CHECKPOINT_INTERVAL_MS', 600_000, 0, 86_400_000),
    exportSettleSeconds: int('EXPORT_SETTLE_SECONDS', 60, 0, 86_400),
    imports: {
      maxBytes: int('IMPORT_MAX_BYTES', 64 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxRows: int('IMPORT_MAX_ROWS', 200_000, 1, 1_048_575),
      workers: int('IMPORT_WORKERS', 1, 0, 16),
      writers: int('IMPORT_WRITERS', 2, 1, 16),
      leaseMs: int('IMPORT_LEASE_MS', 30_000, 500, 3_600_000),
      pollIntervalMs: int('IMPORT_POLL_INTERVAL_MS', 1000, 50, 3_600_000),
    },
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}
