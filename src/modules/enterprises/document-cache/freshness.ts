// The freshness rule of the stored enterprise documents (migrations 20261126001500, 20261201020000):
// a stored row answers for a moment only while that moment is before its fresh_until, the first
// moment at which the document would read differently by the passing of time alone, and while
// its enterprise has no row in enterprise_document_change. Any change to what the document is
// built from records one in the same transaction, by the triggers of every table document.sql.ts
// reads; the refresh that includes the change removes it (by its seq, so that a later change
// stays), and stores what it built only over the row it read (`refresh_no`). Only the files of
// this folder use these fragments: the rest of the registry calls the functions in index.ts.

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
export const freshAt = (d: string, at: string) =>
  `((${d}.fresh_until > ${at}) IS TRUE AND NOT EXISTS (SELECT 1 FROM enterprise_document_change dc WHERE dc.uscc = ${d}.uscc))`

/**
 * freshAt for a statement that tests many rows (a page): the changes are read once into a hash
 * (an uncorrelated NOT IN; uscc is never null) instead of probed for each row. On a 51-row name
 * search page of the benchmark database: +15-24 us a page, against +150 us for a probe a row.
 */
export const freshAmong = (d: string, at: string) =>
  `((${d}.fresh_until > ${at}) IS TRUE AND ${d}.uscc NOT IN (SELECT dc.uscc FROM enterprise_document_change dc))`

/**
 * Condition: some stored document is stale at `at` (by the fresh_until index and the changes
 * table: normally none, or a few that the refresher has not reached yet).
 */
export const staleExists = (at: string) =>
  `(EXISTS (SELECT 1 FROM enterprise_document sd WHERE sd.fresh_until <= ${at}) OR EXISTS (SELECT 1 FROM enterprise_document_change))`

/**
 * SQL: the USCCs (column `uscc`, each once) of the stored documents stale at `at`, at most `limit`
 * from each of the two sources (changed; past fresh_until, oldest first).
 */
export const someStale = (at: string, limit: string) =>
  `SELECT uscc FROM (SELECT uscc FROM enterprise_document_change ORDER BY seq LIMIT ${limit}) changed
   UNION
   SELECT uscc FROM (SELECT uscc FROM enterprise_document WHERE fresh_until <= ${at} ORDER BY fresh_until LIMIT ${limit}) expired`

/** Condition: the stored document `d` is stale at `at` (for a scan of every row). */
export const staleAt = (d: string, at: string) =>
  `((${d}.fresh_until <= ${at}) IS NOT FALSE OR EXISTS (SELECT 1 FROM enterprise_document_change dc WHERE dc.uscc = ${d}.uscc))`
