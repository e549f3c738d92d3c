// The only code that touches qualification and qualification_event. Reads are one SQL statement
// that builds the response document; as-of status comes from status.sql.ts only.
import type { Database, Queryable } from '../../db/client.ts'
import type { Actor } from '../../lib/actor.ts'
import { actorParams } from '../audit/audit.repository.ts'
import type { RecordedStatus } from './lifecycle.ts'
import { statusAt } from './status.sql.ts'
import { caseLinkJson } from '../supervision/case-link.sql.ts'

/**
 * The moment an answer describes, from two parameters (null = now): asOf, and knownAt capped
 * at now. statement_timestamp() is the database's clock, the same one that sets recorded_at,
 * so a change is known to every read that starts after it committed.
 */
const moment = (asOf: string, knownAt: string) =>
  `(SELECT coalesce(${asOf}::timestamptz, statement_timestamp()) AS as_of,
           least(coalesce(${knownAt}::timestamptz, statement_timestamp()), statement_timestamp()) AS known_at) m`

// Aliases: m (moment), q (qualification), e (enterprise), t (qualification_type), s (status).
const FROM_QUALIFICATION = `qualification q
  JOIN enterprise e ON e.uscc = q.uscc
  JOIN qualification_type t ON t.code = q.type_code
  CROSS JOIN LATERAL (SELECT ${statusAt('q', 'm.as_of', 'm.known_at')} AS status) s`

/** The qualification document without the as-of echo (that part is what the ETag covers). */
const QUALIFICATION_JSON = `json_build_object(
  'id', q.id, 'uscc', q.uscc, 'enterpriseName', e.name, 'countyCode', e.county_code,
  'type', q.type_code, 'typeName', t.name, 'certificateNo', q.certificate_no, 'title', q.title, 'scope', q.scope,
  'issuer', q.issuer, 'issuerLevel', q.issuer_level, 'grantedAt', iso_utc(q.granted_at), 'validFrom', iso_utc(q.valid_from),
  'validUntil', iso_utc(q.valid_until), 'batch', q.batch, 'renews', q.renews_id,
  'renewedBy', (SELECT r.id FROM qualification r WHERE r.renews_id = q.id AND r.recorded_at <= m.known_at),
  'documents', q.documents, 'status', s.status, 'version', q.version,
  'recordedAt', iso_utc(q.recorded_at), 'updatedAt', iso_utc(q.updated_at))::text`

const EVENT_JSON = `json_build_object(
  'seq', ev.seq, 'fromStatus', ev.from_status, 'toStatus', ev.to_status, 'reasonCode', ev.reason_code, 'reason', ev.reason,
  'occurredAt', iso_utc(ev.occurred_at), 'effectiveAt', iso_utc(ev.effective_at), 'recordedAt', iso_utc(ev.recorded_at),
  'decision', json_build_object('authority', ev.decision_authority, 'level', ev.decision_level,
                                'documentNo', ev.decision_document_no, 'decidedAt', iso_utc(ev.decided_at)),
  'actor', json_build_object('sub', ev.actor_sub, 'county', ev.actor_county, 'dept', ev.actor_dept, 'requestId', ev.request_id),
  'case', ${caseLinkJson('ev')})`

export interface QualificationDoc {
  /** Document text without asOf/knownAt. */
  base: string
  asOf: string
  knownAt: string
}

/** The full response document: the base plus the moment it describes. */
export function render(doc: QualificationDoc): string {
  return `${doc.base.slice(0, -1)}, "asOf" : "${doc.asOf}", "knownAt" : "${doc.knownAt}"}`
}

interface DocRow {
  doc: string
  as_of: string
  known_at: string
}
const toDoc = (r: DocRow): QualificationDoc => ({ base: r.doc, asOf: r.as_of, knownAt: r.known_at })
/** The columns of a DocRow, over FROM_QUALIFICATION and a moment. */
const DOC_COLUMNS = `${QUALIFICATION_JSON} AS doc, iso_utc(m.as_of) AS as_of, iso_utc(m.known_at) AS known_at`

const oneSql = (asOf: string, knownAt: string) => `SELECT ${DOC_COLUMNS}
FROM ${moment(asOf, knownAt)} CROSS JOIN ${FROM_QUALIFICATION}
WHERE q.id = $1::uuid AND s.status IS NOT NULL`
const ONE_SQL = oneSql('$2', '$3')

/** One qualification as of a moment; null when unknown (or not yet recorded at knownAt). */
export async function findDoc(db: Queryable, id: string, asOf: Date | null, knownAt: Date | null): Promise<QualificationDoc | null> {
  const [row] = await db.query<DocRow>(ONE_SQL, [id, asOf, knownAt], 'qualification_document')
  return row ? toDoc(row) : null
}

