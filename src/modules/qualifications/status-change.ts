// A change of a qualification's status inside the caller's unit of work: the one code path for
// POST /v1/qualifications/{id}/status-changes and for anything else that suspends, reinstates,
// revokes, annuls or records a withdrawal (a supervision case's provincial decision). It locks the
// qualification row first, so concurrent changes to one qualification run one after the other.
import type { Transaction } from '../../db/client.ts'
import { assertCountyAccess, type Actor } from '../../lib/actor.ts'
import { assertIfMatch, etagOf } from '../../lib/http.ts'
import { AppError, problems } from '../../lib/problems.ts'
import { recordAudit } from '../audit/audit.repository.ts'
import { pendingReferralOf } from '../supervision/referral-hold.ts'
import { allowedTransitionsAt, effectiveStatus, FINAL_STATUSES, type RecordedStatus } from './lifecycle.ts'
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
  /** The supervision case event making the change (a provincial decision): recorded on the change, and it may end a qualification its own referral holds. */
  caseLink?: { caseId: string; eventSeq: number } | undefined
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
  // The referral hold is read after the row lock (sent behind it), so a referral committed meanwhile is seen.
  const ends = FINAL_STATUSES.includes(c.to)
  const [current, hold] = await Promise.all([repo.lockQualification(tx, id), ends ? pendingReferralOf(tx, id) : null])
  if (!current) throw problems.notFound('qualification', id)
  assertCountyAccess(actor, current.county_code)
  if (hold && hold.caseId !== c.caseLink?.caseId) {
    throw new AppError(
      'revocation_referral_pending',
      `qualification ${id} is referred to the province for revocation by supervision case ${hold.caseNo}; the decision is recorded on that case (or the referral withdrawn first)`,
      { caseId: hold.caseId, caseNo: hold.caseNo, qualificationId: id },
    )
  }
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
      caseLink: c.caseLink,
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

/**
 * Locks qualifications in id order (so concurrent units of work cannot deadlock) and tells each one's
 * holder and status at `at`: what a referral for revocation is checked against. Unknown ids are left out.
 */
export async function lockForReferral(tx: Transaction, ids: string[], at: Date): Promise<{ id: string; uscc: string; county: string; statusAt: string }[]> {
  const out: { id: string; uscc: string; county: string; statusAt: string }[] = []
  for (const id of [...ids].sort()) {
    const q = await repo.lockQualification(tx, id)
    if (q) out.push({ id, uscc: q.uscc, county: q.county_code, statusAt: effectiveStatus(q.status, q.valid_from, q.valid_until, at) })
  }
  return out
}
