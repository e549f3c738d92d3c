// Public verification: live answers by USCC or certificate, brand status computed from
// qualifications, explicit `unknown`, and statements signed with the registry's key.
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose'
import t from 'tap'
import { bearer, build, newUscc } from '../../helpers/app.ts'
import { certificateNo, changeStatus, createEnterprise, grant } from '../../helpers/fixtures.ts'

const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '100000' })
const DAY = 86_400_000
const iso = (ms: number) => new Date(ms).toISOString()
const LISTING = { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, title: '华源', batch: '2023年第二批', issuer: '山东省人民政府', validUntil: null }

async function verify(query: string, headers: Record<string, string> = {}) {
  return app.inject({ url: `/v1/public/verify?${query}`, headers })
}

t.test('an enterprise with an active listing is listed; the answer names public fields only', async (t) => {
  const e = await createEnterprise(app)
  const listing = await grant(app, e.uscc, { ...LISTING, grantedAt: '2023-12-20T00:00:00.000Z' })
  const cert = await grant(app, e.uscc, { grantedAt: iso(Date.now() - 100 * DAY), title: '华源牌有机小米' })
  const res = await verify(`uscc=${e.uscc.toLowerCase()}`)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.match(res.headers['cache-control'], /^public, max-age=\d+$/, 'a CDN may keep it for a while')
  t.match(res.headers.etag, /^W\/"[A-Za-z0-9_-]{27}"$/, 'a weak ETag of what it says')
  const body = res.json()
  t.same(Object.keys(body), ['statementId', 'iss', 'iat', 'asOf', 'subject', 'status', 'enterprise', 'qualifications'])
  t.match(body.statementId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.equal(body.iss, 'urn:haopin-registry:dezhou')
  t.ok(Math.abs(body.iat * 1000 - Date.now()) < 60_000)
  t.ok(Math.abs(Date.parse(body.asOf) - Date.now()) < 60_000, 'as of now')
  t.same(body.subject, { uscc: e.uscc })
  t.equal(body.status, 'listed')
  t.same(body.enterprise, { uscc: e.uscc, name: e.name, countyCode: '371402', countyName: '德城区', brandStatus: 'listed' })
  t.same(body.qualifications, [
    { type: 'HAOPIN_SHANDONG_BRAND', typeName: '"好品山东"品牌', certificateNo: null, title: '华源', issuer: '山东省人民政府', batch: '2023年第二批', status: 'active', validFrom: listing.validFrom, validUntil: null, decision: null },
    { type: 'TAISHAN_QUALITY_CERT', typeName: '"泰山品质"认证', certificateNo: cert.certificateNo, title: '华源牌有机小米', issuer: '山东省市场监督管理局', batch: null, status: 'active', validFrom: cert.validFrom, validUntil: cert.validUntil, decision: null },
  ])
  t.not((await verify(`uscc=${e.uscc}`)).json().statementId, body.statementId, 'every statement has its own id')
})

t.test('brand status follows the qualifications, and is the same as on the enterprise', async (t) => {
  const read = await bearer(['registry:read'])
  const e = await createEnterprise(app)
  const statusNow = async () => {
    const publicStatus = (await verify(`uscc=${e.uscc}`)).json().enterprise.brandStatus
    const enterprise = await app.inject({ url: `/v1/enterprises/${e.uscc}`, headers: read })
    t.equal(enterprise.json().brandStatus, publicStatus, `the enterprise resource agrees (${publicStatus})`)
    return publicStatus
  }
  t.equal(await statusNow(), 'none', 'nothing held')
  const cert = await grant(app, e.uscc, { grantedAt: iso(Date.now() - 300 * DAY) })
  t.equal(await statusNow(), 'cultivating', 'another active catalog qualification')
  const listing = await grant(app, e.uscc, { ...LISTING, grantedAt: iso(Date.now() - 200 * DAY) })
  t.equal(await statusNow(), 'listed')

  const revokedAt = Date.now() - 10 * DAY
  t.equal((await changeStatus(app, listing.id, 'revoked', { effectiveAt: iso(revokedAt) })).statusCode, 201)
  t.equal(await statusNow(), 'cultivating', 'a revocation ends the listing')
  t.equal((await verify(`uscc=${e.uscc}&asOf=${iso(revokedAt - 1)}`)).json().status, 'listed', 'still listed before its effective time')
  t.equal((await verify(`uscc=${e.uscc}&asOf=${iso(revokedAt)}`)).json().status, 'cultivating', 'from its effective time')

  t.equal((await changeStatus(app, cert.id, 'suspended')).statusCode, 201)
  t.equal(await statusNow(), 'none', 'a suspended qualification is not active')
  await app.db.query(`UPDATE enterprise SET cultivation_stage = 'planned' WHERE uscc = $1`, [e.uscc])
  t.equal(await statusNow(), 'cultivating', 'a cultivation stage')
  const revokedListing = (await verify(`uscc=${e.uscc}`)).json().qualifications.find((q: { type: string }) => q.type === 'HAOPIN_SHANDONG_BRAND')
  t.equal(revokedListing.status, 'revoked', 'a revoked listing is shown as revoked')
})

t.test('by certificate: the certificate\'s status; annulled numbers re-granted answer with the live holder', async (t) => {
  const e = await createEnterprise(app)
  const no = certificateNo()
  const q = await grant(app, e.uscc, { certificateNo: no, grantedAt: iso(Date.now() - 50 * DAY) })
  const active = (await verify(`type=TAISHAN_QUALITY_CERT&certificateNo=${no}`)).json()
  t.equal(active.status, 'active')
  t.same(active.subject, { type: 'TAISHAN_QUALITY_CERT', certificateNo: no })
  t.equal(active.enterprise.uscc, e.uscc)
  t.equal(active.qualifications.length, 1)
  t.equal(active.qualifications[0].certificateNo, no)

  await changeStatus(app, q.id, 'annulled', { effectiveAt: iso(Date.now() - 1000) })
  t.equal((await verify(`type=TAISHAN_QUALITY_CERT&certificateNo=${no}`)).json().status, 'annulled', 'annulled, not a guess')
  const other = await createEnterprise(app)
  await grant(app, other.uscc, { certificateNo: no, grantedAt: iso(Date.now() - DAY) })
  const regranted = (await verify(`type=TAISHAN_QUALITY_CERT&certificateNo=${no}`)).json()
  t.equal(regranted.status, 'active')
  t.equal(regranted.enterprise.uscc, other.uscc)
  t.equal((await verify(`uscc=${e.uscc}`)).json().qualifications.length, 0, 'annulled qualifications are not listed for the enterprise')

  const expired = await grant(app, e.uscc, { certificateNo: certificateNo(), grantedAt: '2020-01-01T00:00:00.000Z', validUntil: '2023-01-01T00:00:00.000Z' })
  const answer = (await verify(`type=TAISHAN_QUALITY_CERT&certificateNo=${expired.certificateNo}`)).json()
  t.equal(answer.status, 'expired')
  t.equal((await verify(`type=TAISHAN_QUALITY_CERT&certificateNo=${expired.certificateNo}&asOf=2022-01-01T00:00:00.000Z`)).json().status, 'active', 'as of a past moment')
})

t.test('unknown subjects are answered "unknown", never an error and never a guess', async (t) => {
  const e = await createEnterprise(app)
  const no = certificateNo()
  await grant(app, e.uscc, { certificateNo: no })
  for (const query of [
    `uscc=${newUscc()}`,
    `type=TAISHAN_QUALITY_CERT&certificateNo=${certificateNo()}`,
    `type=HIGH_TECH_ENTERPRISE&certificateNo=${no}`,
    `type=NO_SUCH_TYPE&certificateNo=${no}`,
  ]) {
    const res = await verify(query)
    t.equal(res.statusCode, 200, query)
    t.match(res.json(), { status: 'unknown', enterprise: null, qualifications: [] }, query)
    t.ok(res.json().statementId)
  }
  const signed = await verify(`uscc=${newUscc()}&format=jws`)
  t.equal(signed.headers['content-type'], 'application/jose', 'an unknown is signed too')
})

t.test('malformed questions are 400 problems', async (t) => {
  for (const query of ['', 'uscc=91350100M000100Y44', 'uscc=123', `uscc=91350100M000100Y43&type=TAISHAN_QUALITY_CERT&certificateNo=X`, 'certificateNo=X', 'type=TAISHAN_QUALITY_CERT', 'uscc=91350100M000100Y43&format=xml']) {
    const res = await verify(query)
    t.equal(res.statusCode, 400, query || '(nothing)')
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
  }
  t.equal((await verify('uscc=91350100M000100Y44')).json().errors[0].expected, '3', 'names the expected check character')
})

t.test('a signed statement verifies with the published JWKS and fails after one changed byte', async (t) => {
  const e = await createEnterprise(app)
  await grant(app, e.uscc, { ...LISTING, grantedAt: '2024-05-01T00:00:00.000Z' })
  const jwksRes = await app.inject({ url: '/.well-known/jwks.json' })
  t.equal(jwksRes.statusCode, 200)
  const jwks = jwksRes.json() as { keys: JWK[] }
  t.equal(jwks.keys.length, 1)
  t.notOk('d' in jwks.keys[0]!, 'no private part is published')

  const res = await verify(`uscc=${e.uscc}&format=jws`)
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/jose')
  const jws = res.body
  const header = decodeProtectedHeader(jws)
  t.match(header, { alg: 'EdDSA', typ: 'verification-statement+jws', kid: jwks.keys[0]!.kid })

  const keySet = createLocalJWKSet(jwks)
  const { payload } = await compactVerify(jws, keySet)
  const statement = JSON.parse(new TextDecoder().decode(payload))
  t.match(statement, { iss: 'urn:haopin-registry:dezhou', subject: { uscc: e.uscc }, status: 'listed', enterprise: { uscc: e.uscc, brandStatus: 'listed' } })
  t.ok(statement.statementId && statement.asOf && statement.iat)

  const [h, p, s] = jws.split('.') as [string, string, string]
  const bytes = Buffer.from(p, 'base64url')
  bytes[bytes.length >> 1]! ^= 0x01
  const tampered = `${h}.${bytes.toString('base64url')}.${s}`
  await t.rejects(compactVerify(tampered, keySet), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }, 'one flipped byte fails verification')

  const viaAccept = await verify(`uscc=${e.uscc}`, { accept: 'application/jose' })
  t.equal(viaAccept.headers['content-type'], 'application/jose', 'Accept: application/jose asks for the JWS too')
  await compactVerify(viaAccept.body, keySet)
  t.match(viaAccept.headers.vary, /Accept/)
  t.match((await verify(`uscc=${e.uscc}&format=json`, { accept: 'application/jose' })).headers['content-type'], /^application\/json/, 'format wins over Accept')
})

t.test('a configured key signs (P-256 here); a key set publishes every key for rotation', async (t) => {
  const current = await generateKeyPair('ES256', { extractable: true })
  const retired = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const currentJwk = { ...(await exportJWK(current.privateKey)), kid: 'statements-2026' }
  const retiredJwk = { ...(await exportJWK(retired.publicKey)), kid: 'statements-2025' }
  const configured = await build(t, { SIGNING_KEY: JSON.stringify({ keys: [currentJwk, retiredJwk] }) })
  const jwks = (await configured.inject({ url: '/.well-known/jwks.json' })).json() as { keys: JWK[] }
  t.same(jwks.keys.map((k) => [k.kid, k.alg, k.kty]), [['statements-2026', 'ES256', 'EC'], ['statements-2025', 'EdDSA', 'OKP']])
  t.notOk(jwks.keys.some((k) => 'd' in k))
  const res = await configured.inject({ url: `/v1/public/verify?uscc=${newUscc()}&format=jws` })
  t.match(decodeProtectedHeader(res.body), { alg: 'ES256', kid: 'statements-2026' })
  await compactVerify(res.body, createLocalJWKSet(jwks))
  t.pass('verifies with the published set')
})
