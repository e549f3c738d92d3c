import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { nextLink } from '../../lib/paging.ts'
import { problemResponses } from '../../plugins/openapi.ts'
import { CompactJws, Jwks, ShowcasePage, ShowcaseQuery, Statement, VerifyQuery, type StatementDto } from './public.schemas.ts'
import { createPublicService } from './public.service.ts'
import { loadStatementSigner } from './statement-key.ts'

export default async function publicRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const service = createPublicService({ db: app.db, clock: app.clock }, await loadStatementSigner(app.config))
  const tags = ['public']
  // Per client address (behind a proxy, set TRUST_PROXY so the address is the client's).
  const config = {
    auth: false as const,
    rateLimit: { max: app.config.publicRateLimit.max, timeWindow: app.config.publicRateLimit.windowMs },
  }

  app.get('/v1/public/verify', {
    schema: {
      operationId: 'verifyPublicly',
      summary: 'Is this enterprise\'s brand, or this certificate, genuine? A signed statement from live data',
      description:
        'Ask about an enterprise (`uscc`) or a certificate (`certificateNo` and `type`). The answer names the enterprise (public name, county, ' +
        'brand status) and each public qualification (type, certificate number, status, validity), the moment it describes (`asOf`) and a ' +
        '`statementId`. Anything the registry does not hold is answered with `"status": "unknown"` — never a guess; a malformed USCC is a 400. ' +
        'With `format=jws` or `Accept: application/jose` the same statement comes as a compact JWS signed with the registry\'s key; check it ' +
        'any time later against `/.well-known/jwks.json`. Rate limited per client address.',
      tags,
      querystring: VerifyQuery,
      response: {
        200: {
          description: 'The statement, as JSON or as a compact JWS of that JSON',
          content: { 'application/json': { schema: Statement }, 'application/jose': { schema: CompactJws } },
        },
      },
    },
    config,
  }, async (request, reply) => sendStatement(request, reply, await service.verify(request.query)))

  app.get('/v1/public/brands', {
    schema: {
      operationId: 'listPublicBrands',
      summary: 'Showcase: enterprises with an active 好品山东 listing, with their active qualifications',
      description: 'Public fields only. Filter by county, or by a qualification type the enterprise also holds actively. Ordered by USCC; follow `nextCursor` or the `Link: rel="next"` header.',
      tags,
      querystring: ShowcaseQuery,
      response: { 200: ShowcasePage },
    },
    config,
  }, async (request, reply) => {
    const page = await service.showcase(request.query)
    const link = nextLink(request.url, page.nextCursor)
    return (link ? reply.header('link', link) : reply).send(page)
  })

  app.get('/.well-known/jwks.json', {
    schema: {
      operationId: 'getStatementKeys',
      summary: 'Public keys that verify the registry\'s signed statements (JWK Set)',
      tags,
      response: { 200: Jwks, ...problemResponses(429) },
    },
    config,
  }, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(service.jwks() as never))

  /** JSON by default; the compact JWS of exactly those bytes when asked for. */
  async function sendStatement(request: FastifyRequest<{ Querystring: { format?: string } }>, reply: FastifyReply, statement: StatementDto | { json: string }) {
    const json = 'json' in statement ? statement.json : (reply.serializeInput(statement, '200', 'application/json') as string)
    reply.header('cache-control', 'no-store').header('vary', 'Accept')
    const format = request.query.format ?? (/application\/jose/i.test(request.headers.accept ?? '') ? 'jws' : 'json')
    if (format === 'jws') return reply.type('application/jose').send(await service.sign(json))
    return reply.type('application/json; charset=utf-8').send(json)
  }
}
