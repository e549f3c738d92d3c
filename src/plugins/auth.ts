// Bearer JWT authentication (jose) and scope checks. Every route declares `config.auth`:
// `false` for public routes, or the scopes it needs. An onRoute hook applies the check and
// adds the security requirement and 401/403 responses to the OpenAPI document.
import { readFileSync } from 'node:fs'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, importJWK, jwtVerify, SignJWT, type JWK, type JWTVerifyGetKey } from 'jose'
import type { Config } from '../config.ts'
import { AppError } from '../lib/problems.ts'
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevKey, publicJwk } from '../lib/keys.ts'

export const SCOPES = [
  'registry:read',
  'registry:write',
  'qualifications:write',
  'supervision:read',
  'supervision:write',
  'revocation:decide',
  'incentives:write',
  'targets:write',
  'audit:read',
  'metrics:read',
  'admin',
] as const
export type Scope = (typeof SCOPES)[number]

export interface Principal {
  sub: string
  scopes: ReadonlySet<string>
  /** County division code when the caller is a county system: its writes stay inside that county. */
  county: string | undefined
  dept: string | undefined
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false`: public route. Otherwise the scopes a token must carry (`admin` carries all). */
    auth?: false | { scopes: Scope[] }
  }
  interface FastifyRequest {
    principal: Principal | null
  }
  interface FastifyInstance {
    auth: { issuer: string; audience: string; devKey: JWK | undefined }
  }
}

const ALGORITHMS = ['RS256', 'ES256', 'EdDSA']
const CACHE_LIMIT = 10_000
const CACHE_MAX_AGE_MS = 60_000

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope) || principal.scopes.has('admin')
}

function challenge(description: string, error = 'invalid_token', scope?: string) {
  const attrs = [`realm="haopin-registry"`, `error="${error}"`, `error_description="${description.replace(/"/g, "'")}"`]
  if (scope) attrs.push(`scope="${scope}"`)
  return { 'www-authenticate': `Bearer ${attrs.join(', ')}` }
}

function invalidToken(description: string) {
  return new AppError('unauthorized', description, {}, challenge(description))
}

async function keySource(config: Config): Promise<{ getKey: JWTVerifyGetKey; issuer: string; audience: string; devKey?: JWK }> {
  const { auth } = config
  if (auth.jwksUrl) {
    return { getKey: createRemoteJWKSet(new URL(auth.jwksUrl), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000 }), issuer: auth.issuer!, audience: auth.audience! }
  }
  if (auth.jwks || auth.jwksFile) {
    const jwks = JSON.parse(auth.jwks ?? readFileSync(auth.jwksFile!, 'utf8'))
    return { getKey: createLocalJWKSet(jwks), issuer: auth.issuer!, audience: auth.audience! }
  }
  // Development only: config.ts refuses production without keys.
  const devKey = await loadOrCreateDevKey(config.dataDir, 'dev-auth-key')
  return { getKey: createLocalJWKSet({ keys: [publicJwk(devKey)] }), issuer: DEV_ISSUER, audience: DEV_AUDIENCE, devKey }
}

export interface MintOptions {
  sub: string
  scopes: readonly string[]
  county?: string | undefined
  dept?: string | undefined
  issuer: string
  audience: string
  expiresIn?: string
}

export async function mintToken(privateJwk: JWK, options: MintOptions): Promise<string> {
  const key = await importJWK(privateJwk, privateJwk.alg ?? 'EdDSA')
  const claims: Record<string, unknown> = { scope: options.scopes.join(' ') }
  if (options.county) claims.county = options.county
  if (options.dept) claims.dept = options.dept
  return new SignJWT(claims)
    .setProtectedHeader({ alg: privateJwk.alg ?? 'EdDSA', kid: privateJwk.kid, typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(key)
}

export default fp(
  async function auth(app: FastifyInstance, opts: { config: Config }) {
    const { getKey, issuer, audience, devKey } = await keySource(opts.config)
    app.decorate('auth', { issuer, audience, devKey })
    app.decorateRequest('principal', null)
    // Verified tokens, so the hot read paths do not repeat signature checks; entries still honour `exp`.
    const cache = new Map<string, { principal: Principal; exp: number; cachedAt: number }>()

    async function authenticate(request: FastifyRequest): Promise<Principal> {
      const header = request.headers.authorization
      if (!header) throw invalidToken('a Bearer token is required')
      // Authentication schemes are case-insensitive (RFC 9110 11.1): `bearer` is Bearer.
      const match = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(header)
      if (!match) throw invalidToken('the Authorization header must be "Bearer <token>"')
      const token = match[1]!
      const now = Date.now()
      const hit = cache.get(token)
      if (hit && hit.exp * 1000 > now - opts.config.auth.clockToleranceSeconds * 1000 && now - hit.cachedAt < CACHE_MAX_AGE_MS) {
        return hit.principal
      }
      let payload
      try {
        ;({ payload } = await jwtVerify(token, getKey, {
          issuer,
          audience,
          algorithms: ALGORITHMS,
          clockTolerance: opts.config.auth.clockToleranceSeconds,
          requiredClaims: ['sub', 'exp'],
        }))
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw invalidToken('the token has expired')
        // The identity provider's key set could not be fetched: the token may well be valid.
        if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
          request.log.error({ err: error }, 'token keys unavailable')
          throw new AppError('not_ready', 'token keys cannot be fetched from the identity provider right now; retry shortly', {}, { 'retry-after': '5' })
        }
        if (error instanceof joseErrors.JWTClaimValidationFailed) throw invalidToken(`the token's ${error.claim} claim is not accepted`)
        throw invalidToken('the token is malformed or its signature does not verify')
      }
      // Every write is attributed to the token's subject: one that names nobody is no identity.
      if (typeof payload.sub !== 'string' || payload.sub.trim() === '') throw invalidToken('the token\'s sub claim must name the caller')
      const county = payload.county
      if (county !== undefined && (typeof county !== 'string' || !/^\d{6}$/.test(county))) {
        throw invalidToken('the county claim must be a 6-digit division code')
      }
      const dept = typeof payload.dept === 'string' ? payload.dept : undefined
      const principal: Principal = {
        sub: payload.sub!,
        scopes: new Set(typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []),
        county: county as string | undefined,
        dept,
      }
      if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!)
      cache.set(token, { principal, exp: payload.exp!, cachedAt: now })
      return principal
    }

    app.addHook('onRoute', (route) => {
      const rule = route.config?.auth
      if (rule === undefined || rule === false) return
      const required = rule.scopes
      const check = async (request: FastifyRequest) => {
        const principal = await authenticate(request)
        request.principal = principal
        const missing = required.filter((s) => !hasScope(principal, s))
        if (missing.length > 0) {
          const description = `this operation needs the scope ${missing.join(' ')}`
          throw new AppError('insufficient_scope', description, { requiredScopes: required }, challenge(description, 'insufficient_scope', missing.join(' ')))
        }
      }
      const existing = route.onRequest
      route.onRequest = existing ? [check, ...(Array.isArray(existing) ? existing : [existing])] : [check]
    })
  },
  { name: 'auth', dependencies: ['errors'] },
)
