// The OpenAPI plugin completes every route: it refuses routes without operationId, summary,
// tags or an auth declaration, and adds the security requirement and problem responses.
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { buildWithRoutes } from '../helpers/app.ts'

const meta = (operationId: string) => ({ operationId, summary: 'Test only', tags: ['operations'] })
const ok = { 200: { type: 'object' } }

t.test('routes missing operationId, summary, tags or config.auth are refused', async (t) => {
  await buildWithRoutes(t, (app: FastifyInstance) => {
    const handler = async () => ({})
    t.throws(() => app.get('/t/a', { schema: { summary: 's', tags: ['operations'] }, config: { auth: false } }, handler), /GET \/t\/a has no operationId/)
    t.throws(() => app.get('/t/b', { schema: { operationId: 'b', tags: ['operations'] }, config: { auth: false } }, handler), /has no summary/)
    t.throws(() => app.get('/t/c', { schema: { operationId: 'c', summary: 's' }, config: { auth: false } }, handler), /has no tags/)
    t.throws(() => app.get('/t/d', { schema: meta('d') }, handler), /GET \/t\/d must declare config.auth/)
  })
})

t.test('security and problem responses are added from the route declaration', async (t) => {
  const app = await buildWithRoutes(t, (app: FastifyInstance) => {
    const handler = async () => ({})
    app.get('/t/read', { schema: { ...meta('tRead'), querystring: { type: 'object', properties: { q: { type: 'string' } } }, response: ok }, config: { auth: { scopes: ['registry:read'] } } }, handler)
    app.post('/t/write', { schema: { ...meta('tWrite'), body: { type: 'object' }, response: { ...ok, 409: { description: 'custom', type: 'object' } } }, config: { auth: false } }, handler)
    app.get('/v1/public/t', { schema: { ...meta('tPublic'), response: ok }, config: { auth: false } }, handler)
  })
  const doc = app.swagger() as unknown as { paths: Record<string, Record<string, { security: unknown; responses: Record<string, any>; description?: string }>> }

  const read = doc.paths['/t/read']!.get!
  t.same(read.security, [{ bearerAuth: ['registry:read'] }])
  t.same(Object.keys(read.responses).sort(), ['200', '400', '401', '403', '500'])
  t.match(read.description, /Requires scope: `registry:read` \(or `admin`\)/)
  t.same(read.responses['401'].content['application/problem+json'].schema, { $ref: '#/components/schemas/Problem' })

  const write = doc.paths['/t/write']!.post!
  t.same(write.security, [], 'public operations say so explicitly')
  t.same(Object.keys(write.responses).sort(), ['200', '400', '409', '413', '415', '500'], 'a body brings 400, 413 and 415')
  t.equal(write.responses['409'].description, 'custom', "the route's own responses win")

  t.same(Object.keys(doc.paths['/v1/public/t']!.get!.responses).sort(), ['200', '429', '500'], 'public endpoints are rate limited')
})
