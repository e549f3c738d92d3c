// The enterprise's response documents: the one definition of what GET /v1/enterprises/{uscc}
// (and each item of a list) and public verification by USCC say about an enterprise, built in one
// SQL statement, and stored in enterprise_document so that the common question, "now", is one
// row read.
//
// The stored copy is a cache the database keeps honest (migration 20261126001500): every change
// to an enterprise, its lists or its qualifications marks its row stale in the same statement; a
// refresh stores what it built only if no change overtook it (`mark`); and a row is used only
// until `fresh_until`, the first moment at which the answer would change by time alone (a
// qualification starting or expiring, a change taking effect). Whatever is not fresh is computed
// live, so correctness never waits for a refresh: refreshing only makes reads cheaper.
import { ADVISORY_LOCKS } from '../../db/advisory-locks.ts'
import type { Database, Queryable } from '../../db/client.ts'
import { actorParams, insertAuditSql, type Actor } from '../audit/audit.repository.ts'
import { publicDocument } from '../public/public.sql.ts'
import { brandStatusAt, brandStatusFrom, statusAt } from '../qualifications/status.sql.ts'

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

/**
 * Expression: the first moment after `asOf` at which enterprise `e`'s documents could read
 * differently without any write: a qualification's validity starting or ending, a recorded
 * change taking effect (only qualifications whose last change lies ahead have any), or a row
 * recorded "in the future" by a clock ahead of this one becoming known. 'infinity' when none.
 */
function freshUntil(asOf: string): string {
  return `coalesce((
    SELECT min(v.t) FROM qualification q
    CROSS JOIN LATERAL (VALUES (q.valid_from), (q.valid_until), (q.recorded_at), (q.status_recorded_at),
      (CASE WHEN q.status_effective_at > ${asOf} THEN
         (SELECT min(ev.effective_at) FROM qualification_event ev WHERE ev.qualification_id = q.id AND ev.effective_at > ${asOf}) END)) v(t)
    WHERE q.uscc = e.uscc AND v.t > ${asOf}), 'infinity'::timestamptz)`
}

/**
 * The enterprises of alias `e` matching `where`, as (uscc, doc, etag) ordered by uscc, at `asOf`
 * with everything recorded by then. With `stored`, also what enterprise_document keeps besides:
 * county_code, brand_status, public_doc and fresh_until.
 */
function documentSql(where: string, asOf: string, stored: boolean): string {
  return `
SELECT e.uscc, x.doc, ${etagOf('x.doc')} AS etag, x.summary${
    stored
      ? `, e.county_code, b.brand_status, ${publicDocument('b.brand_status', asOf, asOf)}::text AS public_doc,
    ${freshUntil(asOf)} AS fresh_until`
      : ''
  }
FROM enterprise e
JOIN county c ON c.code = e.county_code
CROSS JOIN LATERAL (
  SELECT coalesce(json_agg(json_build_object('id', q.id, 'type', q.type_code, 'typeName', t.name,
           'certificateNo', q.certificate_no, 'validFrom', iso_utc(q.valid_from), 'validUntil', iso_utc(q.valid_until))
           ORDER BY q.granted_at, q.id), '[]'::json) AS items,
         coalesce(json_agg(DISTINCT q.type_code ORDER BY q.type_code), '[]'::json) AS types,
         coalesce(bool_or(t.counts_as_listing), false) AS listed, count(*) AS n
  FROM qualification q JOIN qualification_type t ON t.code = q.type_code
  WHERE q.uscc = e.uscc AND ${statusAt('q', asOf, asOf)} = 'active'
) aq
CROSS JOIN LATERAL (
  SELECT coalesce(json_agg(json_build_object('list', l.list, 'year', l.year) ORDER BY l.year, l.list), '[]'::json) AS lists
  FROM cultivation_listing l WHERE l.uscc = e.uscc
) cl
CROSS JOIN LATERAL (SELECT ${brandStatusFrom('e', 'aq.listed', 'aq.n > 0')} AS brand_status) b
CROSS JOIN LATERAL (SELECT json_build_object(
  'uscc', e.uscc, 'name', e.name, 'countyCode', e.county_code, 'countyName', c.name,
  'industryCode', e.industry_code, 'address', e.address, 'legalRepresentative', e.legal_representative,
  'contact', json_build_object('name', e.contact_name, 'phone', e.contact_phone, 'email', e.contact_email),
  'cultivationStage', e.cultivation_stage, 'cultivationLists', cl.lists, 'businessStatus', e.business_status,
  'brandStatus', b.brand_status,
  'activeQualifications', aq.items,
  'version', e.version, 'createdAt', iso_utc(e.created_at), 'updatedAt', iso_utc(e.updated_at)
)::text AS doc, json_build_object(
  'uscc', e.uscc, 'name', e.name, 'countyCode', e.county_code, 'countyName', c.name,
  'cultivationStage', e.cultivation_stage, 'businessStatus', e.business_status, 'brandStatus', b.brand_status,
  'activeQualificationTypes', aq.types, 'version', e.version, 'updatedAt', iso_utc(e.updated_at)
)::text AS summary) x
WHERE ${where}
ORDER BY e.uscc`
}

