// activeAt: what is held at asOf — qualifications of the types whose status at asOf (as known at
// knownAt) is active, counted per enterprise or per qualification. A qualification whose annulment
// is known never counts (granted in error: the annulment reaches back).
import { Type, type Static } from 'typebox'
import { statusAt } from '../../qualifications/status.sql.ts'
import { byGrant, oncePerEnterprise, type QualificationFact, type Scope, type SqlParams, type SqlWindow, type Verdict } from './types.ts'
import { CountBy, TypeList, typesSql } from './shared.ts'

export const ActiveAtMetric = Type.Object(
  {
    kind: Type.Literal('activeAt'),
    types: Type.Optional(TypeList),
    listingTypes: Type.Optional(Type.Literal(true, { description: 'Count the types that are 好品山东 listings (countsAsListing) instead of naming types' })),
    countBy: CountBy,
  },
  { additionalProperties: false, description: 'Held at asOf: status active at asOf as known at knownAt. Give `types` or `listingTypes: true`.' },
)
export type ActiveAt = Static<typeof ActiveAtMetric>

/** The rule for a set of facts (one per qualification of the types recorded by knownAt). */
export function evaluate(metric: ActiveAt, facts: QualificationFact[]): Verdict[] {
  const verdicts = [...facts].sort(byGrant).map((fact): Verdict => ({
    fact,
    reason: fact.annulled ? 'annulled' : fact.statusAtAsOf !== 'active' ? 'not_active_at_as_of' : null,
  }))
  return metric.countBy === 'enterprise' ? oncePerEnterprise(verdicts) : verdicts
}

/**
 * SELECT of one row per qualification of the types recorded by knownAt, with `reason` (null:
 * counted). `countedOnly` adds conditions every active qualification meets (granted and valid by
 * asOf), so that only candidates are evaluated; the verdicts of those rows are the same. `scope`
 * keeps some enterprises only (every rule looks at one enterprise at a time, so their verdicts are the same).
 */
export function rowsSql(metric: ActiveAt, w: SqlWindow, p: SqlParams, countedOnly: boolean, scope?: Scope): string {
  const types = typesSql(metric, p)
  const counts = `(NOT s.annulled AND s.status = 'active')`
  const once = metric.countBy === 'enterprise'
    ? `WHEN row_number() OVER (PARTITION BY q.uscc, ${counts} ORDER BY q.granted_at, q.id) > 1 THEN 'enterprise_already_counted'`
    : ''
  return `SELECT q.id, q.uscc, q.type_code, q.granted_at, q.certificate_no, s.status,
      CASE WHEN s.annulled THEN 'annulled' WHEN s.status IS DISTINCT FROM 'active' THEN 'not_active_at_as_of' ${once} END AS reason
    FROM qualification q
    CROSS JOIN LATERAL (SELECT ${statusAt('q', w.asOf, w.knownAt)} AS status,
                               ${statusAt('q', "'infinity'::timestamptz", w.knownAt)} = 'annulled' AS annulled) s
    WHERE q.type_code = ANY (${types}) AND q.recorded_at <= ${w.knownAt} ${scope ? `AND ${scope('q')}` : ''}
      ${countedOnly ? `AND q.granted_at <= ${w.asOf} AND q.valid_from <= ${w.asOf} AND (q.valid_until IS NULL OR q.valid_until > ${w.asOf})` : ''}`
}
