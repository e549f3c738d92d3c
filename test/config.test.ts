// Configuration is validated once, and every problem is reported together.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.ts'

const JWKS = JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1', alg: 'EdDSA' }] })
const PRODUCTION = {
  NODE_ENV: 'production',
  AUTH_JWKS: JWKS,
  AUTH_ISSUER: 'https://idp.example/',
  AUTH_AUDIENCE: 'haopin-registry',
  SIGNING_KEY: '{"kty":"OKP"}',
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

t.test('an empty environment gives a working development setup', async (t) => {
  const config = loadConfig({})
  t.match(config, {
    nodeEnv: 'development',
    host: '0.0.0.0',
    port: 3000,
    logLevel: 'info',
    databaseUrl: undefined,
    dataDir: './.data',
    migrateOnStart: true,
    bodyLimit: 1024 * 1024,
    corsOrigins: false,
    shutdownTimeoutMs: 10_000,
  })
  t.equal(loadConfig({ NODE_ENV: 'test' }).logLevel, 'silent')
  t.equal(loadConfig({ PORT: '0' }).port, 0, 'port 0 picks a free port')
  t.same(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' }).corsOrigins, ['https://a.example', 'https://b.example'])
  t.equal(loadConfig({ DATABASE_URL: '  ' }).databaseUrl, undefined, 'blank counts as unset')
})

t.test('every bad variable is listed in one error', async (t) => {
  const bad: Record<string, string> = {
    NODE_ENV: 'staging',
    LOG_LEVEL: 'loud',
    PORT: '80a',
    DATABASE_URL: 'mysql://registry:s3cret@db/haopin',
    DB_POOL_MAX: '0',
    MIGRATE_ON_START: 'perhaps',
    BODY_LIMIT_BYTES: '12',
    TRUST_PROXY: 'sometimes',
    SHUTDOWN_TIMEOUT_MS: '1.5',
    AUTH_CLOCK_TOLERANCE_SECONDS: '-1',
    PUBLIC_RATE_LIMIT_MAX: 'many',
    IDEMPOTENCY_TTL_HOURS: '1',
  }
  let error: unknown
  try {
    loadConfig(bad)
  } catch (e) {
    error = e
  }
  t.type(error, ConfigError)
  const { problems, message } = error as ConfigError
  t.equal(problems.length, Object.keys(bad).length, 'one problem per bad variable')
  for (const [name, value] of Object.entries(bad)) {
    // A URL may carry a password: only its scheme is echoed.
    const shown = name === 'DATABASE_URL' ? 'mysql:' : value
    t.ok(problems.some((p) => p.startsWith(name) && p.includes(shown)), `${name} is named with its value`)
  }
  t.notMatch(message, /s3cret/, 'the database password is not echoed')
  t.match(message, /^Invalid configuration:\n {2}- /)
  t.equal(message.split('\n').length, problems.length + 1, 'one line per problem')
  t.match(problemsOf({ DATABASE_URL: 'not a url' }), [/DATABASE_URL is not a valid URL/])
})

t.test('production refuses to start without token keys and a signing key', async (t) => {
  const problems = problemsOf({ NODE_ENV: 'production' })
  t.match(problems, [/NODE_ENV=production needs token keys/, /NODE_ENV=production needs a statement signing key/])
  t.same(problemsOf(PRODUCTION), [], 'a complete production configuration is accepted')
  const config = loadConfig(PRODUCTION)
  t.equal(config.logLevel, 'info')
  t.equal(config.auth.issuer, 'https://idp.example/')
})

t.test('token keys need AUTH_ISSUER and AUTH_AUDIENCE, and one source only', async (t) => {
  const sources: Record<string, string>[] = [{ AUTH_JWKS: JWKS }, { AUTH_JWKS_URL: 'https://idp.example/jwks.json' }]
  for (const source of sources) {
    t.match(problemsOf(source), [/AUTH_ISSUER is required/, /AUTH_AUDIENCE is required/], Object.keys(source).join())
    t.match(problemsOf({ ...source, AUTH_ISSUER: 'https://idp.example/' }), [/AUTH_AUDIENCE is required/])
  }
  t.match(problemsOf({ ...PRODUCTION, AUTH_JWKS_URL: 'https://idp.example/jwks.json' }), [/set only one of AUTH_JWKS_URL, AUTH_JWKS and AUTH_JWKS_FILE/])
  t.match(problemsOf({ ...PRODUCTION, AUTH_JWKS: '{"keys":' }), [/AUTH_JWKS is not valid JSON/])
  t.match(problemsOf({ ...PRODUCTION, AUTH_JWKS: '{"kty":"OKP"}' }), [/AUTH_JWKS must be a JSON Web Key Set/])
  t.match(problemsOf({ ...PRODUCTION, AUTH_JWKS: '', AUTH_JWKS_URL: 'ftp://idp.example/jwks' }), [/AUTH_JWKS_URL must use https: or http:/])
  t.match(problemsOf({ ...PRODUCTION, SIGNING_KEY_FILE: '/x' }), [/set only one of SIGNING_KEY and SIGNING_KEY_FILE/])
})

t.test('AUTH_JWKS_FILE must be a readable key set, reported with the other problems', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'haopin-config-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content)
    return join(dir, name)
  }
  const env = { ...PRODUCTION, AUTH_JWKS: '' }
  t.same(problemsOf({ ...env, AUTH_JWKS_FILE: file('good.json', JWKS) }), [])
  t.match(problemsOf({ ...env, AUTH_JWKS_FILE: join(dir, 'missing.json'), PORT: 'x' }), [/AUTH_JWKS_FILE cannot be read.*ENOENT/, /PORT/])
  t.match(problemsOf({ ...env, AUTH_JWKS_FILE: file('broken.json', '{"keys": [') }), [/AUTH_JWKS_FILE cannot be read as JSON/])
  t.match(problemsOf({ ...env, AUTH_JWKS_FILE: file('key.json', '{"kty":"OKP"}') }), [/AUTH_JWKS_FILE must contain a JSON Web Key Set/])
})

t.test('database timeouts, the migration role and the checkpoint interval (issue 11)', async (t) => {
  t.match(loadConfig({}), { dbConnectTimeoutMs: 1000, dbStatementTimeoutMs: 30_000, dbIdleInTransactionTimeoutMs: 60_000, migrationDatabaseUrl: undefined, auditCheckpointIntervalMs: 600_000 })
  const two = loadConfig({ DATABASE_URL: 'postgresql://app@db/haopin', MIGRATION_DATABASE_URL: 'postgresql://owner@db/haopin', DB_STATEMENT_TIMEOUT_MS: '5000' })
  t.equal(two.migrationDatabaseUrl, 'postgresql://owner@db/haopin')
  t.equal(two.dbStatementTimeoutMs, 5000)
  t.match(problemsOf({ MIGRATION_DATABASE_URL: 'postgresql://owner@db/haopin' }), [/MIGRATION_DATABASE_URL needs DATABASE_URL/])
  t.match(problemsOf({ DB_CONNECT_TIMEOUT_MS: '0', DB_STATEMENT_TIMEOUT_MS: 'x', DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '-5' }), [/^DB_CONNECT_TIMEOUT_MS/, /^DB_STATEMENT_TIMEOUT_MS/, /^DB_IDLE_IN_TRANSACTION_TIMEOUT_MS/])
  t.match(problemsOf({ DATABASE_URL: 'postgresql://app@db/haopin', MIGRATION_DATABASE_URL: 'mysql://x@db/y' }), [/MIGRATION_DATABASE_URL must use/])
})
