// A change of a qualification's status inside the caller's unit of work: the one code path for
// POST /v1/qualifications/{id}/status-changes and for anything else that suspends, reinstates,
// revokes, annuls or records a withdrawal (a supervision case's provincial decision). It locks the
// qualification row first, so concurrent changes to one qualification run one after the other.
import type { Transaction } from '../../db/client.ts'
import { assertCountyAccess, type Actor } from '../../lib/actor.ts'
import { assertIfMatch, etagOf } from '../../lib/http.ts'
import { AppError, problems } from '../../lib/problems.ts'
import { recordAudit } from '../audit/audit.repository.ts'
import { allowedTransitionsAt, effectiveStatus, type RecordedStatus } from './lifecycle.ts'
import * as repo from './qualifications.repository.ts'

export interface StatusChangeCommand {
  qualificationId: string
  to: RecordedStatus
  reasonCode: string
  reason: string
  occurredAt: Date | null
  effectiveAt: Date
  decision: { authority: string; level: string; documentNo: string | null; decidedAt: Date | null }
  /** The ETag the caller read; 412 when the qualification changed since. */
  ifMatch?: string | undefined
}

export interface AppliedStatusChange {
  id: string
  /** The recorded change, as GET /v1/qualifications/{id}/history lists it (JSON text). */
  change: string
  seq: number
  /** The qualification after the change. */
  qualification: repo.QualificationDoc
}

/** Field errors of a change point into this part of the request (the status-change body by default). */
export async function applyStatusChange(tx: Transaction, actor: Actor, c: StatusChangeCommand, pointer = ''): Promise<AppliedStatusChange> {
  const id = c.qualificationId
  const current = await repo.lockQualification(tx, id)
  if (!current) throw problems.notFound('qualification', id)
  assertCountyAccess(actor, current.county_code)
  assertIfMatch(c.ifMatch, etagOf(current.doc.base))
  if (c.effectiveAt < current.granted_at) {
    throw problems.field('body', `${pointer}/effectiveAt`, `is before the qualification was granted (${current.granted_at.toISOString()})`)
  }
  if (c.effectiveAt < current.last_effective_at) {
    throw new AppError(
      'out_of_order_change',
      `the last recorded change takes effect at ${current.last_effective_at.toISOString()}; a new change cannot take effect before it`,
      { lastEffectiveAt: current.last_effective_at.toISOString(), qualificationId: id },
    )
  }
  const statusThen = effectiveStatus(current.status, current.valid_from, current.valid_until, c.effectiveAt)
  const allowed = allowedTransitionsAt(statusThen)
  if (!allowed.includes(c.to)) {
    throw new AppError(
      'invalid_transition',
      `the qualification is ${statusThen} at ${c.effectiveAt.toISOString()}; ${allowed.length ? `it can become ${allowed.join(', ')}` : 'that status is final'}`,
      { currentStatus: statusThen, allowedTransitions: [...allowed], qualificationId: id },
    )
  }
  // The change, then the document after it: sent together, one round trip.
  const [event, after] = await Promise.all([
    repo.appendEvent(tx, {
      qualificationId: id,
      from: current.status,
      to: c.to,
      reasonCode: c.reasonCode,
      reason: c.reason,
      occurredAt: c.occurredAt,
      effectiveAt: c.effectiveAt,
      decision: c.decision,
    }, actor, true),
    repo.currentDoc(tx, id),
  ])
  const times = { occurredAt: c.occurredAt, effectiveAt: c.effectiveAt }
  recordAudit(tx, actor, [
    { operation: 'qualification.change_status', entityType: 'qualification', entityId: id, before: current.doc.base, after: after.base, ...times },
    { operation: 'qualification_event.create', entityType: 'qualification_event', entityId: `${id}:${event.seq}`, before: null, after: event.doc, ...times },
  ])
  return { id, change: event.doc, seq: event.seq, qualification: after }
}
