// The case document (GET /v1/supervision-cases/{id}) from a case row at a moment: the facts stored
// with its last visible event, plus what the lifecycle allows next. One place maps rows to documents.
import { etagOf } from '../../lib/http.ts'
import { allowedEvents } from './case-lifecycle.ts'
import type { CaseRow } from './supervision.repository.ts'

export interface CaseDocument {
  /** Without asOf/knownAt: what the ETag and audit entries cover. */
  base: string
  /** The response document. */
  doc: string
  etag: string
}

export function renderCase(r: CaseRow): CaseDocument {
  const f = r.facts
  const asOf = new Date(r.as_of)
  const referred = f.referralPending && f.referral ? new Set(f.referral.qualificationIds) : new Set<string>()
  const base = {
    id: r.id,
    caseNo: r.case_no,
    externalRef: r.external_ref,
    uscc: r.uscc,
    enterpriseName: r.enterprise_name,
    countyCode: r.county_code,
    countyName: r.county_name,
    source: r.source,
    topic: r.topic,
    severity: f.severity,
    title: r.title,
    findings: r.findings,
    problemOccurredAt: r.problem_occurred_at,
    leadDepartmentCode: r.lead_department_code,
    relatedCaseId: r.related_case_id,
    qualifications: r.qualifications.map((q) => ({ ...q, inReferral: referred.has(q.id) })),
    state: f.state,
    stateSince: f.stateSince,
    rectification: { deadline: f.deadline, overdue: f.state === 'rectifying' && f.deadline !== null && asOf.getTime() > Date.parse(f.deadline) },
    referral: f.referral,
    decision: f.decision,
    legalReferral: f.legalReferral,
    referralProposed: f.referralProposed,
    referralAgeDays: f.referralPending && f.referral ? Math.max(0, Math.floor((asOf.getTime() - Date.parse(f.referral.referredAt)) / 86_400_000)) : null,
    outcome: f.outcome,
    openedAt: f.openedAt,
    closedAt: f.closedAt,
    allowedEvents: allowedEvents(f, asOf),
    version: r.version,
    recordedAt: r.recorded_at,
    updatedAt: r.updated_at,
  }
  const text = JSON.stringify(base)
  return { base: text, doc: `${text.slice(0, -1)},"asOf":"${r.as_of}","knownAt":"${r.known_at}"}`, etag: etagOf(text) }
}
