// The stored enterprise documents (table enterprise_document): read while fresh, computed live
// otherwise, and refreshed by the writes that change them and by the background refresher. Reads
// never wait for a refresh: refreshing only makes them cheaper.
import { ADVISORY_LOCKS } from '../../../db/advisory-locks.ts'
import type { Database, Queryable } from '../../../db/client.ts'
import { enterpriseDocumentSql, publicDocumentColumn, type EnterpriseDocument } from '../document.sql.ts'
import { freshAt, freshUntil } from './freshness.ts'

// USCCs compare as bpchar[] (the column's type): against text[] the column is cast and its index
// cannot be used.
const LIVE_ONE = enterpriseDocumentSql('e.uscc = $1', '$2::timestamptz')
const LIVE_MANY = enterpriseDocumentSql('e.uscc = ANY($1::bpchar[])', '$2::timestamptz')
const AT_MOMENT = enterpriseDocumentSql('e.uscc = $1', '$2::timestamptz', '', 'least($3::timestamptz, statement_timestamp())')

const STORED_ONE = `SELECT doc, etag FROM enterprise_document d WHERE uscc = $1 AND ${freshAt('d', '$2')}`
const STORED_MANY = `SELECT uscc, doc, etag, summary FROM enterprise_document d WHERE uscc = ANY($1::bpchar[]) AND ${freshAt('d', '$2')}`

// Builds and returns the documents, and stores each one whose row no change has marked since the
// statement's snapshot: a concurrent change either committed before it (and is in the document)
// or bumps `mark`, and then the UPDATE's recheck of the newer row version leaves it stale.
const REFRESH = `
WITH built AS (
  SELECT d.mark, b.* FROM enterprise_document d
  JOIN (${enterpriseDocumentSql(
    'e.uscc = ANY($1::bpchar[])',
    '$2::timestamptz',
    `e.county_code, b.brand_status, ${publicDocumentColumn('$2::timestamptz')} AS public_doc, ${freshUntil('$2::timestamptz')} AS fresh_until`,
  )}) b ON b.uscc = d.uscc
), stored AS (
  UPDATE enterprise_document d
  SET doc = b.doc, etag = b.etag, summary = b.summary, public_doc = b.public_doc, county_code = b.county_code, brand_status = b.brand_status,
      fresh_until = b.fresh_until, refreshed_at = $2
  FROM built b WHERE d.uscc = b.uscc AND d.mark = b.mark
)
SELECT uscc, doc, etag, summary FROM built ORDER BY uscc`

type DocumentRow = { uscc: string } & EnterpriseDocument
const byUscc = (rows: DocumentRow[]) => new Map(rows.map((r) => [r.uscc, { doc: r.doc, etag: r.etag, summary: r.summary }]))

/** The documents at `asOf`, computed from the tables (any moment, including the past). */
export async function liveDocuments(db: Queryable, usccs: string[], asOf: Date): Promise<Map<string, EnterpriseDocument>> {
  if (usccs.length === 0) return new Map()
  return byUscc(await db.query<DocumentRow>(LIVE_MANY, [usccs, asOf], 'enterprise_documents_live'))
}

/**
 * The document as of `asOf` with what had been recorded by `knownAt` (capped at now): the enterprise
 * version in force then and the qualifications' status then. Null when the enterprise was not recorded by knownAt.
 */
export async function documentAt(db: Queryable, uscc: string, asOf: Date, knownAt: Date | null): Promise<EnterpriseDocument | null> {
  const [row] = await db.query<EnterpriseDocument>(AT_MOMENT, [uscc, asOf, knownAt ?? 'infinity'], 'enterprise_document_at')
  return row ?? null
}

/** The document at `asOf`: the stored one when it is fresh then, else computed. Null when there is no such enterprise. */
export async function currentDocument(db: Queryable, uscc: string, asOf: Date): Promise<Pick<EnterpriseDocument, 'doc' | 'etag'> | null> {
  const [stored] = await db.query<Pick<EnterpriseDocument, 'doc' | 'etag'>>(STORED_ONE, [uscc, asOf], 'enterprise_document_stored')
  if (stored?.doc) return stored
  const [live] = await db.query<EnterpriseDocument>(LIVE_ONE, [uscc, asOf], 'enterprise_document_live')
  return live ?? null
}

