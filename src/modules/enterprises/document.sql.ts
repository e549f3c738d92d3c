// The enterprise's response documents, in one place: what GET /v1/enterprises/{uscc} (and each item
// of a list) and public verification by USCC say about an enterprise, built from the tables in one
// SQL statement for any moment. The document cache (document-cache/) stores them for "now"; every
// other reader computes them with this SQL.
//
// Every table this SQL reads feeds the documents, so each needs a trigger that marks the stored
// documents it affects stale (migrations 20261126001500 and 20261126001700): enterprise,
// cultivation_listing, qualification, qualification_event, qualification_type, county. A new
// table read here without such a trigger would let stored documents go stale unseen.
import { publicDocument } from '../public/public.sql.ts'
import { brandStatusFrom, statusAt } from '../qualifications/status.sql.ts'
import { enterpriseVersionAt } from './enterprise-version.sql.ts'

export interface EnterpriseDocument {
  /** The response body (JSON text). */
  doc: string
  /** Its strong ETag (quoted), computed from the text by the database wherever the text is built. */
  etag: string
  /** The list item (JSON text): the document's identifying and status fields, see EnterpriseSummary. */
  summary: string
}

/** Strong ETag of a JSON text column: the first 27 characters of its base64url SHA-256, quoted. */
const etagOf = (doc: string) => `'"' || left(translate(encode(sha256(convert_to(${doc}, 'UTF8')), 'base64'), '+/', '-_'), 27) || '"'`

/** Column expression: the public verification document of the row's enterprise (for `columns`). */
export const publicDocumentColumn = (asOf: string) => `${publicDocument('b.brand_status', asOf, asOf)}::text`

/**
 * The enterprises of alias `e` matching `where`, as (uscc, doc, etag, summary) ordered by uscc, at
 * `asOf` with everything recorded by then. `columns` adds columns over the aliases e
 * (enterprise), c (county) and b.brand_status. With `knownAt` (a read of another moment), the
 * qualifications are as recorded by knownAt and the tracked attributes (name, county, stage,
 * business status, industry, lists) are the enterprise version in force then (enterprise-version.sql.ts);
 * without it (the stored documents, "now"), they are the enterprise row's.
 */
export function enterpriseDocumentSql(where: string, asOf: string, columns = '', knownAt?: string): string {
  const a = knownAt ? 'v' : 'e'
  const lists = knownAt
    ? `SELECT coalesce(json_agg(json_build_object('list', l->>'list', 'year', (l->>'year')::int) ORDER BY (l->>'year')::int, l->>'list'), '[]'::json) AS lists
  FROM jsonb_array_elements(v.cultivation_lists) l`
    : `SELECT coalesce(json_agg(json_build_object('list', l.list, 'year', l.year) ORDER BY l.year, l.list), '[]'::json) AS lists
  FROM cultivation_listing l WHERE l.uscc = e.uscc`
  return `
SELECT e.uscc, x.doc, ${etagOf('x.doc')} AS etag, x.summary${columns ? `, ${columns}` : ''}
FROM enterprise e
${knownAt ? enterpriseVersionAt('e', asOf, knownAt, 'v') : ''}
JOIN county c ON c.code = ${a}.county_code
CROSS JOIN LATERAL (
  SELECT coalesce(json_agg(json_build_object('id', q.id, 'type', q.type_code, 'typeName', t.name,
           'certificateNo', q.certificate_no, 'validFrom', iso_utc(q.valid_from), 'validUntil', iso_utc(q.valid_until))
           ORDER BY q.granted_at, q.id), '[]'::json) AS items,
         coalesce(json_agg(DISTINCT q.type_code ORDER BY q.type_code), '[]'::json) AS types,
         coalesce(bool_or(t.counts_as_listing), false) AS listed, count(*) AS n
  FROM qualification q JOIN qualification_type t ON t.code = q.type_code
  WHERE q.uscc = e.uscc AND ${statusAt('q', asOf, knownAt ?? asOf)} = 'active'
) aq
CROSS JOIN LATERAL (
  ${lists}
) cl
CROSS JOIN LATERAL (SELECT ${brandStatusFrom(a, 'aq.listed', 'aq.n > 0')} AS brand_status) b
CROSS JOIN LATERAL (SELECT json_build_object(
  'uscc', e.uscc, 'name', ${a}.name, 'countyCode', ${a}.county_code, 'countyName', c.name,
  'industryCode', ${a}.industry_code, 'address', e.address, 'legalRepresentative', e.legal_representative,
  'contact', json_build_object('name', e.contact_name, 'phone', e.contact_phone, 'email', e.contact_email),
  'cultivationStage', ${a}.cultivation_stage, 'cultivationLists', cl.lists, 'businessStatus', ${a}.business_status,
  'brandStatus', b.brand_status,
  'activeQualifications', aq.items,
  'version', e.version, 'createdAt', iso_utc(e.created_at), 'updatedAt', iso_utc(e.updated_at)
)::text AS doc, json_build_object(
  'uscc', e.uscc, 'name', ${a}.name, 'countyCode', ${a}.county_code, 'countyName', c.name,
  'cultivationStage', ${a}.cultivation_stage, 'businessStatus', ${a}.business_status, 'brandStatus', b.brand_status,
  'activeQualificationTypes', aq.types, 'version', e.version, 'updatedAt', iso_utc(e.updated_at)
)::text AS summary) x
WHERE ${where}
ORDER BY e.uscc`
}
