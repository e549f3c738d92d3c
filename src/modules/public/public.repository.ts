// Public reads. Their own SQL, selecting public columns only (never contact_*, address or
// legal_representative); status and brand status come from status.sql.ts like everywhere else.
// Each answer is one statement, prepared on PostgreSQL.
import type { Database } from '../../db/client.ts'
import { listedPage, type ListedFilter } from '../enterprises/document-cache/index.ts'
import { publicQualification, publicBrandStatus, publicDocument, publicEnterprise, qualificationStatus } from './public.sql.ts'

// asOf from $n (null = now); public answers always use everything recorded so far.
const moment = (asOf: string) => `(SELECT coalesce(${asOf}::timestamptz, statement_timestamp()) AS as_of, statement_timestamp() AS known_at) m`

const PUBLIC_ENTERPRISE = publicEnterprise(publicBrandStatus('m.as_of', 'm.known_at'))
const QUALIFICATION_STATUS = qualificationStatus('m.as_of', 'm.known_at')

/**
 * The stored answer about an enterprise now, while fresh: the moment, the brand status and the
 * `{"enterprise": ..., "qualifications": [...]}` text (the same SQL as the live answer builds it).
 */
export { currentPublicDocument as storedAnswerForEnterprise } from '../enterprises/document-cache/index.ts'

export interface Answer {
  asOf: string
  /** The status, enterprise and qualifications found, or null when the subject is unknown. */
  found: { status: string; enterprise: unknown; qualifications: unknown[] } | null
  /** What was found as the database wrote it (what the answer's ETag is taken of), or 'null'. */
  text: string
}

const BY_USCC = `SELECT iso_utc(m.as_of) AS as_of, (
  SELECT ${publicDocument(publicBrandStatus('m.as_of', 'm.known_at'), 'm.as_of', 'm.known_at')}::text
  FROM enterprise e JOIN county c ON c.code = e.county_code WHERE e.uscc = $1
) AS found
FROM ${moment('$2')}`

export async function answerForEnterprise(db: Database, uscc: string, asOf: Date | null): Promise<Answer> {
  const [row] = await db.query<{ as_of: string; found: string | null }>(BY_USCC, [uscc, asOf], 'public_verify_enterprise')
  if (!row!.found) return { asOf: row!.as_of, found: null, text: 'null' }
  const found = JSON.parse(row!.found) as { enterprise: { brandStatus: string }; qualifications: unknown[] }
  return { asOf: row!.as_of, found: { status: found.enterprise.brandStatus, enterprise: found.enterprise, qualifications: found.qualifications }, text: row!.found }
}

// A number freed by annulment may be granted again: the live holder comes first.
const BY_CERTIFICATE = `SELECT iso_utc(m.as_of) AS as_of, (
  SELECT json_build_object('status', s.status, 'enterprise', ${PUBLIC_ENTERPRISE}, 'qualification', ${publicQualification('m.as_of', 'm.known_at')})::text
  FROM qualification q JOIN qualification_type t ON t.code = q.type_code
    JOIN enterprise e ON e.uscc = q.uscc JOIN county c ON c.code = e.county_code ${QUALIFICATION_STATUS}
  WHERE q.type_code = $1 AND q.certificate_no = $2 AND s.status IS NOT NULL
  ORDER BY s.status = 'annulled', q.granted_at DESC, q.id LIMIT 1
) AS found
FROM ${moment('$3')}`

export async function answerForCertificate(db: Database, type: string, certificateNo: string, asOf: Date | null): Promise<Answer> {
  const [row] = await db.query<{ as_of: string; found: string | null }>(BY_CERTIFICATE, [type, certificateNo, asOf], 'public_verify_certificate')
  if (!row!.found) return { asOf: row!.as_of, found: null, text: 'null' }
  const found = JSON.parse(row!.found) as { status: string; enterprise: unknown; qualification: unknown }
  return { asOf: row!.as_of, found: { status: found.status, enterprise: found.enterprise, qualifications: [found.qualification] }, text: row!.found }
}

const SHOWCASE_ITEMS = `SELECT e.uscc, json_build_object('uscc', e.uscc, 'name', e.name, 'countyCode', e.county_code, 'countyName', c.name,
    'brandStatus', ${publicBrandStatus('m.as_of', 'm.known_at')},
    'qualifications', coalesce((
      SELECT json_agg(json_build_object('type', q.type_code, 'typeName', t.name, 'listing', t.counts_as_listing,
               'certificateNo', q.certificate_no, 'title', q.title, 'batch', q.batch,
               'validFrom', iso_utc(q.valid_from), 'validUntil', iso_utc(q.valid_until))
             ORDER BY t.counts_as_listing DESC, q.granted_at, q.id)
      FROM qualification q JOIN qualification_type t ON t.code = q.type_code ${QUALIFICATION_STATUS}
      WHERE q.uscc = e.uscc AND s.status = 'active'), '[]'::json))::text AS doc
  FROM (SELECT $2::timestamptz AS as_of, $2::timestamptz AS known_at) m
  CROSS JOIN enterprise e JOIN county c ON c.code = e.county_code
  WHERE e.uscc = ANY($1::bpchar[])
  ORDER BY e.uscc`

/**
 * Listed enterprises in USCC order, one more than the limit, with their public showcase items;
 * asOf even when the page is empty. The page is chosen by the stored documents (listedPage), the
 * items built for the same moment.
 */
export async function showcasePage(db: Database, f: ListedFilter): Promise<{ asOf: string; items: { uscc: string; doc: string }[] }> {
  const page = await listedPage(db, f)
  if (page.usccs.length === 0) return { asOf: page.at, items: [] }
  return { asOf: page.at, items: await db.query<{ uscc: string; doc: string }>(SHOWCASE_ITEMS, [page.usccs, page.at], 'public_showcase_items') }
}
