// Smaller holes (issue 11): a token with an empty `sub` is refused; what the HTTP parser and the
// router refuse (431 for oversized headers, malformed URLs) are problem documents with the security
// headers; public routes, reference data included, share one rate-limit budget per client address.
import { request as httpRequest } from 'node:http'
import t from 'tap'
import { helmetHeaders, SECURITY_HEADERS } from '../../src/plugins/security-headers.ts'
import { build, newUscc, token } from '../helpers/app.ts'

t.test('a token whose sub is empty is a 401', async (t) => {
  const app = await build(t)
  for (const sub of ['', '   ']) {
    const res = await app.inject({ url: '/v1/enterprises', headers: { authorization: `Bearer ${await token(['registry:read'], { sub })}` } })
    t.equal(res.statusCode, 401, `sub ${JSON.stringify(sub)}`)
    t.match(res.json(), { code: 'unauthorized', detail: /sub claim/ })
  }
})

t.test('helmet\'s security headers, recorded once, are the ones expected and are on every kind of answer', async (t) => {
  // Pinned: a helmet upgrade that changes what the registry sends shows up here, not in production.
  t.same(SECURITY_HEADERS, {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'cross-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  })
  t.same(helmetHeaders({ contentSecurityPolicy: false, xFrameOptions: { action: 'deny' } })['x-frame-options'], 'DENY', 'recorded from helmet itself, not a copy')
  t.notOk('x-powered-by' in SECURITY_HEADERS)

  const app = await build(t)
  const auth = { authorization: `Bearer ${await token(['registry:read', 'registry:write'])}` }
  const uscc = newUscc()
  const created = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: auth, payload: { uscc, name: '德州市安全头测试有限公司', countyCode: '371402' } })
  t.equal(created.statusCode, 201)
  const got = await app.inject({ url: `/v1/enterprises/${uscc}`, headers: auth })
  const answers = {
    'a JSON read': got,
    'a write': created,
    'a 304': await app.inject({ url: `/v1/enterprises/${uscc}`, headers: { ...auth, 'if-none-match': got.headers.etag as string } }),
    'a 401 problem': await app.inject({ url: '/v1/enterprises' }),
    'a 404 for an unknown route': await app.inject({ url: '/v1/no-such-thing' }),
    'a validation problem': await app.inject({ url: '/v1/enterprises?limit=0', headers: auth }),
    'a CSV export': await app.inject({ url: `/v1/enterprises?uscc=${uscc}&format=csv`, headers: auth }),
    'a public HTML page': await app.inject({ url: `/verify/${uscc}` }),
    'a health probe': await app.inject({ url: '/healthz' }),
  }
  t.same([got.statusCode, answers['a 304'].statusCode, answers['a 401 problem'].statusCode, answers['a 404 for an unknown route'].statusCode, answers['a validation problem'].statusCode],
    [200, 304, 401, 404, 400])
  for (const [what, res] of Object.entries(answers)) {
    const sent = Object.fromEntries(Object.keys(SECURITY_HEADERS).map((name) => [name, res.headers[name]]))
    t.same(sent, SECURITY_HEADERS, `${what} (${res.statusCode}) carries them`)
  }
})

t.test('431 and router failures are problem documents with the security headers', async (t) => {
  const app = await build(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as { port: number }).port
  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
      })
      req.on('error', reject)
      req.end()
    })
  const big = await get('/healthz', { 'x-padding': 'x'.repeat(20_000) })
  t.equal(big.status, 431)
  t.match(big.headers['content-type'], /^application\/problem\+json/)
  t.match(JSON.parse(big.body), { code: 'headers_too_large', status: 431, type: 'urn:haopin-registry:problem:headers_too_large' })
  t.match(big.headers, SECURITY_HEADERS, '431 carries the security headers')

  const bad = await get('/v1/enterprises/%E0%A4%A')
  t.equal(bad.status, 400)
  t.match(JSON.parse(bad.body), { code: 'bad_request' })
  t.match(bad.headers, { ...SECURITY_HEADERS, 'x-request-id': /.+/ }, 'a router failure carries them too')
})

t.test('one public budget per client address across public routes, reference data included', async (t) => {
  const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '4' })
  const urls = ['/v1/counties', '/v1/qualification-types', `/v1/public/verify?uscc=${newUscc()}`, '/v1/audit-checkpoints']
  for (const url of urls) t.equal((await app.inject({ url })).statusCode, 200, `${url}: within the budget`)
  for (const url of [...urls, '/v1/departments', '/.well-known/jwks.json']) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 429, `${url}: the budget is spent, whichever route spent it`)
    t.match(res.headers['retry-after'], /^\d+$/)
  }
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200, 'health probes are not counted')
  t.equal((await app.inject({ url: '/v1/counties', remoteAddress: '10.0.0.9' })).statusCode, 200, 'another address has its own budget')
})
