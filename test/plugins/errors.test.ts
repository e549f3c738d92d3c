// Every failure is an RFC 9457 problem document with a stable code, and a 500 never shows
// internals. Test-only routes give the app a body to parse and something to throw.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { bearer, build, buildWithRoutes } from '../helpers/app.ts'

const PROBLEM_KEYS = ['code', 'detail', 'instance', 'status', 'title', 'type']
const SECRET = 'password=hunter2 at /srv/secret/path.ts:42'

function addTestRoutes(app: FastifyInstance) {
  const meta = (operationId: string) => ({ operationId, summary: 'Test only', description: 'Test only', tags: ['operations'], response: { 200: { description: 'Test only' } } })
  app.post(
    '/test/echo',
    {
      schema: {
        ...meta('testEcho'),
        body: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 2_000_000 } }, additionalProperties: false },
      },
      config: { auth: false },
    },
    async (request) => ({ length: (request.body as { name: string }).name.length }),
  )
  app.get('/test/boom', { schema: meta('testBoom'), config: { auth: false } }, async () => {
    throw new Error(SECRET)
  })
  app.get('/test/sql', { schema: meta('testSql'), config: { auth: false } }, async () => {
    await app.db.query('SELECT "secret_column" FROM "no_such_table_for_errors_test"')
    return {}
  })
  app.get('/test/status-error', { schema: meta('testStatusError'), config: { auth: false } }, async () => {
    throw Object.assign(new Error(SECRET), { statusCode: 503 })
  })
}

let app: FastifyInstance
t.before(async () => {
  app = await buildWithRoutes(t, addTestRoutes)
})

type Res = Awaited<ReturnType<FastifyInstance['inject']>>
type Assertions = Pick<typeof t, 'equal' | 'match' | 'same'>
function problem(t: Assertions, res: Res, status: number, code: string) {
  t.equal(res.statusCode, status, `status ${status}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, 'problem content type')
  const body = res.json()
  t.same(Object.keys(body).filter((k) => k !== 'errors').sort(), PROBLEM_KEYS, 'problem fields')
  t.equal(body.type, `urn:haopin-registry:problem:${code}`)
  t.equal(body.code, code)
  t.equal(body.status, status)
  t.equal(body.instance, res.headers['x-request-id'], 'instance is the request id')
  t.match(body.title, /\S/)
  t.match(body.detail, /\S/)
  return body
}

t.test('an unknown route is a 404 problem', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/v1/no-such-thing?x=1' })
  const body = problem(t, res, 404, 'route_not_found')
  t.equal(body.detail, 'no route for GET /v1/no-such-thing')
  problem(t, await app.inject({ method: 'DELETE', url: '/healthz' }), 404, 'route_not_found')
})

t.test('malformed JSON is a 400 malformed_json problem', async (t) => {
  for (const payload of ['{"name":', '{name: "x"}', 'null garbage', '']) {
    const res = await app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload })
    problem(t, res, 400, 'malformed_json')
  }
})

t.test('a body failing the schema is a 400 validation_failed problem with field errors', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/test/echo', payload: { nom: 'x' } })
  const body = problem(t, res, 400, 'validation_failed')
  t.same(body.errors, [
    { in: 'body', pointer: '/name', message: 'is required' },
    { in: 'body', pointer: '/nom', message: 'is not an accepted field' },
  ])
})

t.test('a body over 1 MiB is a 413 payload_too_large problem', async (t) => {
  const envelope = '{"name":""}'.length
  const atLimit = JSON.stringify({ name: 'x'.repeat(1024 * 1024 - envelope) })
  t.equal(Buffer.byteLength(atLimit), 1024 * 1024)
  const ok = await app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload: atLimit })
  t.equal(ok.statusCode, 200, 'exactly 1 MiB is accepted')
  const over = JSON.stringify({ name: 'x'.repeat(1024 * 1024 - envelope + 1) })
  const res = await app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload: over })
  problem(t, res, 413, 'payload_too_large')
})

t.test('a body that is not JSON is a 415 unsupported_media_type problem', async (t) => {
  for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
    const res = await app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': type }, payload: 'name=x' })
    problem(t, res, 415, 'unsupported_media_type')
  }
})

t.test('an unexpected error is a 500 problem that leaks nothing', async (t) => {
  for (const url of ['/test/boom', '/test/sql']) {
    const res = await app.inject({ method: 'GET', url, headers: { 'x-request-id': 'trace-500' } })
    const body = problem(t, res, 500, 'internal_error')
    t.equal(body.instance, 'trace-500')
    t.notMatch(res.body, /hunter2|secret|no_such_table|stack|\.ts:|at \w+ \(/i, `${url}: no message, SQL or stack in the body`)
  }
  const res = await app.inject({ method: 'GET', url: '/test/status-error' })
  problem(t, res, 500, 'internal_error')
  t.notMatch(res.body, /hunter2/, 'an error with a 5xx statusCode is still answered generically')
})

t.test('a date-time in year 0000 is a 400 naming the field', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/v1/audit-events?from=0000-06-01T00:00:00Z', headers: await bearer(['audit:read']) })
  t.equal(res.statusCode, 400)
  t.equal(res.json().errors[0].pointer, '/from')
})

t.test('an unpaired UTF-16 surrogate in a body string or key is a 400 naming the field, not a 500 from jsonb', async (t) => {
  const surrogate = (field: string) => `{"name":"ok","extra":{"${field}":"a\\ud800b"}}`
  for (const [payload, pointer] of [['{"name":"a\\ud800b"}', '/name'], ['{"name":"a\\udc00"}', '/name'], [surrogate('x'), '/extra/x'], ['{"name":"ok","a\\udfffb":1}', '/a\udfffb']] as const) {
    const res = await app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload })
    const body = problem(t, res, 400, 'validation_failed')
    t.same(body.errors.map((e: { pointer: string }) => e.pointer), [pointer], payload)
  }
  const paired = await app.inject({ method: 'POST', url: '/test/echo', headers: { 'content-type': 'application/json' }, payload: '{"name":"\\ud83d\\ude00 好品"}' })
  t.equal(paired.statusCode, 200, 'a surrogate pair (an emoji) is text')
  // Found by probing: these reached jsonb columns (supervision event payloads, program benefit, rule labels).
  const real = await build(t)
  const all = await bearer()
  for (const [url, payload] of [
    ['/v1/supervision-cases', '{"uscc":"91371402MA3C4D5E6F","source":"inspection","topic":"quality_below_standard","severity":"serious","title":"a\\ud800b","findings":"x","occurredAt":"2025-03-12"}'],
    ['/v1/incentive-programs/OVERSEAS_TRADEMARK_SUPPORT/rule-sets', '{"rules":{"kind":"listed","label":"a\\ud800b"},"effectiveFrom":"2027-01-01"}'],
  ] as const) {
    const res = await real.inject({ method: 'POST', url, headers: { ...all, 'content-type': 'application/json', 'accept-language': 'zh-CN' }, payload })
    t.equal(res.statusCode, 400, `${url}: ${res.body}`)
    t.match(res.json().errors[0].message, /UTF-16/, 'in Chinese too')
  }
})
