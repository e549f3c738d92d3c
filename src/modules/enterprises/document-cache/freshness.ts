// The freshness rule of the stored enterprise documents (migration 20261126001500): a stored row
// answers for a moment only while that moment is before its fresh_until, the first moment at which
// the document would read differently by the passing of time alone. Any change to what the
// document is built from marks the row stale in the same transaction (fresh_until = -infinity,
// mark + 1), by the triggers of every table document.sql.ts reads; a refresh stores what it built
// only if no change overtook it (`mark`). Only the files of this folder use these fragments: the
// rest of the registry calls the functions in index.ts.

/**
 * Expression: the first moment after `asOf` at which enterprise `e`'s documents could read
 * differently without any write: a qualification's validity starting or ending, a recorded
 * change taking effect (only qualifications whose last change lies ahead have any), or a row
 * recorded "in the future" by a clock ahead of this one becoming known. 'infinity' when none.
 */
export function freshUntil(asOf: string): string {
  return `coalesce((
    SELECT min(v.t) FROM qualification q
    CROSS JOIN LATERAL (VALUES (q.valid_from), (q.valid_until), (q.recorded_at), (q.status_recorded_at),
      (CASE WHEN q.status_effective_at > ${asOf} THEN
         (SELECT min(ev.effective_at) FROM qualification_event ev WHERE ev.qualification_id = q.id AND ev.effective_at > ${asOf}) END)) v(t)
    WHERE q.uscc = e.uscc AND v.t > ${asOf}), 'infinity'::timestamptz)`
}

/**
 * Condition: the stored row `d` is fresh at `at`. Written so that no index can serve it: the
 * fresh_until index exists for finding stale rows, and a planner whose statistics were taken
 * while most rows were stale (after the migration, or a catalog rename) would otherwise read
 * "fresh" as rare and walk that index instead of the primary key (seconds instead of 0.1 ms).
 */
export const freshAt = (d: string, at: string) => `(${d}.fresh_until > ${at}) IS TRUE`

/** Condition: some stored document is stale at `at` (by the fresh_until index: normally none). */
export const staleExists = (at: string) => `EXISTS (SELECT 1 FROM enterprise_document sd WHERE sd.fresh_until <= ${at})`
