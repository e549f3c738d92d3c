// Reading the audit trail: every read first chains what has committed, so the trail read always
// includes every write that committed before the request.
import type { ServiceDeps } from '../../lib/deps.ts'
import { isoOrNull } from '../../lib/http.ts'
import { decodeCursor, pageOf } from '../../lib/paging.ts'
import { problems } from '../../lib/problems.ts'
import { instant } from '../../lib/time.ts'
import { listAudit, sealAudit, verifyChain } from './audit.repository.ts'
import { AUDIT_ENTITY_TYPES, AUDIT_OPERATIONS, type AuditEventDto, type AuditQueryInput } from './audit.schemas.ts'

export function createAuditService({ db, clock }: ServiceDeps) {
  return {
    async list(q: AuditQueryInput) {
      // Cursors carry an entry id; anything else (or an id beyond bigint) was not issued by this list.
      const [afterId] = (decodeCursor(q.cursor, ['string'], ([id]) => /^[1-9]\d{0,17}$/.test(id as string)) ?? []) as [string?]
      const from = instant(q.from, 'query', '/from')
      const to = instant(q.to, 'query', '/to')
      // A filter value the trail can never hold is a mistake to report, not an empty page.
      if (q.entityType !== undefined && !AUDIT_ENTITY_TYPES.includes(q.entityType)) {
        throw problems.field('query', '/entityType', `is not an audited entity type; known: ${AUDIT_ENTITY_TYPES.join(', ')}`, { allowedValues: AUDIT_ENTITY_TYPES })
      }
      if (q.operation !== undefined && !(AUDIT_OPERATIONS as readonly string[]).includes(q.operation)) {
        throw problems.field('query', '/operation', `is not an audited operation; known: ${AUDIT_OPERATIONS.join(', ')}`, { allowedValues: AUDIT_OPERATIONS })
      }
      await sealAudit(db, true)
      const rows = await listAudit(db, {
        entityType: q.entityType, entityId: q.entityId, actor: q.actor, operation: q.operation, countyCode: q.countyCode, from, to, afterId, limit: q.limit,
      })
      const { rows: page, nextCursor } = pageOf(rows, q.limit, (r) => [r.id])
      const items: AuditEventDto[] = page.map((r) => ({
        id: r.id,
        at: isoOrNull(r.at)!,
        actor: { sub: r.actor_sub, county: r.actor_county, dept: r.actor_dept },
        requestId: r.request_id,
        operation: r.operation,
        entityType: r.entity_type,
        entityId: r.entity_id,
        payloadFormat: r.payload_format,
        before: r.before,
        after: r.after,
        occurredAt: isoOrNull(r.occurred_at),
        effectiveAt: isoOrNull(r.effective_at),
        prevHash: r.prev_hash,
        hash: r.hash,
      }))
      return { items, nextCursor }
    },

    async verify() {
      await sealAudit(db, true)
      const result = await verifyChain(db)
      return { valid: result.firstBroken === null, ...result, checkedAt: clock.now().toISOString() }
    },
  }
}
