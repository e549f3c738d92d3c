// The OpenAPI plugin completes every route: it refuses routes without operationId, summary,
// description, tags, a described success response or an auth declaration, and adds the security
// requirements, problem responses and the headers every response carries.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { buildWithRoutes } from '../helpers/app.ts'

const meta = (operationId: string) => ({ operationId, summary: 'Test only', description: 'Test only', tags: ['operations'] })
const ok = { 200: { description: 'Test only', type: 'object' } }

t.test('routes missing operationId, summary, description, tags, a described success or config.auth are refused', async (t) => {
  await buildWithRoutes(t, (app: FastifyInstance) => {
    const handler = async () => ({})
    const { operationId: _o, ...noId } = meta('a')
    const { summary: _s, ...noSummary } = meta('b')
    const { description: _d, ...noDescription } = meta('b2')
    const { tags: _t, ...noTags } = meta('c')
    t.throws(() => app.get('/t/a', { schema: { ...noId, response: ok }, config: { auth: false } }, handler), /GET \/t\/a has no operationId/)
    t.throws(() => app.get('/t/b', { schema: { ...noSummary, response: ok }, config: { auth: false } }, handler), /has no summary/)
    t.throws(() => app.get('/t/b2', { schema: { ...noDescription, response: ok }, config: { auth: false } }, handler), /has no description/)
    t.throws(() => app.get('/t/c', { schema: { ...noTags, response: ok }, config: { auth: false } }, handler), /has no tags/)
    t.throws(() => app.get('/t/d', { schema: { ...meta('d'), response: ok } }, handler), /GET \/t\/d must declare config.auth/)
    t.throws(() => app.get('/t/e', { schema: meta('e'), config: { auth: false } }, handler), /declares no success response/)
    t.throws(() => app.get('/t/f', { schema: { ...meta('f'), response: { 200: { type: 'object' } } }, config: { auth: false } }, handler), /response 200 has no description/)
  })
})

t.test('security, problem responses and headers are added from the route declaration', async (t) => {
  const app = await buildWithRoutes(t, (app: FastifyInstance) => {
    const handler = async () => ({})
    app.get('/t/read', { schema: { ...meta('tRead'), querystring: { type: 'object', properties: { q: { type: 'string' } } }, response: ok }, config: { auth: { scopes: ['registry:read'] } } }, handler)
    app.get('/t/admin', { schema: { ...meta('tAdmin'), response: ok }, config: { auth: { scopes: ['admin'] } } }, handler)
    app.post('/t/write', { schema: { ...meta('tWrite'), body: { type: 'object' }, response: { ...ok, 409: { description: 'custom', type: 'object' } } }, config: { auth: false } }, handler)
    app.get('/v1/public/t', { schema: { ...meta('tPublic'), response: ok }, config: { auth: false, rateLimit: { max: 10, timeWindow: 1000 } } }, handler)
  })
  const doc = app.swagger() as unknown as { paths: Record<string, Record<string, { security: unknown; responses: Record<string, any>; description?: string }>> }

  const read = doc.paths['/t/read']!.get!
  t.same(read.security, [{ oauth2: ['registry:read'] }, { oauth2: ['admin'] }], 'the scope, or admin instead')
  t.same(doc.paths['/t/admin']!.get!.security, [{ oauth2: ['admin'] }])
  t.same(Object.keys(read.responses).sort(), ['200', '400', '401', '403', '500', '503'])
  t.match(read.description, /Requires scope: `registry:read` \(or `admin`\)/)
  t.same(read.responses['401'].content['application/problem+json'].schema, { $ref: '#/components/schemas/Problem' })
  t.ok(read.responses['401'].headers['WWW-Authenticate'], '401 names its challenge header')
  t.ok(read.responses['200'].headers['X-Request-Id'], 'every response names X-Request-Id')
  t.ok(read.responses['400'].headers['Content-Language'], 'problems name their language')

  const write = doc.paths['/t/write']!.post!
  t.same(write.security, [], 'public operations say so explicitly')
  t.same(Object.keys(write.responses).sort(), ['200', '400', '409', '413', '415', '429', '500', '503'], 'a body brings 400, 413 and 415 (and, public, the rate limit 429)')
  t.equal(write.responses['409'].description, 'custom', "the route's own responses win")

  const limited = doc.paths['/v1/public/t']!.get!.responses
  t.same(Object.keys(limited).sort(), ['200', '429', '500', '503'], 'rate-limited endpoints answer 429')
  t.ok(limited['429'].headers['Retry-After'], 'with Retry-After')
})