/**
 * Condition: the stored row `d` is fresh at `at`. Written so that no index can serve it: the
 * fresh_until index exists for finding stale rows, and a planner whose statistics were taken
 * while most rows were stale (after the migration, or a catalog rename) would otherwise read
 * "fresh" as rare and walk that index instead of the primary key (seconds instead of 0.1 ms).
 */
const freshAt = (d: string, at: string) => `(${d}.fresh_until > ${at}) IS TRUE`

// USCCs compare as bpchar[] (the column's type): against text[] the column is cast and its index
// cannot be used.
const LIVE_ONE = documentSql('e.uscc = $1', '$2::timestamptz', false)
const LIVE_MANY = documentSql('e.uscc = ANY($1::bpchar[])', '$2::timestamptz', false)

const STORED_ONE = `SELECT doc, etag FROM enterprise_document d WHERE uscc = $1 AND ${freshAt('d', '$2')}`
const STORED_MANY = `SELECT uscc, doc, etag, summary FROM enterprise_document d WHERE uscc = ANY($1::bpchar[]) AND ${freshAt('d', '$2')}`

// Builds and returns the documents, and stores each one whose row no change has marked since the
// statement's snapshot: a concurrent change either committed before it (and is in the document)
// or bumps `mark`, and then the UPDATE's recheck of the newer row version leaves it stale.
const refreshSql = (audited: boolean) => `
WITH built AS (
  SELECT d.mark, b.* FROM enterprise_document d
  JOIN (${documentSql('e.uscc = ANY($1::bpchar[])', '$2::timestamptz', true)}) b ON b.uscc = d.uscc
), stored AS (
  UPDATE enterprise_document d
  SET doc = b.doc, etag = b.etag, summary = b.summary, public_doc = b.public_doc, county_code = b.county_code, brand_status = b.brand_status,
      fresh_until = b.fresh_until, refreshed_at = $2
  FROM built b WHERE d.uscc = b.uscc AND d.mark = b.mark
)${
  audited
    ? `, audited AS (${insertAuditSql(`SELECT $3, $4, $5, $6, 'enterprise.create', 'enterprise', b.uscc::text, NULL, b.doc::jsonb
        FROM built b WHERE b.uscc = ANY($7::bpchar[]) ORDER BY b.uscc`)})`
    : ''
}
SELECT uscc, doc, etag, summary FROM built ORDER BY uscc`
const REFRESH = refreshSql(false)
const REFRESH_AUDITED = refreshSql(true)

/**
 * SQL: joins the stored document (alias `sdoc`, columns doc, etag and summary) of the enterprise `uscc`
 * when it is fresh at `at`, so that a statement choosing enterprises also returns their
 * documents; a null doc means "compute it" (liveDocuments).
 */
export const freshDocumentJoin = (uscc: string, at: string) =>
  // One primary-key probe per row of the page (OFFSET 0: never a merge join over the whole table).
  `LEFT JOIN LATERAL (SELECT s.doc, s.etag, s.summary FROM enterprise_document s
     WHERE s.uscc = ${uscc} AND ${freshAt('s', at)} OFFSET 0) sdoc ON true`

/** How many stale documents a brand-status page reads by index before it falls back to a scan. */
const STALE_BY_INDEX = 1000