export interface ListFilter {
  type?: string | undefined
  status?: string | undefined
  countyCode?: string | undefined
  uscc?: string | undefined
  grantedFrom?: Date | undefined
  grantedTo?: Date | undefined
  expiringBefore?: Date | undefined
  asOf: Date | null
  knownAt: Date | null
  after?: { grantedAt: Date; id: string } | undefined
  limit: number
}

/** A page's statement in (grantedAt, id) order over `select`; one row more than the limit tells that another page follows. */
function listSql(f: ListFilter, select: string): { text: string; params: unknown[] } {
  const params: unknown[] = [f.asOf, f.knownAt]
  const p = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  const where = ['s.status IS NOT NULL']
  if (f.uscc) where.push(`q.uscc = ${p(f.uscc)}`)
  if (f.type) where.push(`q.type_code = ${p(f.type)}`)
  if (f.status) where.push(`s.status = ${p(f.status)}`)
  if (f.countyCode) where.push(`e.county_code = ${p(f.countyCode)}`)
  if (f.grantedFrom) where.push(`q.granted_at >= ${p(f.grantedFrom)}::timestamptz`)
  if (f.grantedTo) where.push(`q.granted_at < ${p(f.grantedTo)}::timestamptz`)
  if (f.expiringBefore) where.push(`q.valid_until <= ${p(f.expiringBefore)}::timestamptz`)
  if (f.after) where.push(`(q.granted_at, q.id) > (${p(f.after.grantedAt)}::timestamptz, ${p(f.after.id)}::uuid)`)
  const limit = p(f.limit + 1)
  return {
    text: `SELECT ${select}, iso_utc(q.granted_at) AS granted_at, q.id::text AS id
     FROM ${moment('$1', '$2')} CROSS JOIN ${FROM_QUALIFICATION}
     WHERE ${where.join(' AND ')}
     ORDER BY q.granted_at, q.id LIMIT ${limit}`,
    params,
  }
}

/** A page in (grantedAt, id) order; one row more than the limit tells that another page follows. */
export async function listDocs(db: Queryable, f: ListFilter): Promise<(QualificationDoc & { grantedAt: string; id: string })[]> {
  const { text, params } = listSql(f, DOC_COLUMNS)
  const rows = await db.query<DocRow & { granted_at: string; id: string }>(text, params)
  return rows.map((r) => ({ ...toDoc(r), grantedAt: r.granted_at, id: r.id }))
}

/**
 * The document's fields as CSV cells, in the export's column order (QUALIFICATION_COLUMNS, without
 * `documents`), then the moment: PostgreSQL sends the values instead of JSON that node would parse.
 */
const CELLS = [
  'q.id::text', 'q.uscc', 'e.name', 'e.county_code', 'q.type_code', 't.name', 'q.certificate_no', 'q.title', 'q.scope', 'q.issuer',
  'q.issuer_level::text', 'iso_utc(q.granted_at)', 'iso_utc(q.valid_from)', 'iso_utc(q.valid_until)', 'q.batch', 'q.renews_id::text',
  '(SELECT r.id::text FROM qualification r WHERE r.renews_id = q.id AND r.recorded_at <= m.known_at)', 's.status::text', 'q.version',
  'iso_utc(q.recorded_at)', 'iso_utc(q.updated_at)', 'iso_utc(m.as_of)', 'iso_utc(m.known_at)',
]
const CELL_KEYS = CELLS.map((_, i) => `c${i}`)
const CELLS_SQL = CELLS.map((sql, i) => `${sql} AS ${CELL_KEYS[i]}`).join(', ')

/** The page listDocs reads, as rows of CSV cells. */
export async function listCells(db: Queryable, f: ListFilter): Promise<{ cells: unknown[]; grantedAt: string; id: string }[]> {
  const { text, params } = listSql(f, CELLS_SQL)
  const rows = await db.query<Record<string, unknown> & { granted_at: string; id: string }>(text, params)
  return rows.map((r) => ({ cells: CELL_KEYS.map((k) => r[k]), grantedAt: r.granted_at, id: r.id }))
}

export interface GrantContext {
  /** Null when there is no such enterprise. */
  county_code: string | null
  /** Null when there is no such type. */
  type: TypeRow | null
  /** The qualification already holding the certificate number, if any. */
  certificate_holder: string | null
}

