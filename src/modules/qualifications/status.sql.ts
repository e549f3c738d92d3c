// SQL fragments for as-of answers, shared by every module that reads qualifications, so that
// "active" and brandStatus mean the same thing in every response. Parameters are passed by
// placeholder name (e.g. '$2') so callers keep their own parameter numbering.

/** Expression: effective status of qualification alias `q` at `asOf`, known at `knownAt`. */
export function statusAt(q: string, asOf: string, knownAt: string): string {
  return `qualification_status_at(${q}.id, ${q}.valid_from, ${q}.valid_until, ${q}.recorded_at, ${asOf}, ${knownAt})`
}

/** Condition: enterprise alias `e` holds an active listing (好品山东) at the given times. */
export function listedAt(e: string, asOf: string, knownAt: string): string {
  return `EXISTS (SELECT 1 FROM qualification lq JOIN qualification_type lt ON lt.code = lq.type_code
    WHERE lq.uscc = ${e}.uscc AND lt.counts_as_listing AND ${statusAt('lq', asOf, knownAt)} = 'active')`
}

/** Condition: enterprise alias `e` holds any active qualification at the given times. */
export function holdsActiveAt(e: string, asOf: string, knownAt: string): string {
  return `EXISTS (SELECT 1 FROM qualification aq WHERE aq.uscc = ${e}.uscc AND ${statusAt('aq', asOf, knownAt)} = 'active')`
}

/**
 * Expression: brand status of enterprise alias `e` — 'listed' with an active 好品山东 listing,
 * 'cultivating' with any other active qualification or a cultivation stage or list, else 'none'.
 */
export function brandStatusAt(e: string, asOf: string, knownAt: string): string {
  return `CASE WHEN ${listedAt(e, asOf, knownAt)} THEN 'listed'
    WHEN ${e}.cultivation_stage IS NOT NULL OR EXISTS (SELECT 1 FROM cultivation_listing cl WHERE cl.uscc = ${e}.uscc)
      OR ${holdsActiveAt(e, asOf, knownAt)} THEN 'cultivating'
    ELSE 'none' END`
}