/**
 * SQL: the USCCs (column `uscc`, in order, at most `limit`) of the enterprises whose brand status
 * at `at` is `status`, among the rows of `from` (which provides alias `e`) that meet `where`; and
 * in column `item`, the stored document column named by `item` for the fresh ones (null for the
 * stale ones and without `item`: compute those), read from the row the page found rather than by
 * a second probe.
 *
 * The stale documents are collected first, in the statement's own snapshot: by the fresh_until
 * index while there are at most STALE_BY_INDEX of them (the normal case: the refresher keeps
 * up), by a scan otherwise (a backlog, e.g. after a migration). The shape does not depend on the
 * planner's estimate of how many are stale, which histograms get wrong as time passes. Then:
 *  - every other enterprise is filtered by its stored brand status, a range of the
 *    (county_code, brand_status, uscc) or (brand_status, uscc) index, each row then checked
 *    against `where` on its own (name postings drive the page instead);
 *  - each stale one is checked against `where` and evaluated from its qualifications (LATERAL and
 *    OFFSET 0 keep the planner from evaluating every candidate of the other filters, or from
 *    joining all listings).
 * Both in USCC order, merged. `key` is the ordering column of `from` ('e.uscc', or 'g.uscc' for
 * name postings); `county` the parameter of a county filter, which `where` does not repeat: a fresh
 * row's stored county is the enterprise's (moving it marks the row stale), so the fresh branch
 * reads it from the index alone.
 */
export function brandStatusPageSql(o: {
  status: string
  at: string
  from: string
  key: 'e.uscc' | 'g.uscc'
  where: string[]
  county?: string | undefined
  after?: string | undefined
  limit: string
  item?: 'summary' | 'doc' | undefined
  /**
   * Only the fresh rows, without the stale branch: the same page whenever no document is stale
   * (see staleExists), for a plan PostgreSQL sets up in half the time.
   */
  freshOnly?: boolean
}): string {
  const select = (key: string, from: string, conditions: string[], item = 'NULL::text') => {
    const all = o.after ? [...conditions, `${key} > ${o.after}`] : conditions
    return `SELECT ${key} AS uscc, ${item} AS item FROM ${from} ${all.length ? `WHERE ${all.join(' AND ')}` : ''} ORDER BY ${key} LIMIT ${o.limit}`
  }
  // Rows not in `stale` have fresh_until > at: fresh, so their stored columns are the answer.
  const storedItem = o.item ? `d.${o.item}` : undefined
  const fresh = o.freshOnly ? freshAt('d', o.at) : 'NOT (d.uscc = ANY (SELECT uscc FROM stale))'
  const stored = [`d.brand_status = ${o.status}`, ...(o.county ? [`d.county_code = ${o.county}`] : []), fresh]
  const where = o.county ? [`e.county_code = ${o.county}`, ...o.where] : o.where
  // Walking the stored status in USCC order, each row checked against the other filters on its
  // own; name postings (key g.uscc) drive the page instead and join the stored status.
  const freshPage =
    o.key === 'e.uscc'
      ? select(
          'd.uscc',
          o.where.length > 0
            ? `enterprise_document d CROSS JOIN LATERAL (SELECT 1 FROM ${o.from} WHERE ${['e.uscc = d.uscc', ...o.where].join(' AND ')} OFFSET 0) f`
            : 'enterprise_document d',
          stored,
          storedItem,
        )
      : select(o.key, `${o.from} JOIN enterprise_document d ON d.uscc = e.uscc`, [...o.where, ...stored], storedItem)
  if (o.freshOnly) return freshPage
  const candidates = `(SELECT c.uscc, c.cultivation_stage FROM stale d CROSS JOIN LATERAL (
    SELECT e.uscc, e.cultivation_stage FROM ${o.from} WHERE ${['e.uscc = d.uscc', ...where].join(' AND ')} OFFSET 0) c OFFSET 0) e`
  return `WITH few AS MATERIALIZED (
      SELECT sd.uscc FROM enterprise_document sd WHERE sd.fresh_until <= ${o.at} ORDER BY sd.fresh_until LIMIT ${STALE_BY_INDEX + 1}),
    stale AS MATERIALIZED (
      SELECT uscc FROM few WHERE (SELECT count(*) FROM few) <= ${STALE_BY_INDEX}
      UNION ALL
      SELECT sd.uscc FROM enterprise_document sd WHERE (SELECT count(*) FROM few) > ${STALE_BY_INDEX} AND sd.fresh_until <= ${o.at})
    SELECT uscc, item FROM ((${freshPage})
    UNION ALL (${select('e.uscc', candidates, [`${brandStatusAt('e', o.at, o.at)} = ${o.status}`])})) page ORDER BY uscc LIMIT ${o.limit}`
}

/** SQL: whether any stored document is stale at `at` (by the fresh_until index: normally none). */
export const staleExists = (at: string) => `EXISTS (SELECT 1 FROM enterprise_document sd WHERE sd.fresh_until <= ${at})`

type DocumentRow = { uscc: string } & EnterpriseDocument
const byUscc = (rows: DocumentRow[]) => new Map(rows.map((r) => [r.uscc, { doc: r.doc, etag: r.etag, summary: r.summary }]))

