// Builds the real app against a real database for a test: the PostgreSQL server named by
// DATABASE_URL when set, otherwise a fresh in-memory embedded database. Tokens are minted
// with a per-process key pair that the app is configured to trust.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import { buildApp, type AppDeps } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { createDatabase, type Database } from '../../src/db/client.ts'
import { migrate } from '../../src/db/migrate.ts'
import { mintToken, SCOPES, type Scope } from '../../src/plugins/auth.ts'
import { completeUscc } from '../../src/lib/uscc.ts'
import { emptyDatabase } from './databases.ts'

export const ISSUER = 'urn:haopin-registry:test'
export const AUDIENCE = 'haopin-registry-test'
export const onServer = Boolean(process.env.DATABASE_URL)

interface TapLike {
  teardown(fn: () => unknown): void
}

let keyPair: Promise<{ privateJwk: JWK; jwks: string }> | undefined
export function testKeys() {
  keyPair ??= (async () => {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const kid = `test-${randomBytes(4).toString('hex')}`
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' }
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }] })
    return { privateJwk, jwks }
  })()
  return keyPair
}

export async function testConfig(env: Record<string, string> = {}): Promise<Config> {
  const { jwks } = await testKeys()
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: process.env.DATABASE_URL,
    DATA_DIR: 'memory://',
    AUTH_JWKS: jwks,
    AUTH_ISSUER: ISSUER,
    AUTH_AUDIENCE: AUDIENCE,
    // Tests refresh stored documents when they mean to (app.documentRefresher.runOnce()).
    DOCUMENT_REFRESH_INTERVAL_MS: '0',
    // Audit reads chain what is pending first; the background sealer has a test of its own.
    AUDIT_SEAL_INTERVAL_MS: '0',
    ...env,
  })
}

/** A migrated database for the test: the shared server database, or a fresh embedded one. */
export async function testDatabase(t: TapLike): Promise<Database> {
  const db = await createDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: 'memory://', poolMax: 10 })
  t.teardown(() => db.close())
  await migrate(db)
  return db
}

export interface TokenOptions {
  sub?: string
  county?: string
  dept?: string
  expiresIn?: string
}

export async function token(scopes: readonly (Scope | string)[] = SCOPES, options: TokenOptions = {}): Promise<string> {
  const { privateJwk } = await testKeys()
  return mintToken(privateJwk, {
    sub: options.sub ?? 'test-suite',
    scopes,
    county: options.county,
    dept: options.dept,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: options.expiresIn,
  })
}

export async function bearer(scopes?: readonly (Scope | string)[], options?: TokenOptions) {
  return { authorization: `Bearer ${await token(scopes, options)}` }
}

/** Builds the app on a migrated test database and closes both when the test ends; `deps.clock` sets its clock. */
export async function build(t: TapLike, env: Record<string, string> = {}, deps: Omit<AppDeps, 'db'> = {}): Promise<FastifyInstance> {
  const db = await testDatabase(t)
  const app = await buildApp(await testConfig(env), { ...deps, db })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

/**
 * The app on an empty database of its own, migrated (a throwaway server database, or in-memory
 * embedded), for tests that must know everything the database holds; both closed at teardown.
 */
export async function buildOwn(t: TapLike, env: Record<string, string> = {}, poolMax = 4): Promise<{ db: Database; app: FastifyInstance }> {
  const db = await emptyDatabase(t, poolMax)
  await migrate(db)
  const app = await buildApp(await testConfig(env), { db })
  t.teardown(() => app.close())
  return { db, app }
}

/**
 * Like build(), but first lets the test register its own routes (e.g. one that needs a scope,
 * or one that throws), since routes cannot be added once the app is ready.
 */
export async function buildWithRoutes(
  t: TapLike,
  register: (app: FastifyInstance) => void | Promise<void>,
  env: Record<string, string> = {},
  /** A database to share between several apps of one test file; a fresh migrated one otherwise. */
  shared?: Database,
): Promise<FastifyInstance> {
  const db = shared ?? (await testDatabase(t))
  const app = await buildApp(await testConfig(env), { db })
  t.teardown(() => app.close())
  await register(app)
  await app.ready()
  return app
}

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
/** A fresh valid USCC, so tests never collide on shared data. */
export function newUscc(region = '371402'): string {
  const bytes = randomBytes(9)
  let body = ''
  for (const b of bytes) body += ALPHABET[b % 31]
  return completeUscc(`91${region}${body}`)
}
