// SQL fragments for as-of answers, shared by every module that reads qualifications, so that
// "active" and brandStatus mean the same thing in every response. Parameters are passed by
// placeholder name (e.g. '$2') so callers keep their own parameter numbering.

/**
 * Expression: effective status of qualification alias `q` at `asOf`, known at `knownAt`.
 * When its last change is in effect at asOf and recorded by knownAt (always so for "now"), the
 * status is read from the row (columns kept by a trigger); otherwise the history decides
 * (qualification_status_at). Both apply the same rule: expiry and pending follow from the dates.
 */
export function statusAt(q: string, asOf: string, knownAt: string): string {
  return `CASE WHEN ${q}.status_effective_at <= ${asOf} AND ${q}.status_recorded_at <= ${knownAt} THEN
      CASE WHEN ${q}.status IN ('active', 'suspended') AND ${q}.valid_until <= ${asOf} THEN 'expired'
           WHEN ${q}.status = 'active' AND ${q}.valid_from > ${asOf} THEN 'pending'
           ELSE ${q}.status::text END
    ELSE qualification_status_at(${q}.id, ${q}.valid_from, ${q}.valid_until, ${q}.recorded_at, ${asOf}, ${knownAt}) END`
}

/** Condition: enterprise alias `e` holds an active listing (好品山东) at the given times. */
export function listedAt(e: string, asOf: string, knownAt: string): string {
  // ANY(ARRAY(...)) is computed once per statement and joins the index condition, so the status
  // is computed only for listing-type qualifications.
  return `EXISTS (SELECT 1 FROM qualification lq
    WHERE lq.uscc = ${e}.uscc AND lq.type_code = ANY (ARRAY(SELECT lt.code FROM qualification_type lt WHERE lt.counts_as_listing))
      AND ${statusAt('lq', asOf, knownAt)} = 'active')`
}

/** Condition: enterprise alias `e` holds any active qualification at the given times. */
export function holdsActiveAt(e: string, asOf: string, knownAt: string): string {
  return `EXISTS (SELECT 1 FROM qualification aq WHERE aq.uscc = ${e}.uscc AND ${statusAt('aq', asOf, knownAt)} = 'active')`
}

/**
 * Expression: the brand-status rule for enterprise alias `e`, given SQL conditions for "holds an
 * active listing" and "holds any active qualification" — 'listed', else 'cultivating' (also with
 * a cultivation stage or list), else 'none'. For reads that compute each qualification's status
 * once and aggregate the two conditions from it.
 */
export function brandStatusFrom(e: string, listed: string, holdsActive: string): string {
  return `CASE WHEN ${listed} THEN 'listed'
    WHEN ${e}.cultivation_stage IS NOT NULL OR EXISTS (SELECT 1 FROM cultivation_listing cl WHERE cl.uscc = ${e}.uscc)
      OR ${holdsActive} THEN 'cultivating'
    ELSE 'none' END`
}

/**
 * Expression: brand status of enterprise alias `e` — 'listed' with an active 好品山东 listing,
 * 'cultivating' with any other active qualification or a cultivation stage or list, else 'none'.
 */
export function brandStatusAt(e: string, asOf: string, knownAt: string): string {
  return brandStatusFrom(e, listedAt(e, asOf, knownAt), holdsActiveAt(e, asOf, knownAt))
}
