// HTTP basics of the assembled app: request ids, security headers, liveness and readiness.
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { createDatabase } from '../src/db/client.ts'
import type { FastifyInstance } from 'fastify'
import { build, testConfig } from './helpers/app.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

let app: FastifyInstance
t.before(async () => {
  app = await build(t)
})

t.test('X-Request-Id is taken from the request when usable, generated otherwise, and echoed', async (t) => {
  const given = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'gw-2026.11:abc_1' } })
  t.equal(given.headers['x-request-id'], 'gw-2026.11:abc_1')

  const a = await app.inject({ method: 'GET', url: '/healthz' })
  const b = await app.inject({ method: 'GET', url: '/healthz' })
  t.match(a.headers['x-request-id'], UUID, 'generated when absent')
  t.not(a.headers['x-request-id'], b.headers['x-request-id'], 'a new id per request')

  for (const unusable of ['has spaces', 'x'.repeat(129), 'a/b', '<script>', '']) {
    const res = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': unusable } })
    t.match(res.headers['x-request-id'], UUID, `replaced: ${JSON.stringify(unusable.slice(0, 12))}`)
  }

  const problem = await app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'trace-404' } })
  t.equal(problem.headers['x-request-id'], 'trace-404', 'echoed on problem responses too')
  t.equal(problem.json().instance, 'trace-404')
})

t.test('security headers are set on every kind of response', async (t) => {
  // Any route that needs a token will do for a 401; find one in the contract.
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const protectedPath = Object.entries(doc.paths as Record<string, Record<string, { security?: unknown[] }>>).find(
    ([path, ops]) => !path.includes('{') && ops.get?.security?.length,
  )?.[0]
  t.ok(protectedPath, 'the contract has an operation that needs a token')
  const responses = {
    ok: await app.inject({ method: 'GET', url: '/healthz' }),
    notFound: await app.inject({ method: 'GET', url: '/nowhere' }),
    malformed: await app.inject({ method: 'POST', url: '/nowhere', headers: { 'content-type': 'application/json' }, payload: '{' }),
    unauthorized: await app.inject({ method: 'GET', url: protectedPath! }),
  }
  for (const [kind, res] of Object.entries(responses)) {
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${kind}: nosniff`)
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${kind}: frame options`)
    t.match(res.headers['strict-transport-security'], /max-age=\d+/, `${kind}: HSTS`)
    t.equal(res.headers['referrer-policy'], 'no-referrer', `${kind}: referrer policy`)
    t.equal(res.headers['x-powered-by'], undefined, `${kind}: no x-powered-by`)
  }
  t.equal(responses.unauthorized.statusCode, 401, `${protectedPath} without a token`)
})

t.test('/healthz and /readyz answer 200 with a reachable database', async (t) => {
  const health = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ok' })
})

t.test('/readyz is a 503 not_ready problem when the database is unreachable', async (t) => {
  const db = await createDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: 'memory://', poolMax: 2 })
  const app = await buildApp(await testConfig(), { db })
  t.teardown(() => app.close())
  await app.ready()
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'ready while the database is open')
  await db.close()
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { code: 'not_ready', status: 503, type: 'urn:haopin-registry:problem:not_ready' })
  t.notMatch(res.body, /closed|pool|PGlite/i, 'the driver error stays in the log')
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'the process is still alive')
})
