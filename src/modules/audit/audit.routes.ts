import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { nextLink } from '../../lib/paging.ts'
import { sendJsonText } from '../../lib/reply.ts'
import { ok } from '../../lib/responses.ts'
import { AuditCheckpointPage, AuditPage, AuditQuery, ChainReport, CheckpointQuery } from './audit.schemas.ts'
import { createAuditService } from './audit.service.ts'

export default async function auditRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const service = createAuditService({ db: app.db, clock: app.clock }, app.statementSigner)
  const tags = ['audit']
  const config = { auth: { scopes: ['audit:read' as const] } }

  app.get('/v1/audit-events', {
    schema: {
      operationId: 'listAuditEvents',
      summary: 'The audit trail, oldest first',
      description:
        'Every write with who made it, when, and the entity\'s document before and after it. Everything committed before this request is ' +
        'chained before it is read. Filter by entity, actor, operation, county (of the enterprise the entry is about, when it was written) or time; an unknown `entityType` or `operation` is a 400 listing the known ones. Follow `nextCursor` (or `Link: rel="next"`).',
      tags,
      querystring: AuditQuery,
      response: { 200: ok('A page of the trail', AuditPage, ['Link']) },
    },
    config,
  }, async (request, reply) => {
    const page = await service.list(request.query)
    const link = nextLink(request.url, page.nextCursor)
    if (link) reply.header('link', link)
    // Serialized as is: the entry shape depends on entityType (see audit.schemas.ts).
    return sendJsonText(reply, JSON.stringify(page))
  })

  app.get('/v1/audit-events/verify', {
    schema: {
      operationId: 'verifyAuditChain',
      summary: 'Recompute the hash chain and report the first broken link',
      description:
        'Chains what is pending, recomputes every hash and link, finds entries that are neither chained nor pending, checks the chain against ' +
        'every signed checkpoint (a rewritten or cut tail shows there), and reports the first broken position and the head to record elsewhere.',
      tags,
      response: { 200: ok('The verification result', ChainReport) },
    },
    config,
  }, async () => service.verify())

  app.get('/v1/audit-checkpoints', {
    schema: {
      operationId: 'listAuditCheckpoints',
      summary: 'Signed checkpoints of the audit chain, newest first',
      description:
        'Every interval (`AUDIT_CHECKPOINT_INTERVAL_MS`) the registry signs the chain\'s head — position, hash, time — with its statement key. ' +
        'Keep a checkpoint: with the key set at /.well-known/jwks.json anyone can later check, offline, that the entry at that position ' +
        '(GET /v1/audit-events) still has that hash, so the trail behind it was neither rewritten nor cut off. Public, rate-limited per client.',
      tags,
      querystring: CheckpointQuery,
      response: { 200: ok('A page of checkpoints', AuditCheckpointPage, ['Link']) },
    },
    config: { auth: false, rateLimit: { max: app.config.publicRateLimit.max, timeWindow: app.config.publicRateLimit.windowMs } },
  }, async (request, reply) => {
    const page = await service.checkpoints(request.query)
    const link = nextLink(request.url, page.nextCursor)
    if (link) reply.header('link', link)
    return page
  })
}
