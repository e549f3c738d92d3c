import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { nextLink } from '../../lib/paging.ts'
import { AuditPage, AuditQuery, ChainReport } from './audit.schemas.ts'
import { createAuditService } from './audit.service.ts'

export default async function auditRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const service = createAuditService({ db: app.db, clock: app.clock })
  const tags = ['audit']
  const config = { auth: { scopes: ['audit:read' as const] } }

  app.get('/v1/audit-events', {
    schema: {
      operationId: 'listAuditEvents',
      summary: 'The audit trail, oldest first',
      tags,
      querystring: AuditQuery,
      response: { 200: AuditPage },
    },
    config,
  }, async (request, reply) => {
    const page = await service.list(request.query)
    const link = nextLink(request.url, page.nextCursor)
    if (link) reply.header('link', link)
    return page
  })

  app.get('/v1/audit-events/verify', {
    schema: {
      operationId: 'verifyAuditChain',
      summary: 'Recompute the hash chain and report the first broken link',
      tags,
      response: { 200: ChainReport },
    },
    config,
  }, async () => service.verify())
}
