// Bearer token authentication and scope checks, through the real app with a test-only route
// that needs the registry:write scope.
import { createServer } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose'
import t from 'tap'

import { mintToken } from '../../src/plugins/auth.ts'
import { AUDIENCE, bearer, buildWithRoutes, ISSUER, testDatabase, testKeys, token } from '../helpers/app.ts'
import type { Database } from '../../src/db/client.ts'

const PATH = '/test/needs-write'

// One database for every app in this file: authentication never touches it.
let db: Database
t.before(async () => {
  db = await testDatabase(t)
})
const appWith = (t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}) => buildWithRoutes(t, addProtectedRoute, env, db)

function addProtectedRoute(app: FastifyInstance) {
  app.get(
    PATH,
    {
      schema: { operationId: 'testNeedsWrite', summary: 'Test only', description: 'Test only', tags: ['operations'], response: { 200: { description: 'Test only' } } },
      config: { auth: { scopes: ['registry:write'] } },
    },
    async (request) => ({ sub: request.principal!.sub, county: request.principal!.county ?? null, scopes: [...request.principal!.scopes] }),
  )
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

interface Claims {
  iss?: string
  aud?: string
  sub?: string
  exp?: number
  nbf?: number
  scope?: string
  county?: unknown
}

/** Signs arbitrary claims with the trusted test key unless another key is given. */
async function sign(claims: Claims, key?: { jwk: JWK }): Promise<string> {
  const jwk = key?.jwk ?? (await testKeys()).privateJwk
  const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'tester', scope: 'registry:write', iat: now(), exp: now() + 600, ...claims }
  for (const k of Object.keys(payload) as (keyof typeof payload)[]) if (payload[k] === undefined) delete payload[k]
  return new SignJWT(payload as Record<string, unknown>)
    .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid, typ: 'JWT' })
    .sign(await importJWK(jwk, 'EdDSA'))
}

async function foreignEd25519(kid?: string): Promise<{ jwk: JWK }> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  return { jwk: { ...(await exportJWK(privateKey)), kid: kid ?? 'stranger', alg: 'EdDSA' } }
}

async function hs256(secret: Uint8Array, kid: string | undefined): Promise<string> {
  return new SignJWT({ scope: 'registry:write admin' })
    .setProtectedHeader({ alg: 'HS256', ...(kid ? { kid } : {}) })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('attacker')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(secret)
}

type Assertions = Pick<typeof t, 'equal' | 'match'>

