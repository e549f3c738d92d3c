// The public shape of an enterprise and its qualifications: public columns only (never contact_*,
// address or legal_representative). Shared by live public answers (public.repository.ts) and the
// stored public document (enterprises/documents.repository.ts), so both say the same thing.
import { brandStatusAt, statusAt } from '../qualifications/status.sql.ts'

/** json: the public enterprise of alias `e` with county `c`; `brandStatus` an SQL expression. */
export function publicEnterprise(brandStatus: string): string {
  return `json_build_object('uscc', e.uscc, 'name', e.name, 'countyCode', e.county_code, 'countyName', c.name,
  'brandStatus', ${brandStatus})`
}

/** The brand status of alias `e` at the given times, for public answers. */
export const publicBrandStatus = (asOf: string, knownAt: string) => brandStatusAt('e', asOf, knownAt)

/**
 * json: the public qualification of alias `q` with type `t` and status `s` at the given times; a
 * suspended, revoked or withdrawn one names the decision that made it so (when, by whom, 文号).
 */
export const publicQualification = (asOf: string, knownAt: string) => `json_build_object('type', q.type_code, 'typeName', t.name, 'certificateNo', q.certificate_no,
  'title', q.title, 'issuer', q.issuer, 'batch', q.batch, 'status', s.status,
  'validFrom', iso_utc(q.valid_from), 'validUntil', iso_utc(q.valid_until),
  'decision', CASE WHEN s.status IN ('suspended', 'revoked', 'withdrawn') THEN (
    SELECT json_build_object('effectiveAt', iso_utc(ev.effective_at), 'authority', ev.decision_authority, 'level', ev.decision_level,
      'documentNo', ev.decision_document_no, 'decidedAt', iso_utc(ev.decided_at))
    FROM qualification_event ev WHERE ev.qualification_id = q.id AND ev.effective_at <= ${asOf} AND ev.recorded_at <= ${knownAt}
    ORDER BY ev.seq DESC LIMIT 1) END)`

/** FROM-clause item: the status `s` of alias `q` at the given times. */
export const qualificationStatus = (asOf: string, knownAt: string) => `CROSS JOIN LATERAL (SELECT ${statusAt('q', asOf, knownAt)} AS status) s`

/**
 * json: what public verification says of enterprise `e` (county `c`): the public enterprise and
 * every qualification it holds or held that was not annulled, listings first.
 */
export function publicDocument(brandStatus: string, asOf: string, knownAt: string): string {
  return `json_build_object('enterprise', ${publicEnterprise(brandStatus)},
    'qualifications', coalesce((
      SELECT json_agg(${publicQualification(asOf, knownAt)} ORDER BY t.counts_as_listing DESC, q.granted_at DESC, q.id)
      FROM qualification q JOIN qualification_type t ON t.code = q.type_code ${qualificationStatus(asOf, knownAt)}
      WHERE q.uscc = e.uscc AND s.status IS NOT NULL AND s.status <> 'annulled'), '[]'::json))`
}