/** What a grant is checked against, read in one statement. */
export async function grantContext(tx: Queryable, uscc: string, type: string, certificateNo: string | null): Promise<GrantContext> {
  const [row] = await tx.query<{ county_code: string | null; found: boolean; certificate_based: boolean; default_validity_months: number | null; holder: string | null }>(
    `SELECT (SELECT county_code FROM enterprise WHERE uscc = $1) AS county_code,
            t.code IS NOT NULL AS found, t.certificate_based, t.default_validity_months,
            (SELECT id::text FROM qualification WHERE type_code = $2 AND certificate_no = $3 AND status <> 'annulled' LIMIT 1) AS holder
     FROM (SELECT 1) one LEFT JOIN qualification_type t ON t.code = $2`,
    [uscc, type, certificateNo],
    'qualification_grant_context',
  )
  return {
    county_code: row!.county_code,
    type: row!.found ? { certificate_based: row!.certificate_based, default_validity_months: row!.default_validity_months } : null,
    certificate_holder: row!.holder,
  }
}

export async function enterpriseCounty(db: Queryable, uscc: string): Promise<string | null> {
  const [row] = await db.query<{ county_code: string }>('SELECT county_code FROM enterprise WHERE uscc = $1', [uscc], 'qualification_enterprise_county')
  return row?.county_code ?? null
}

/** Events recorded by knownAt, oldest first; null when the qualification was not known then. */
export async function history(db: Database, id: string, knownAt: Date | null): Promise<{ knownAt: string; items: string } | null> {
  const [row] = await db.query<{ known_at: string; found: boolean; items: string }>(
    `SELECT iso_utc(m.known_at) AS known_at, q.id IS NOT NULL AS found,
            coalesce((SELECT json_agg(${EVENT_JSON} ORDER BY ev.seq) FROM qualification_event ev
                      WHERE ev.qualification_id = q.id AND ev.recorded_at <= m.known_at), '[]'::json)::text AS items
     FROM ${moment('NULL', '$2')} LEFT JOIN qualification q ON q.id = $1::uuid AND q.recorded_at <= m.known_at`,
    [id, knownAt],
    'qualification_history',
  )
  return row && row.found ? { knownAt: row.known_at, items: row.items } : null
}

// ---- writes (inside the caller's transaction) ----

/**
 * Instants are sent as ISO 8601 UTC text, as Prisma and PGlite send them. pg's own Date encoding
 * uses the process time zone, which has sub-minute offsets before 1901 in zones such as
 * Asia/Shanghai (LMT +08:05:43, sent as +08:05), and turns year 0000 into "0001 BC".
 */
const iso = (d: Date | null): string | null => d?.toISOString() ?? null

export interface TypeRow {
  certificate_based: boolean
  default_validity_months: number | null
}

export interface LockedQualification {
  id: string
  uscc: string
  type_code: string
  county_code: string
  status: RecordedStatus
  granted_at: Date
  valid_from: Date
  valid_until: Date | null
  version: number
  renewed_by: string | null
  last_effective_at: Date
}

/**
 * Locks the qualification row, so that concurrent changes to it run one after the other, then
 * reads it with its document. Two statements, sent together: a statement that waited for the
 * lock still sees its own snapshot in subqueries, so what the change is checked against is read
 * by the next statement, which the server runs once the lock is held.
 */
export async function lockQualification(tx: Queryable, id: string): Promise<(LockedQualification & { doc: QualificationDoc }) | null> {
  // Instants come back as ISO text: PGlite's own timestamptz parsing reads years below 100 as 19xx/20xx.
  type Row = Omit<LockedQualification, 'granted_at' | 'valid_from' | 'valid_until' | 'last_effective_at'> & DocRow &
    { granted_at: string; valid_from: string; valid_until: string | null; last_effective_at: string | null }
  const [locked, [row]] = await Promise.all([
    tx.query('SELECT 1 FROM qualification WHERE id = $1::uuid FOR UPDATE', [id], 'qualification_lock'),
    tx.query<Row>(
      `SELECT q.id::text AS id, q.uscc, q.type_code, e.county_code, q.status::text AS status, iso_utc(q.granted_at) AS granted_at,
              iso_utc(q.valid_from) AS valid_from, iso_utc(q.valid_until) AS valid_until, q.version,
              (SELECT r.id::text FROM qualification r WHERE r.renews_id = q.id) AS renewed_by,
              (SELECT iso_utc(max(ev.effective_at)) FROM qualification_event ev WHERE ev.qualification_id = q.id) AS last_effective_at,
              ${DOC_COLUMNS}
       FROM ${moment('NULL', 'NULL')} CROSS JOIN ${FROM_QUALIFICATION}
       WHERE q.id = $1::uuid`,
      [id],
      'qualification_locked',
    ),
  ])
  if (locked.length === 0 || !row) return null
  const at = (text: string | null) => (text === null ? null : new Date(text))
  const { doc, as_of, known_at, ...fields } = row!
  return {
    ...fields,
    granted_at: at(row!.granted_at)!,
    valid_from: at(row!.valid_from)!,
    valid_until: at(row!.valid_until),
    last_effective_at: at(row!.last_effective_at)!,
    doc: toDoc({ doc, as_of, known_at }),
  }
}

