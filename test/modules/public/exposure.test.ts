// Public endpoints never expose non-public fields and are rate limited per client address.
import { compactVerify, createLocalJWKSet } from 'jose'
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { createEnterprise, grant } from '../../helpers/fixtures.ts'
import { encodeCursor } from '../../../src/lib/paging.ts'
import { refreshDocuments } from '../../../src/modules/enterprises/document-cache/index.ts'

t.test('verification and showcase leak no contact person, phone, e-mail, address or legal representative', async (t) => {
  const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '100000' })
  const marker = `PRIVATE${Date.now()}`
  const e = await createEnterprise(app, {
    contactName: `${marker}-contact`,
    contactPhone: '13800138000',
    contactEmail: `${marker.toLowerCase()}@example.com`,
    address: `${marker}-address 德州市德城区`,
    legalRepresentative: `${marker}-legal`,
  })
  await grant(app, e.uscc, { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, grantedAt: '2024-01-01T00:00:00.000Z', validUntil: null })
  const cert = await grant(app, e.uscc, { documents: [{ name: `${marker}-internal.pdf`, sha256: 'b'.repeat(64), url: `https://intranet.example/${marker}` }] })

  const jwks = createLocalJWKSet((await app.inject({ url: '/.well-known/jwks.json' })).json())
  const answers = async () => {
    const signed = await app.inject({ url: `/v1/public/verify?uscc=${e.uscc}&format=jws` })
    return {
      'verify by uscc': (await app.inject({ url: `/v1/public/verify?uscc=${e.uscc}` })).body,
      'verify by certificate': (await app.inject({ url: `/v1/public/verify?type=TAISHAN_QUALITY_CERT&certificateNo=${cert.certificateNo}` })).body,
      'signed statement': new TextDecoder().decode((await compactVerify(signed.body, jwks)).payload),
      // Start the showcase just before this enterprise's USCC, so it is on the first page.
      showcase: (await app.inject({ url: `/v1/public/brands?limit=1&cursor=${encodeCursor([e.uscc.slice(0, 17)])}` })).body,
    }
  }
  const check = (bodies: Record<string, string>, path: string) => {
    t.match(bodies.showcase, e.uscc, `${path}: the showcase page holds the enterprise`)
    t.match(bodies['verify by uscc'], e.name, `${path}: the public name is there`)
    for (const [what, body] of Object.entries(bodies)) {
      for (const secret of [marker, marker.toLowerCase(), '13800138000']) t.notMatch(body, secret, `${path}, ${what}: no ${secret}`)
      for (const key of ['contact', 'phone', 'email', 'address', 'legalRepresentative', 'documents', 'sha256', 'actor']) {
        t.notMatch(body, `"${key}"`, `${path}, ${what}: no "${key}" field`)
      }
    }
  }
  const storedFresh = async () =>
    (await app.db.query<{ fresh: boolean }>('SELECT fresh_until > now() AS fresh FROM enterprise_document WHERE uscc = $1', [e.uscc]))[0]!.fresh
  t.equal(await storedFresh(), false, 'the stored document is not built yet: answers come from the live path')
  check(await answers(), 'live')
  await refreshDocuments(app.db, [e.uscc], new Date())
  t.equal(await storedFresh(), true, 'once refreshed, answers about the enterprise come from the stored public document')
  check(await answers(), 'stored')
})

t.test('public endpoints are rate limited per client address with a 429 problem and Retry-After', async (t) => {
  const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '2', PUBLIC_RATE_LIMIT_WINDOW_MS: '60000' })
  // One budget per address across the public routes (test/reliability/framework-errors.test.ts): an address per route here.
  for (const [i, url] of ['/v1/public/verify?uscc=91350100M000100Y43', '/v1/public/brands', '/.well-known/jwks.json'].entries()) {
    const client = `203.0.113.${7 + i}`
    const from = (remoteAddress: string) => app.inject({ url, remoteAddress })
    t.equal((await from(client)).statusCode, 200, `${url}: first`)
    t.equal((await from(client)).statusCode, 200, `${url}: second`)
    const limited = await from(client)
    t.equal(limited.statusCode, 429, `${url}: third is limited`)
    t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.match(limited.json(), { code: 'rate_limited', status: 429, type: 'urn:haopin-registry:problem:rate_limited' })
    t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After in seconds')
    t.equal((await from(`198.51.100.${20 + i}`)).statusCode, 200, `${url}: another address is not affected`)
  }
  t.equal((await app.inject({ url: '/healthz', remoteAddress: '203.0.113.7' })).statusCode, 200, 'non-public routes are not limited')
})
