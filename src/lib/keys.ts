// Development key material kept in the data directory, so tokens and statements stay valid
// across restarts. Never used in production (config refuses to start without real keys).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { exportJWK, generateKeyPair, type JWK } from 'jose'

export const DEV_ISSUER = 'urn:haopin-registry:dev'
export const DEV_AUDIENCE = 'haopin-registry'

export async function generateEd25519Jwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  return { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA', use: 'sig' }
}

/** Loads `<dataDir>/<name>.json`, creating it on first use; `memory://` keeps a fresh key in memory. */
export async function loadOrCreateDevKey(dataDir: string, name: string): Promise<JWK> {
  if (dataDir === 'memory://') return generateEd25519Jwk(`${name}-${Date.now()}`)
  const file = join(dataDir, `${name}.json`)
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as JWK
  const jwk = await generateEd25519Jwk(`${name}-${new Date().toISOString().slice(0, 10)}`)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(jwk, null, 2), { mode: 0o600 })
  return jwk
}

export function publicJwk(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk
  return pub
}