export interface NewQualification {
  id: string
  uscc: string
  type: string
  certificateNo: string | null
  title: string | null
  scope: string | null
  issuer: string
  issuerLevel: string
  grantedAt: Date
  validFrom: Date
  validUntil: Date | null
  batch: string | null
  renews: string | null
  documents: unknown[]
}

/**
 * Inserts the qualification. A unique rule already taken (certificate number, renewal) fails the
 * statement, and with it the transaction: see takenRule.
 */
export async function insertQualification(tx: Queryable, q: NewQualification): Promise<void> {
  await tx.query(
    // With the current status its first event (active from grantedAt, recorded now) gives it, so
    // that the event's trigger has nothing to rewrite.
    `INSERT INTO qualification (id, uscc, type_code, certificate_no, title, scope, issuer, issuer_level, granted_at,
                                valid_from, valid_until, batch, renews_id, documents, status, status_effective_at, status_recorded_at)
     VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8::"AuthorityLevel", $9::timestamptz, $10::timestamptz, $11::timestamptz,
             $12, $13::uuid, $14::jsonb, 'active', $9::timestamptz, CURRENT_TIMESTAMP)`,
    [q.id, q.uscc, q.type, q.certificateNo, q.title, q.scope, q.issuer, q.issuerLevel, iso(q.grantedAt), iso(q.validFrom),
      iso(q.validUntil), q.batch, q.renews, JSON.stringify(q.documents)],
    'qualification_insert',
  )
}

/** Which unique rule of a qualification an insert's error reports as taken, if that is what it reports. */
export function takenRule(error: unknown): 'certificate' | 'renewal' | null {
  const e = error as { code?: string; constraint?: string }
  if (e?.code !== '23505') return null
  if (e.constraint === 'qualification_type_certificate_no_key') return 'certificate'
  if (e.constraint === 'qualification_renews_id_key') return 'renewal'
  return null
}

export interface NewEvent {
  qualificationId: string
  from: RecordedStatus | null
  to: RecordedStatus
  reasonCode: string | null
  reason: string | null
  occurredAt: Date | null
  effectiveAt: Date
  decision: { authority: string | null; level: string | null; documentNo: string | null; decidedAt: Date | null }
  /** The supervision case event that makes this change (a provincial decision), if any. */
  caseLink?: { caseId: string; eventSeq: number } | undefined
}

const INSERT_EVENT = `INSERT INTO qualification_event AS ev (qualification_id, seq, from_status, to_status, reason_code, reason, occurred_at,
       effective_at, decision_authority, decision_level, decision_document_no, decided_at, actor_sub, actor_county, actor_dept, request_id,
       case_id, case_event_seq)
     SELECT $1::uuid, coalesce(max(x.seq), 0) + 1, $2::"QualificationStatus", $3::"QualificationStatus", $4, $5, $6::timestamptz,
            $7::timestamptz, $8, $9::"AuthorityLevel", $10, $11::timestamptz, $12, $13, $14, $15, $16::uuid, $17::int
     FROM qualification_event x WHERE x.qualification_id = $1::uuid
     RETURNING ${EVENT_JSON}::text AS doc, ev.seq, ev.to_status, ev.effective_at, ev.recorded_at`

/**
 * Appends the next event of a qualification (seq = last + 1) and returns its document and seq. A change
 * (`changes`) also counts as a new version of the qualification, and sets its current status, in
 * the same statement; the event's trigger, once the statement is done, finds that status already
 * there and rewrites nothing.
 */
export async function appendEvent(tx: Queryable, e: NewEvent, actor: Actor, changes = false): Promise<{ doc: string; seq: number }> {
  const [row] = await tx.query<{ doc: string; seq: number }>(
    changes
      ? `WITH event AS (${INSERT_EVENT})
         UPDATE qualification q SET version = q.version + 1, updated_at = now(),
           status = event.to_status, status_effective_at = event.effective_at, status_recorded_at = event.recorded_at
         FROM event WHERE q.id = $1::uuid RETURNING event.doc, event.seq`
      : INSERT_EVENT,
    [e.qualificationId, e.from, e.to, e.reasonCode, e.reason, iso(e.occurredAt), iso(e.effectiveAt), e.decision.authority,
      e.decision.level, e.decision.documentNo, iso(e.decision.decidedAt), ...actorParams(actor), e.caseLink?.caseId ?? null, e.caseLink?.eventSeq ?? null],
    changes ? 'qualification_change_event' : 'qualification_grant_event',
  )
  return row!
}

/** The qualification's document now, in the caller's transaction (what a write returns and audits). */
export async function currentDoc(tx: Queryable, id: string): Promise<QualificationDoc> {
  const [row] = await tx.query<DocRow>(ONE_SQL, [id, null, null], 'qualification_document')
  return toDoc(row!)
}
