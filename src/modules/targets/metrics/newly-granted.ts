// newlyGranted: what is new in the period — grants of the types from the period's start up to asOf
// (and before its end). By qualification: each grant that is not a renewal. By enterprise: each
// enterprise whose first grant of any of the types falls in that window (one that held a type
// before the period is not new), counted once. Annulled grants never count once the annulment is
// known; grants whose status at asOf is excluded (revoked, by default) drop out from then on.
import { Type, type Static } from 'typebox'
import { EFFECTIVE_STATUSES, type EffectiveStatus } from '../../qualifications/lifecycle.ts'
import { statusAt } from '../../qualifications/status.sql.ts'
import { byGrant, oncePerEnterprise, type ExclusionReason, type QualificationFact, type Scope, type SqlParams, type SqlWindow, type Verdict, type Window } from './types.ts'
import { CountBy, TypeList } from './shared.ts'

export const NewlyGrantedMetric = Type.Object(
  {
    kind: Type.Literal('newlyGranted'),
    types: TypeList,
    countBy: CountBy,
    includeRenewals: Type.Optional(Type.Boolean({ description: 'Count renewals as new grants (by qualification); default false' })),
    excludeIfStatusAtAsOf: Type.Optional(
      Type.Array(Type.Enum([...EFFECTIVE_STATUSES]), { maxItems: 7, uniqueItems: true, description: 'Statuses at asOf that take a grant out of the count; default ["revoked"]' }),
    ),
  },
  { additionalProperties: false, description: 'New in the period: granted from the period start up to asOf (before the period end)' },
)
export type NewlyGranted = Static<typeof NewlyGrantedMetric>

const excludedStatuses = (m: NewlyGranted): EffectiveStatus[] => m.excludeIfStatusAtAsOf ?? ['revoked']

/** The rule for a set of facts (every qualification of the types recorded by knownAt). */
export function evaluate(metric: NewlyGranted, facts: QualificationFact[], w: Window): Verdict[] {
  const sorted = [...facts].sort(byGrant)
  const firstGrant = new Map<string, number>()
  for (const f of sorted) if (!f.annulled && !firstGrant.has(f.uscc)) firstGrant.set(f.uscc, f.grantedAt.getTime())
  const excluded = excludedStatuses(metric)
  const byEnterprise = metric.countBy === 'enterprise'
  const verdicts = sorted.map((fact): Verdict => {
    const at = fact.grantedAt.getTime()
    let reason: ExclusionReason | null = null
    if (fact.annulled) reason = 'annulled'
    else if (byEnterprise && firstGrant.get(fact.uscc)! < w.start.getTime()) reason = 'held_before_period'
    else if (at < w.start.getTime()) reason = 'granted_before_period'
    else if (at >= w.end.getTime()) reason = 'granted_after_period'
    else if (at > w.asOf.getTime()) reason = 'granted_after_as_of'
    else if (!metric.includeRenewals && fact.renewsId !== null) reason = 'renewal'
    else if (excluded.includes(fact.statusAtAsOf)) reason = 'status_at_as_of'
    return { fact, reason }
  })
  return byEnterprise ? oncePerEnterprise(verdicts) : verdicts
}

/**
 * SELECT of one row per qualification of the types recorded by knownAt, with `reason` (null:
 * counted), the same rule as evaluate(). `countedOnly` keeps the grants in the window (by
 * enterprise: every grant of the enterprises with one in the window), which holds every counted row.
 * `scope` keeps some enterprises only (the rule looks at one enterprise at a time).
 */
export function rowsSql(metric: NewlyGranted, w: SqlWindow, p: SqlParams, countedOnly: boolean, scope?: Scope): string {
  const types = p.add(metric.types, '::text[]')
  const excluded = p.add(excludedStatuses(metric), '::text[]')
  const renewals = metric.includeRenewals ? '' : `WHEN g.renews_id IS NOT NULL THEN 'renewal'`
  const inWindow = (q: string) => `${q}.granted_at >= ${w.start} AND ${q}.granted_at < ${w.end} AND ${q}.granted_at <= ${w.asOf}`
  const byEnterprise = metric.countBy === 'enterprise'
  let filter = ''
  if (countedOnly) {
    filter = byEnterprise
      ? `AND q.uscc IN (SELECT w.uscc FROM qualification w WHERE w.type_code = ANY (${types}) AND w.recorded_at <= ${w.knownAt} AND ${inWindow('w')} ${scope ? `AND ${scope('w')}` : ''})`
      : `AND ${inWindow('q')}`
  }
  const verdict = `CASE WHEN g.annulled THEN 'annulled'
      ${byEnterprise ? `WHEN g.first_granted < ${w.start} THEN 'held_before_period'` : ''}
      WHEN g.granted_at < ${w.start} THEN 'granted_before_period'
      WHEN g.granted_at >= ${w.end} THEN 'granted_after_period'
      WHEN g.granted_at > ${w.asOf} THEN 'granted_after_as_of'
      ${renewals}
      WHEN g.status = ANY (${excluded}) THEN 'status_at_as_of' END`
  const rows = `SELECT q.id, q.uscc, q.type_code, q.granted_at, q.certificate_no, q.renews_id, s.status, s.annulled,
        min(q.granted_at) FILTER (WHERE NOT s.annulled) OVER (PARTITION BY q.uscc) AS first_granted
      FROM qualification q
      CROSS JOIN LATERAL (SELECT ${statusAt('q', w.asOf, w.knownAt)} AS status,
                                 ${statusAt('q', "'infinity'::timestamptz", w.knownAt)} = 'annulled' AS annulled) s
      WHERE q.type_code = ANY (${types}) AND q.recorded_at <= ${w.knownAt} ${scope ? `AND ${scope('q')}` : ''} ${filter}`
  if (!byEnterprise) return `SELECT g.id, g.uscc, g.type_code, g.granted_at, g.certificate_no, g.status, ${verdict} AS reason FROM (${rows}) g`
  return `SELECT v.id, v.uscc, v.type_code, v.granted_at, v.certificate_no, v.status,
      CASE WHEN v.reason IS NULL AND row_number() OVER (PARTITION BY v.uscc, v.reason IS NULL ORDER BY v.granted_at, v.id) > 1
           THEN 'enterprise_already_counted' ELSE v.reason END AS reason
    FROM (SELECT g.*, ${verdict} AS reason FROM (${rows}) g) v`
}