function expectInvalidToken(t: Assertions, res: { statusCode: number; headers: Record<string, unknown>; json(): any }, what: string) {
  t.equal(res.statusCode, 401, `${what}: 401`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: problem document`)
  t.match(res.headers['www-authenticate'], /^Bearer realm="haopin-registry", error="invalid_token", error_description="[^"]+"$/, `${what}: challenge`)
  t.equal(res.json().code, 'unauthorized', `${what}: code`)
}

t.test('rejects every unusable token with 401 and an invalid_token challenge', async (t) => {
  const app = await appWith(t)
  const { privateJwk, jwks } = await testKeys()
  const valid = await token(['registry:write'])
  const [header, payload, signature] = valid.split('.') as [string, string, string]
  const otherPayload = b64({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), scope: 'admin' })
  const publicJwkJson = JSON.stringify(JSON.parse(jwks).keys[0])

  const cases: [string, string | undefined][] = [
    ['no Authorization header', undefined],
    ['another scheme', 'Basic dXNlcjpwYXNzd29yZA=='],
    ['an empty Bearer', 'Bearer '],
    ['a lower-case scheme with a space in the token', 'bearer abc def'],
    ['a token that is not a JWT', 'Bearer not-a-jwt'],
    ['three garbage segments', 'Bearer abc.def.ghi'],
    ['expired beyond the clock tolerance', `Bearer ${await sign({ exp: now() - 120 })}`],
    ['not valid yet', `Bearer ${await sign({ nbf: now() + 3600 })}`],
    ['the wrong issuer', `Bearer ${await sign({ iss: 'urn:someone-else' })}`],
    ['the wrong audience', `Bearer ${await sign({ aud: 'another-api' })}`],
    ['no sub claim', `Bearer ${await sign({ sub: undefined })}`],
    ['no exp claim (tokens must expire)', `Bearer ${await sign({ exp: undefined })}`],
    ['a county claim that is not a division code', `Bearer ${await sign({ county: 'Dezhou' })}`],
    ['a foreign key using the trusted kid', `Bearer ${await sign({}, await foreignEd25519(privateJwk.kid))}`],
    ['a foreign key with an unknown kid', `Bearer ${await sign({}, await foreignEd25519())}`],
    ['a tampered payload', `Bearer ${header}.${otherPayload}.${signature}`],
    ['a truncated signature', `Bearer ${header}.${payload}.${signature.slice(0, -4)}`],
    ['HS256 with a shared secret', `Bearer ${await hs256(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'), undefined)}`],
    ['HS256 keyed with the public key (algorithm confusion)', `Bearer ${await hs256(new TextEncoder().encode(publicJwkJson), privateJwk.kid)}`],
    ['alg none', `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`],
  ]
  for (const [what, authorization] of cases) {
    const res = await app.inject({ method: 'GET', url: PATH, headers: authorization === undefined ? {} : { authorization } })
    expectInvalidToken(t, res, what)
  }
})

t.test('accepts a valid token and applies the scope rules', async (t) => {
  const app = await appWith(t)

  const ok = await app.inject({ method: 'GET', url: PATH, headers: await bearer(['registry:write'], { sub: 'county-sys', county: '371402' }) })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { sub: 'county-sys', county: '371402', scopes: ['registry:write'] })

  const admin = await app.inject({ method: 'GET', url: PATH, headers: await bearer(['admin']) })
  t.equal(admin.statusCode, 200, 'admin carries every scope')

  const withinTolerance = await app.inject({ method: 'GET', url: PATH, headers: { authorization: `Bearer ${await sign({ exp: now() - 5 })}` } })
  t.equal(withinTolerance.statusCode, 200, 'expiry within the clock tolerance is accepted')

  const readOnly = await app.inject({ method: 'GET', url: PATH, headers: await bearer(['registry:read']) })
  t.equal(readOnly.statusCode, 403)
  t.match(readOnly.headers['content-type'], /^application\/problem\+json/)
  t.match(readOnly.headers['www-authenticate'], /^Bearer realm="haopin-registry", error="insufficient_scope", error_description="[^"]+", scope="registry:write"$/)
  t.match(readOnly.json(), { code: 'insufficient_scope', status: 403, requiredScopes: ['registry:write'] })

  const noScope = await app.inject({ method: 'GET', url: PATH, headers: { authorization: `Bearer ${await sign({ scope: undefined })}` } })
  t.equal(noScope.statusCode, 403, 'a token without a scope claim has no scopes')

  // A verified token is cached; the cache must not widen what it grants.
  const headers = await bearer(['registry:read'])
  await app.inject({ method: 'GET', url: PATH, headers })
  t.equal((await app.inject({ method: 'GET', url: PATH, headers })).statusCode, 403, 'a cached token is still scope-checked')

  const health = await app.inject({ method: 'GET', url: '/healthz', headers: { authorization: 'Bearer garbage' } })
  t.equal(health.statusCode, 200, 'public routes ignore the Authorization header')
})

t.test('trusts keys from AUTH_JWKS_FILE and AUTH_JWKS_URL', async (t) => {
  const { jwks } = await testKeys()
  const dir = mkdtempSync(join(tmpdir(), 'haopin-jwks-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'jwks.json'), jwks)
  const fromFile = await appWith(t, { AUTH_JWKS: '', AUTH_JWKS_FILE: join(dir, 'jwks.json') })
  t.equal((await fromFile.inject({ method: 'GET', url: PATH, headers: await bearer(['registry:write']) })).statusCode, 200, 'file')

  let fetched = 0
  const server = createServer((_req, res) => {
    fetched++
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const port = (server.address() as { port: number }).port
  const fromUrl = await appWith(t, { AUTH_JWKS: '', AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` })
  t.equal((await fromUrl.inject({ method: 'GET', url: PATH, headers: await bearer(['registry:write']) })).statusCode, 200, 'url')
  expectInvalidToken(t, await fromUrl.inject({ method: 'GET', url: PATH, headers: { authorization: `Bearer ${await sign({}, await foreignEd25519())}` } }), 'url, unknown key')
  t.ok(fetched >= 1, 'the key set was fetched')
})

t.test('without configured keys (development) the app trusts its own development key only', async (t) => {
  const app = await appWith(t, { NODE_ENV: 'development', AUTH_JWKS: '', AUTH_ISSUER: '', AUTH_AUDIENCE: '' })
  t.ok(app.auth.devKey, 'a development key exists')
  const devToken = await mintToken(app.auth.devKey!, { sub: 'dev', scopes: ['registry:write'], issuer: app.auth.issuer, audience: app.auth.audience })
  t.equal((await app.inject({ method: 'GET', url: PATH, headers: { authorization: `Bearer ${devToken}` } })).statusCode, 200)
  expectInvalidToken(t, await app.inject({ method: 'GET', url: PATH, headers: await bearer(['registry:write']) }), 'a token from another key')
})
