import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { isoOrNull } from '../../lib/http.ts'
import { decodeCursor, nextLink, pageOf } from '../../lib/paging.ts'
import { sendJsonText } from '../../lib/reply.ts'
import { ok } from '../../lib/responses.ts'
import { instant } from '../../lib/time.ts'
import { AuditPage, AuditQuery, ChainReport } from './audit.schemas.ts'
import { listAudit, sealAudit, verifyChain } from './audit.repository.ts'

export default async function auditRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['audit']
  const config = { auth: { scopes: ['audit:read' as const] } }

  app.get('/v1/audit-events', {
    schema: {
      operationId: 'listAuditEvents',
      summary: 'The audit trail, oldest first',
      description:
        'Every write with who made it, when, and the before/after values of the fields it changed. Everything committed before this request is ' +
        'chained before it is read. Filter by entity, actor, operation or time; follow `nextCursor` (or `Link: rel="next"`).',
      tags,
      querystring: AuditQuery,
      response: { 200: ok('A page of the trail', AuditPage, ['Link']) },
    },
    config,
  }, async (request, reply) => {
    const q = request.query
    // Cursors carry an entry id; anything else (or an id beyond bigint) was not issued by this list.
    const [afterId] = (decodeCursor(q.cursor, ['string'], ([id]) => /^[1-9]\d{0,17}$/.test(id as string)) ?? []) as [string?]
    // Everything committed before this request is chained before it is read.
    await sealAudit(app.db, true)
    const rows = await listAudit(app.db, {
      entityType: q.entityType, entityId: q.entityId, actor: q.actor, operation: q.operation,
      from: instant(q.from, 'query', '/from'), to: instant(q.to, 'query', '/to'), afterId, limit: q.limit,
    })
    const { rows: page, nextCursor } = pageOf(rows, q.limit, (r) => [r.id])
    const link = nextLink(request.url, nextCursor)
    if (link) reply.header('link', link)
    // Serialized as is: the entry shape depends on entityType (see audit.schemas.ts).
    return sendJsonText(reply, JSON.stringify({
      items: page.map((r) => ({
        id: r.id, at: isoOrNull(r.at)!, actor: { sub: r.actor_sub, county: r.actor_county, dept: r.actor_dept },
        requestId: r.request_id, operation: r.operation, entityType: r.entity_type, entityId: r.entity_id,
        before: r.before, after: r.after, prevHash: r.prev_hash, hash: r.hash,
      })),
      nextCursor,
    }))
  })

  app.get('/v1/audit-events/verify', {
    schema: {
      operationId: 'verifyAuditChain',
      summary: 'Recompute the hash chain and report the first broken link',
      description: 'Chains what is pending, recomputes every hash and link, and reports the first broken position and the head to record elsewhere.',
      tags,
      response: { 200: ok('The verification result', ChainReport) },
    },
    config,
  }, async () => {
    await sealAudit(app.db, true)
    const result = await verifyChain(app.db)
    return { valid: result.firstBroken === null, ...result, checkedAt: new Date().toISOString() }
  })
}
