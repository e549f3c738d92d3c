// Reading the audit trail: every read first chains what has committed, so the trail read always
// includes every write that committed before the request.
import type { ServiceDeps } from '../../lib/deps.ts'
import { isoOrNull } from '../../lib/http.ts'
import { decodeCursor, pageOf } from '../../lib/paging.ts'
import { problems } from '../../lib/problems.ts'
import { instant } from '../../lib/time.ts'
import { createLocalJWKSet, compactVerify } from 'jose'
import type { StatementSigner } from '../public/statement-key.ts'
import { checkpointsAgainstChain, listAudit, listCheckpoints, sealAudit, verifyChain } from './audit.repository.ts'
import { checkpointPayload, CHECKPOINT_TYPE } from './audit-checkpointer.ts'
import { AUDIT_ENTITY_TYPES, AUDIT_OPERATIONS, type AuditEventDto, type AuditQueryInput, type CheckpointQueryInput } from './audit.schemas.ts'

type Mismatch = { id: string; reason: 'truncated' | 'rewritten' | 'bad_signature' }

export function createAuditService({ db, clock }: ServiceDeps, signer: StatementSigner) {
  const keys = createLocalJWKSet(signer.jwks)
  const decoder = new TextDecoder()

  /** Whether the stored checkpoint is the registry's signature over exactly its row. */
  async function signedAsStored(c: { seq: string; hash: string; signed_at: Date; jws: string }): Promise<boolean> {
    try {
      const { payload, protectedHeader } = await compactVerify(c.jws, keys)
      return protectedHeader.typ === CHECKPOINT_TYPE && decoder.decode(payload) === checkpointPayload(c.seq, c.hash, c.signed_at.toISOString())
    } catch {
      return false
    }
  }

  /** The first checkpoint the chain no longer agrees with, and how many were checked. */
  async function checkCheckpoints(): Promise<{ checked: number; firstMismatch: Mismatch | null }> {
    const rows = await checkpointsAgainstChain(db)
    for (const row of rows) {
      if (!(await signedAsStored(row))) return { checked: rows.length, firstMismatch: { id: row.seq, reason: 'bad_signature' } }
      if (row.chain_hash === null) return { checked: rows.length, firstMismatch: { id: row.seq, reason: 'truncated' } }
      if (row.chain_hash !== row.hash) return { checked: rows.length, firstMismatch: { id: row.seq, reason: 'rewritten' } }
    }
    return { checked: rows.length, firstMismatch: null }
  }

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
      const [result, checkpoints] = await Promise.all([verifyChain(db), checkCheckpoints()])
      const valid = result.firstBroken === null && result.unchained === 0 && checkpoints.firstMismatch === null
      return { valid, ...result, checkpoints, checkedAt: clock.now().toISOString() }
    },

    async checkpoints(q: CheckpointQueryInput) {
      const [beforeSeq] = (decodeCursor(q.cursor, ['string'], ([id]) => /^[1-9]\d{0,17}$/.test(id as string)) ?? []) as [string?]
      const rows = await listCheckpoints(db, { beforeSeq, limit: q.limit })
      const { rows: page, nextCursor } = pageOf(rows, q.limit, (r) => [r.seq])
      return { items: page.map((r) => ({ id: r.seq, hash: r.hash, signedAt: r.signed_at.toISOString(), jws: r.jws })), nextCursor }
    },
  }
}