/** The documents at `asOf`: stored where fresh, computed for the rest (in one more statement). */
export async function currentDocuments(db: Queryable, usccs: string[], asOf: Date): Promise<Map<string, EnterpriseDocument>> {
  if (usccs.length === 0) return new Map()
  const rows = await db.query<DocumentRow>(STORED_MANY, [usccs, asOf], 'enterprise_documents_stored')
  const docs = byUscc(rows.filter((r) => r.doc))
  const missing = usccs.filter((u) => !docs.has(u))
  if (missing.length > 0) for (const [uscc, doc] of await liveDocuments(db, missing, asOf)) docs.set(uscc, doc)
  return docs
}

/**
 * Builds the documents at `asOf` in the caller's unit of work and stores those no concurrent
 * change has overtaken; returns them all (what this transaction sees). Write paths call it after
 * their changes, and audit what it returns.
 */
export async function refreshDocuments(tx: Queryable, usccs: string[], asOf: Date): Promise<Map<string, EnterpriseDocument>> {
  if (usccs.length === 0) return new Map()
  return byUscc(await tx.query<DocumentRow>(REFRESH, [usccs, asOf], 'enterprise_documents_refresh'))
}

/**
 * The public verification document now (`{"enterprise": ..., "qualifications": [...]}` as JSON
 * text) with its brand status, the moment it describes and until when it holds (ms since the epoch,
 * null: until a write changes it), when the stored one is fresh; null otherwise (ask live).
 */
export async function currentPublicDocument(db: Queryable, uscc: string): Promise<{ asOf: string; brandStatus: string; doc: string; freshUntil: number | null } | null> {
  const [row] = await db.query<{ as_of: string; brand_status: string; doc: string | null; fresh_until: number | null }>(
    `SELECT iso_utc(statement_timestamp()) AS as_of, brand_status, public_doc AS doc,
            CASE WHEN fresh_until < 'infinity' THEN extract(epoch FROM fresh_until)::float8 * 1000 END AS fresh_until
     FROM enterprise_document d
     WHERE uscc = $1 AND ${freshAt('d', 'statement_timestamp()')}`,
    [uscc],
    'public_document_stored',
  )
  return row?.doc ? { asOf: row.as_of, brandStatus: row.brand_status, doc: row.doc, freshUntil: row.fresh_until } : null
}

/**
 * Refreshes up to `limit` stale documents (changed since, or past their fresh_until), oldest
 * first; returns how many it looked at, or 0 when another instance is refreshing. Rows a write
 * is changing right now are skipped (their writer holds them; a later pass takes them), and the
 * rows taken are locked before they are built, so the refresh neither waits for writers nor
 * makes writers wait longer than one small batch.
 */
export async function refreshStale(db: Database, limit: number, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [ADVISORY_LOCKS.documentRefresh])
    if (!lock?.ok) return 0
    // A refresh is a cache fill: if a crash loses it, its rows are simply stale again. Not
    // waiting for its WAL to reach the disk keeps its flushes out of the writers' way.
    await tx.query('SET LOCAL synchronous_commit = off')
    const stale = await tx.query<{ uscc: string }>(
      'SELECT uscc FROM enterprise_document WHERE fresh_until <= $1 ORDER BY fresh_until LIMIT $2 FOR UPDATE SKIP LOCKED',
      [now, limit],
    )
    if (stale.length > 0) await refreshDocuments(tx, stale.map((r) => r.uscc), now)
    return stale.length
  })
}

/** How many stored documents wait to be rebuilt (answered live meanwhile), for the metrics endpoint. */
export async function staleCount(db: Queryable): Promise<number> {
  const [row] = await db.query<{ stale: string }>('SELECT count(*)::text AS stale FROM enterprise_document WHERE fresh_until <= statement_timestamp()')
  return Number(row?.stale ?? 0)
}