/** The documents at `asOf`, computed from the tables (any moment, including the past). */
export async function liveDocuments(db: Queryable, usccs: string[], asOf: Date): Promise<Map<string, EnterpriseDocument>> {
  if (usccs.length === 0) return new Map()
  return byUscc(await db.query<DocumentRow>(LIVE_MANY, [usccs, asOf], 'enterprise_documents_live'))
}

/** The document at `asOf`: the stored one when it is fresh then, else computed. Null when there is no such enterprise. */
export async function currentDocument(db: Queryable, uscc: string, asOf: Date): Promise<Pick<EnterpriseDocument, 'doc' | 'etag'> | null> {
  const [stored] = await db.query<Pick<EnterpriseDocument, 'doc' | 'etag'>>(STORED_ONE, [uscc, asOf], 'enterprise_document_stored')
  if (stored?.doc) return stored
  const [live] = await db.query<EnterpriseDocument>(LIVE_ONE, [uscc, asOf], 'enterprise_document_live')
  return live ?? null
}

/** The documents now: stored where fresh, computed for the rest (in one more statement). */
export async function currentDocuments(db: Queryable, usccs: string[], asOf: Date): Promise<Map<string, EnterpriseDocument>> {
  if (usccs.length === 0) return new Map()
  const rows = await db.query<DocumentRow>(STORED_MANY, [usccs, asOf], 'enterprise_documents_stored')
  const docs = byUscc(rows.filter((r) => r.doc))
  const missing = usccs.filter((u) => !docs.has(u))
  if (missing.length > 0) for (const [uscc, doc] of await liveDocuments(db, missing, asOf)) docs.set(uscc, doc)
  return docs
}

/**
 * Builds the documents at `asOf` in the caller's transaction and stores those no concurrent change
 * has overtaken; returns them all (what this transaction sees). Write paths call it last; with
 * `created`, the same statement writes the audit entry of each enterprise created (`after` is its
 * whole document).
 */
export async function refreshDocuments(
  tx: Queryable,
  usccs: string[],
  asOf: Date,
  created?: { actor: Actor; usccs: string[] },
): Promise<Map<string, EnterpriseDocument>> {
  if (usccs.length === 0) return new Map()
  if (!created?.usccs.length) return byUscc(await tx.query<DocumentRow>(REFRESH, [usccs, asOf], 'enterprise_documents_refresh'))
  return byUscc(
    await tx.query<DocumentRow>(
      REFRESH_AUDITED,
      [usccs, asOf, ...actorParams(created.actor), created.usccs],
      'enterprise_documents_refresh_audited',
    ),
  )
}

/**
 * The public verification document now (`{"enterprise": ..., "qualifications": [...]}` as JSON
 * text) with its brand status and the moment it describes, when the stored one is fresh; null
 * otherwise (ask live).
 */
export async function currentPublicDocument(db: Queryable, uscc: string): Promise<{ asOf: string; brandStatus: string; doc: string } | null> {
  const [row] = await db.query<{ as_of: string; brand_status: string; doc: string | null }>(
    `SELECT iso_utc(statement_timestamp()) AS as_of, brand_status, public_doc AS doc FROM enterprise_document d
     WHERE uscc = $1 AND ${freshAt('d', 'statement_timestamp()')}`,
    [uscc],
    'public_document_stored',
  )
  return row?.doc ? { asOf: row.as_of, brandStatus: row.brand_status, doc: row.doc } : null
}


/**
 * Refreshes up to `limit` stale documents (changed since, or past their fresh_until), oldest
 * first; returns how many it looked at, or 0 when another instance is refreshing. Rows a write
 * is changing right now are skipped (their writer holds them; a later pass takes them), and the
 * rows taken are locked before they are built, so the refresh neither waits for writers nor
 * makes writers wait longer than one small batch.
 */
export async function refreshStale(db: Database, limit: number): Promise<number> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [ADVISORY_LOCKS.documentRefresh])
    if (!lock?.ok) return 0
    // A refresh is a cache fill: if a crash loses it, its rows are simply stale again. Not
    // waiting for its WAL to reach the disk keeps its flushes out of the writers' way.
    await tx.query('SET LOCAL synchronous_commit = off')
    const now = new Date()
    const stale = await tx.query<{ uscc: string }>(
      'SELECT uscc FROM enterprise_document WHERE fresh_until <= $1 ORDER BY fresh_until LIMIT $2 FOR UPDATE SKIP LOCKED',
      [now, limit],
    )
    if (stale.length > 0) await refreshDocuments(tx, stale.map((r) => r.uscc), now)
    return stale.length
  })
}
