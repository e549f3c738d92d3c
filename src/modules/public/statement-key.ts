// The registry's own key for signing verification statements, loaded in one place: the
// configured private JWK (SIGNING_KEY / SIGNING_KEY_FILE; a JWK Set also works, its first private
// key signs and all its keys are published, so a retired key can stay verifiable), or, outside
// production only, a development key kept in the data directory.
import { readFileSync } from 'node:fs'
import { calculateJwkThumbprint, CompactSign, importJWK, type JWK } from 'jose'
import type { Config } from '../../config.ts'
import { loadOrCreateDevKey, publicJwk } from '../../lib/keys.ts'

export const STATEMENT_TYPE = 'verification-statement+jws'

export interface StatementSigner {
  kid: string
  alg: 'EdDSA' | 'ES256'
  /** Compact JWS over the exact bytes of `payload`; `typ` names what it is (a verification statement by default). */
  sign(payload: string, typ?: string): Promise<string>
  /** The public keys whoever receives a statement needs to check it. */
  jwks: { keys: JWK[] }
}

function algorithmOf(jwk: JWK, where: string): 'EdDSA' | 'ES256' {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA'
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256'
  throw new Error(`${where}: statement keys must be Ed25519 (kty OKP) or P-256 (kty EC), got kty ${jwk.kty} crv ${jwk.crv}`)
}

function configuredKeys(config: Config): JWK[] | undefined {
  const where = config.signingKeyFile ? `SIGNING_KEY_FILE ${config.signingKeyFile}` : 'SIGNING_KEY'
  const text = config.signingKey ?? (config.signingKeyFile ? readFileSync(config.signingKeyFile, 'utf8') : undefined)
  if (text === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(`${where} is not valid JSON (expected a private JWK or a JWK Set)`)
  }
  const keys = (parsed as { keys?: unknown }).keys
  const list = Array.isArray(keys) ? keys : [parsed]
  if (list.length === 0 || list.some((k) => typeof k !== 'object' || k === null)) throw new Error(`${where} holds no keys`)
  return list as JWK[]
}

export async function loadStatementSigner(config: Config): Promise<StatementSigner> {
  const where = config.signingKeyFile ? 'SIGNING_KEY_FILE' : 'SIGNING_KEY'
  let keys = configuredKeys(config)
  if (!keys) {
    // config.ts already refuses production without a key; this is the second lock on that door.
    if (config.nodeEnv === 'production') throw new Error('NODE_ENV=production needs a statement signing key: set SIGNING_KEY or SIGNING_KEY_FILE')
    keys = [await loadOrCreateDevKey(config.dataDir, 'dev-signing-key')]
  }
  const signing = keys.find((k) => typeof k.d === 'string')
  if (!signing) throw new Error(`${where} must include a private key (the "d" member)`)
  const published = await Promise.all(
    keys.map(async (k) => {
      const { key_ops: _ops, ext: _ext, ...pub } = publicJwk(k)
      return { ...pub, kid: k.kid ?? (await calculateJwkThumbprint(k)), alg: algorithmOf(k, where), use: 'sig' }
    }),
  )
  const alg = algorithmOf(signing, where)
  const kid = signing.kid ?? (await calculateJwkThumbprint(signing))
  const key = await importJWK({ ...signing, alg }, alg)
  const encoder = new TextEncoder()
  return {
    kid,
    alg,
    jwks: { keys: published },
    sign: (payload, typ = STATEMENT_TYPE) => new CompactSign(encoder.encode(payload)).setProtectedHeader({ alg, kid, typ }).sign(key),
  }
}
