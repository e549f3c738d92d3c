import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Nullable } from '../../lib/schemas.ts'
import { isoOrNull } from '../../lib/http.ts'
import { decodeCursor, nextLink, pageOf } from '../../lib/paging.ts'
import { listAudit, sealAudit, verifyChain } from './audit.repository.ts'

const AuditEvent = Type.Object({
  id: Type.String({ description: 'Position in the chain (decimal string): the order in which entries were chained, an order of their commits' }),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({ sub: Type.String(), county: Nullable(Type.String()), dept: Nullable(Type.String()) }),
  requestId: Nullable(Type.String()),
  operation: Type.String({ examples: ['enterprise.update'] }),
  entityType: Type.String({ examples: ['enterprise'] }),
  entityId: Type.String(),
  before: Type.Unknown({ description: 'Values of the changed fields before the write (null on creation)' }),
  after: Type.Unknown({ description: 'Values of the changed fields after the write' }),
  prevHash: Type.String(),
  hash: Type.String(),
})

const AuditQuery = Type.Object(
  {
    entityType: Type.Optional(Type.String({ maxLength: 64 })),
    entityId: Type.Optional(Type.String({ maxLength: 128 })),
    actor: Type.Optional(Type.String({ maxLength: 256, description: 'The `sub` of the token that wrote' })),
    operation: Type.Optional(Type.String({ maxLength: 64 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
)

const ChainReport = Type.Object({
  valid: Type.Boolean(),
  entries: Type.Integer({ description: 'Entries in the chain' }),
  pending: Type.Integer({ description: 'Entries written but not chained yet: writes that committed while this verification ran' }),
  head: Nullable(Type.Object({ id: Type.String(), hash: Type.String() }, { description: 'Record this pair elsewhere: a later verification proves nothing before it was rewritten or cut off' })),
  firstBroken: Nullable(Type.Object({ id: Type.String(), reason: Type.Union([Type.Literal('hash_mismatch'), Type.Literal('link_mismatch')]) })),
  checkedAt: Type.String({ format: 'date-time' }),
})

export default async function auditRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const tags = ['audit']
  const config = { auth: { scopes: ['audit:read' as const] } }

  app.get('/v1/audit-events', {
    schema: {
      operationId: 'listAuditEvents',
      summary: 'The audit trail, oldest first',
      tags,
      querystring: AuditQuery,
      response: { 200: Type.Object({ items: Type.Array(AuditEvent), nextCursor: Nullable(Type.String()) }) },
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
      from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined, afterId, limit: q.limit,
    })
    const { rows: page, nextCursor } = pageOf(rows, q.limit, (r) => [r.id])
    const link = nextLink(request.url, nextCursor)
    if (link) reply.header('link', link)
    return {
      items: page.map((r) => ({
        id: r.id, at: isoOrNull(r.at)!, actor: { sub: r.actor_sub, county: r.actor_county, dept: r.actor_dept },
        requestId: r.request_id, operation: r.operation, entityType: r.entity_type, entityId: r.entity_id,
        before: r.before, after: r.after, prevHash: r.prev_hash, hash: r.hash,
      })),
      nextCursor,
    }
  })

  app.get('/v1/audit-events/verify', {
    schema: {
      operationId: 'verifyAuditChain',
      summary: 'Recompute the hash chain and report the first broken link',
      tags,
      response: { 200: ChainReport },
    },
    config,
  }, async () => {
    await sealAudit(app.db, true)
    const result = await verifyChain(app.db)
    return { valid: result.firstBroken === null, ...result, checkedAt: new Date().toISOString() }
  })
}
