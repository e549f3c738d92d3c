// The only code that touches supervision_case, supervision_event, supervision_case_qualification
// and supervision_case_counter. A case at a moment is the facts stored with the last event visible
// then (occurred by asOf, recorded by knownAt); events are appended in both orders, so that is a prefix.
import type { Queryable } from '../../db/client.ts'
import type { Actor } from '../../lib/actor.ts'
import { actorParams } from '../audit/audit.repository.ts'
import { statusAt } from '../qualifications/status.sql.ts'
import type { CaseFacts, CaseState } from './case-lifecycle.ts'

const moment = (asOf: string, knownAt: string) =>
  `(SELECT coalesce(${asOf}::timestamptz, statement_timestamp()) AS as_of,
           least(coalesce(${knownAt}::timestamptz, statement_timestamp()), statement_timestamp()) AS known_at) m`

const CASE_FROM = `supervision_case c
  JOIN enterprise e ON e.uscc = c.uscc
  JOIN county co ON co.code = c.county_code
  CROSS JOIN LATERAL (SELECT x.seq, x.facts, x.recorded_at FROM supervision_event x
                      WHERE x.case_id = c.id AND x.recorded_at <= m.known_at AND x.occurred_at <= m.as_of
                      ORDER BY x.seq DESC LIMIT 1) ev`

const CASE_COLUMNS = `c.id::text AS id, c.case_no, c.external_ref, c.uscc, e.name AS enterprise_name, c.county_code, co.name AS county_name,
  c.source::text AS source, c.topic::text AS topic, c.title,
  (SELECT o.payload->>'findings' FROM supervision_event o WHERE o.case_id = c.id AND o.seq = 1) AS findings,
  iso_utc(c.problem_occurred_at) AS problem_occurred_at, c.lead_department_code, c.related_case_id::text AS related_case_id,
  ev.seq AS version, ev.facts, iso_utc(c.recorded_at) AS recorded_at, iso_utc(ev.recorded_at) AS updated_at,
  iso_utc(m.as_of) AS as_of, iso_utc(m.known_at) AS known_at,
  coalesce((SELECT json_agg(json_build_object('id', q.id, 'type', q.type_code, 'typeName', t.name, 'certificateNo', q.certificate_no,
                                              'statusAtAsOf', ${statusAt('q', 'm.as_of', 'm.known_at')}) ORDER BY q.id)
            FROM supervision_case_qualification scq JOIN qualification q ON q.id = scq.qualification_id
            JOIN qualification_type t ON t.code = q.type_code
            WHERE scq.case_id = c.id AND scq.added_by_seq <= ev.seq), '[]'::json) AS qualifications`

export interface CaseRow {
  id: string
  case_no: string
  external_ref: string | null
  uscc: string
  enterprise_name: string
  county_code: string
  county_name: string
  source: string
  topic: string
  title: string
  findings: string
  problem_occurred_at: string | null
  lead_department_code: string
  related_case_id: string | null
  version: number
  facts: CaseFacts
  recorded_at: string
  updated_at: string
  as_of: string
  known_at: string
  qualifications: { id: string; type: string; typeName: string; certificateNo: string | null; statusAtAsOf: string }[]
}

const BY_KEY = `(c.id::text = $1 OR c.case_no = $1)`

/** The case (by id or caseNo) as of a moment; null when unknown or not yet opened/recorded then. */
export async function findCase(db: Queryable, key: string, asOf: Date | null, knownAt: Date | null): Promise<CaseRow | null> {
  const [row] = await db.query<CaseRow>(
    `SELECT ${CASE_COLUMNS} FROM ${moment('$2', '$3')} CROSS JOIN ${CASE_FROM} WHERE ${BY_KEY}`,
    [key, asOf?.toISOString() ?? null, knownAt?.toISOString() ?? null],
    'supervision_case_document',
  )
  return row ?? null
}

export interface ListFilter {
  countyCode?: string | undefined
  uscc?: string | undefined
  states?: string[] | undefined
  severity?: string | undefined
  source?: string | undefined
  topic?: string | undefined
  qualificationId?: string | undefined
  overdue?: boolean | undefined
  referralPending?: boolean | undefined
  legalReferral?: boolean | undefined
  referredBefore?: Date | undefined
  leadDepartment?: string | undefined
  openedFrom?: Date | undefined
  openedTo?: Date | undefined
  updatedSince?: Date | undefined
  asOf: Date | null
  knownAt: Date | null
  after?: { openedAt: string; id: string } | undefined
  limit: number
}

/** A page in (openedAt, id) order, one row more than the limit. */
export async function listCases(db: Queryable, f: ListFilter): Promise<CaseRow[]> {
  const params: unknown[] = [f.asOf?.toISOString() ?? null, f.knownAt?.toISOString() ?? null]
  const p = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  const where = ['true']
  const flag = (name: string, value: boolean) => `coalesce((ev.facts->>'${name}')::boolean, false) = ${value}`
  if (f.countyCode) where.push(`c.county_code = ${p(f.countyCode)}`)
  if (f.uscc) where.push(`c.uscc = ${p(f.uscc)}`)
  if (f.states) where.push(`ev.facts->>'state' = ANY(${p(f.states)}::text[])`)
  if (f.severity) where.push(`ev.facts->>'severity' = ${p(f.severity)}`)
  if (f.source) where.push(`c.source = ${p(f.source)}::"CaseSource"`)
  if (f.topic) where.push(`c.topic = ${p(f.topic)}::"CaseTopic"`)
  if (f.qualificationId) where.push(`EXISTS (SELECT 1 FROM supervision_case_qualification scq WHERE scq.case_id = c.id AND scq.qualification_id = ${p(f.qualificationId)}::uuid AND scq.added_by_seq <= ev.seq)`)
  if (f.overdue !== undefined) {
    where.push(`(ev.facts->>'state' = 'rectifying' AND (ev.facts->>'deadline')::timestamptz < m.as_of) = ${f.overdue}`)
  }
  if (f.referralPending !== undefined) where.push(flag('referralPending', f.referralPending))
  if (f.legalReferral !== undefined) where.push(flag('legalReferral', f.legalReferral))
  if (f.referredBefore) where.push(`${flag('referralPending', true)} AND (ev.facts#>>'{referral,referredAt}')::timestamptz < ${p(f.referredBefore.toISOString())}::timestamptz`)
  if (f.leadDepartment) where.push(`c.lead_department_code = ${p(f.leadDepartment)}`)
  if (f.openedFrom) where.push(`c.opened_at >= ${p(f.openedFrom.toISOString())}::timestamptz`)
  if (f.openedTo) where.push(`c.opened_at < ${p(f.openedTo.toISOString())}::timestamptz`)
  if (f.updatedSince) where.push(`ev.recorded_at >= ${p(f.updatedSince.toISOString())}::timestamptz`)
  if (f.after) where.push(`(c.opened_at, c.id) > (${p(f.after.openedAt)}::timestamptz, ${p(f.after.id)}::uuid)`)
  const limit = p(f.limit + 1)
  return db.query<CaseRow>(
    `SELECT ${CASE_COLUMNS} FROM ${moment('$1', '$2')} CROSS JOIN ${CASE_FROM}
     WHERE ${where.join(' AND ')} ORDER BY c.opened_at, c.id LIMIT ${limit}`,
    params,
  )
}

/** Whether an enterprise is registered. */
export async function enterpriseCounty(db: Queryable, uscc: string): Promise<string | null> {
  const [row] = await db.query<{ county_code: string }>('SELECT county_code FROM enterprise WHERE uscc = $1', [uscc], 'supervision_enterprise_county')
  return row?.county_code ?? null
}

const EVENT_JSON = `json_build_object('caseId', x.case_id, 'seq', x.seq, 'type', x.type, 'occurredAt', iso_utc(x.occurred_at),
  'effectiveAt', iso_utc(x.effective_at), 'recordedAt', iso_utc(x.recorded_at), 'fromState', x.from_state, 'toState', x.to_state,
  'authority', CASE WHEN x.authority IS NULL THEN NULL ELSE json_build_object('name', x.authority, 'level', x.authority_level) END,
  'documentNo', x.document_no, 'documents', x.documents, 'note', x.note, 'payload', x.payload,
  'actor', json_build_object('sub', x.actor_sub, 'county', x.actor_county, 'dept', x.actor_dept, 'requestId', x.request_id))`

/** The case's events recorded by knownAt, oldest first, as JSON text; null when the case is unknown then. */
export async function listEvents(db: Queryable, key: string, knownAt: Date | null): Promise<{ id: string; county_code: string; known_at: string; items: string } | null> {
  const [row] = await db.query<{ id: string; county_code: string; known_at: string; items: string | null }>(
    `SELECT c.id::text AS id, c.county_code, iso_utc(m.known_at) AS known_at,
            (SELECT json_agg(${EVENT_JSON} ORDER BY x.seq) FROM supervision_event x WHERE x.case_id = c.id AND x.recorded_at <= m.known_at)::text AS items
     FROM ${moment('NULL', '$2')} CROSS JOIN supervision_case c WHERE ${BY_KEY}`,
    [key, knownAt?.toISOString() ?? null],
    'supervision_events',
  )
  if (!row || row.items === null) return null
  return { ...row, items: row.items }
}

// ---- writes (inside the caller's transaction) ----

export interface LockedCase {
  id: string
  uscc: string
  county_code: string
  problem_occurred_at: string | null
  version: number
  facts: CaseFacts
  last_recorded_at: string
}

/**
 * Locks the case row, so events on one case run one after the other, then reads it: the read is
 * sent behind the lock, so it runs once the lock is held and sees the last committed event.
 */
export async function lockCase(tx: Queryable, key: string): Promise<LockedCase | null> {
  const [locked, [row]] = await Promise.all([
    tx.query(`SELECT 1 FROM supervision_case c WHERE ${BY_KEY} FOR UPDATE`, [key], 'supervision_case_lock'),
    tx.query<LockedCase>(
      `SELECT c.id::text AS id, c.uscc, c.county_code, iso_utc(c.problem_occurred_at) AS problem_occurred_at, c.version, x.facts,
              iso_utc(x.recorded_at) AS last_recorded_at
       FROM supervision_case c JOIN supervision_event x ON x.case_id = c.id AND x.seq = c.version WHERE ${BY_KEY}`,
      [key],
      'supervision_case_locked',
    ),
  ])
  return locked.length > 0 && row ? row : null
}

export interface OpenContext {
  county_code: string | null
  external_ref_case: string | null
  related_found: boolean
  department_found: boolean
  qualifications: { id: string; uscc: string }[]
}

export async function openContext(tx: Queryable, uscc: string, externalRef: string | null, relatedCaseId: string | null, department: string, qualificationIds: string[]): Promise<OpenContext> {
  const [row] = await tx.query<OpenContext>(
    `SELECT (SELECT county_code FROM enterprise WHERE uscc = $1) AS county_code,
            (SELECT id::text FROM supervision_case WHERE external_ref = $2) AS external_ref_case,
            EXISTS (SELECT 1 FROM supervision_case WHERE id = $3::uuid) AS related_found,
            EXISTS (SELECT 1 FROM department WHERE code = $4) AS department_found,
            coalesce((SELECT json_agg(json_build_object('id', q.id, 'uscc', q.uscc)) FROM qualification q WHERE q.id = ANY($5::uuid[])), '[]'::json) AS qualifications`,
    [uscc, externalRef, relatedCaseId, department, qualificationIds],
    'supervision_open_context',
  )
  return row!
}

/** The qualifications with their holders, for checking a referral's names. */
export async function qualificationHolders(tx: Queryable, ids: string[]): Promise<Map<string, string>> {
  const rows = await tx.query<{ id: string; uscc: string }>('SELECT id::text AS id, uscc FROM qualification WHERE id = ANY($1::uuid[])', [ids], 'supervision_qualification_holders')
  return new Map(rows.map((r) => [r.id, r.uscc]))
}

/** Qualifications among `ids` held by a pending referral of another case. */
export async function pendingReferrals(tx: Queryable, caseId: string, ids: string[]): Promise<{ qualification_id: string; case_id: string; case_no: string }[]> {
  return tx.query(
    `SELECT scq.qualification_id::text AS qualification_id, c.id::text AS case_id, c.case_no
     FROM supervision_case_qualification scq JOIN supervision_case c ON c.id = scq.case_id
     WHERE scq.qualification_id = ANY($1::uuid[]) AND scq.in_referral AND scq.case_id <> $2::uuid ORDER BY scq.qualification_id`,
    [ids, caseId],
    'supervision_pending_referrals',
  )
}

export interface NewCase {
  id: string
  uscc: string
  countyCode: string
  source: string
  topic: string
  severity: string
  title: string
  problemOccurredAt: Date | null
  leadDepartmentCode: string
  relatedCaseId: string | null
  externalRef: string | null
  openedAt: Date
  facts: CaseFacts
}

/** Takes the next case number of the county and year, and inserts the case. */
export async function insertCase(tx: Queryable, c: NewCase): Promise<string> {
  const [row] = await tx.query<{ case_no: string }>(
    `WITH n AS (
       INSERT INTO supervision_case_counter AS k (county_code, year, next)
       VALUES ($2, extract(year FROM $11::timestamptz AT TIME ZONE 'Asia/Shanghai')::int, 2)
       ON CONFLICT (county_code, year) DO UPDATE SET next = k.next + 1
       RETURNING k.year, k.next - 1 AS n)
     INSERT INTO supervision_case (id, case_no, external_ref, uscc, county_code, source, topic, severity, title, problem_occurred_at,
                                   lead_department_code, related_case_id, state, state_since, opened_at, version)
     SELECT $1::uuid, 'HPJG-' || $2 || '-' || n.year || '-' || lpad(n.n::text, 4, '0'), $12, $3, $2, $4::"CaseSource", $5::"CaseTopic",
            $6::"CaseSeverity", $7, $8::timestamptz, $9, $10::uuid, 'open', $11::timestamptz, $11::timestamptz, 1
     FROM n RETURNING case_no`,
    [c.id, c.countyCode, c.uscc, c.source, c.topic, c.severity, c.title, c.problemOccurredAt?.toISOString() ?? null, c.leadDepartmentCode,
      c.relatedCaseId, c.openedAt.toISOString(), c.externalRef],
    'supervision_case_insert',
  )
  return row!.case_no
}

/** Whether an error is the externalRef unique rule taken by a concurrent opening. */
export const externalRefTaken = (error: unknown) =>
  (error as { code?: string; constraint?: string })?.code === '23505' && (error as { constraint?: string }).constraint === 'supervision_case_external_ref_key'
/** Whether an error is the one-pending-referral rule taken by a concurrent referral. */
export const referralTaken = (error: unknown) =>
  (error as { code?: string; constraint?: string })?.code === '23505' && (error as { constraint?: string }).constraint === 'supervision_case_qualification_one_referral'

export interface NewEvent {
  caseId: string
  seq: number
  type: string
  occurredAt: Date
  effectiveAt: Date
  fromState: CaseState | null
  toState: CaseState
  authority: { name: string; level: string } | null
  documentNo: string | null
  documents: unknown[]
  note: string | null
  payload: unknown
  facts: CaseFacts
}

/**
 * Appends the event. recorded_at never runs behind the case's previous event (the caller holds the
 * case lock), so "recorded by knownAt" is always a prefix of the history. It is truncated to the
 * column's milliseconds, not rounded: rounded up, it could lie after the next statement's start, and
 * the transaction's own read of the case (known at that start) would not see the event.
 */
export async function insertEvent(tx: Queryable, e: NewEvent, actor: Actor): Promise<string> {
  const [row] = await tx.query<{ doc: string }>(
    `INSERT INTO supervision_event AS x (case_id, seq, type, occurred_at, effective_at, recorded_at, from_state, to_state, authority,
                                         authority_level, document_no, documents, note, payload, facts, actor_sub, actor_county, actor_dept, request_id)
     SELECT $1::uuid, $2, $3::"CaseEventType", $4::timestamptz, $5::timestamptz,
            greatest(date_trunc('milliseconds', clock_timestamp()), (SELECT max(p.recorded_at) FROM supervision_event p WHERE p.case_id = $1::uuid)),
            $6::"CaseState", $7::"CaseState", $8, $9::"AuthorityLevel", $10, $11::jsonb, $12, $13::jsonb, $14::jsonb, $15, $16, $17, $18
     RETURNING ${EVENT_JSON}::text AS doc`,
    [e.caseId, e.seq, e.type, e.occurredAt.toISOString(), e.effectiveAt.toISOString(), e.fromState, e.toState, e.authority?.name ?? null,
      e.authority?.level ?? null, e.documentNo, JSON.stringify(e.documents), e.note, JSON.stringify(e.payload), JSON.stringify(e.facts), ...actorParams(actor)],
    'supervision_event_insert',
  )
  return row!.doc
}

/** Keeps the case row's derived columns (the current state's cache) in step with its last event. */
export async function updateCase(tx: Queryable, caseId: string, version: number, f: CaseFacts): Promise<void> {
  await tx.query(
    `UPDATE supervision_case SET version = $2, state = $3::"CaseState", state_since = $4::timestamptz, severity = $5::"CaseSeverity",
       rectification_deadline = $6::timestamptz, referral_pending = $7, legal_referral = $8, referral_proposed = $9,
       outcome = $10::"CaseOutcome", closed_at = $11::timestamptz, updated_at = now()
     WHERE id = $1::uuid`,
    [caseId, version, f.state, f.stateSince, f.severity, f.deadline, f.referralPending, f.legalReferral, f.referralProposed, f.outcome, f.closedAt],
    'supervision_case_update',
  )
}

/** Names qualifications on the case (added by event `seq`); `inReferral` holds them for a referral. */
export async function addQualifications(tx: Queryable, caseId: string, seq: number, ids: string[], inReferral: boolean): Promise<void> {
  if (ids.length === 0) return
  await tx.query(
    `INSERT INTO supervision_case_qualification (case_id, qualification_id, added_by_seq, in_referral)
     SELECT $1::uuid, q, $2, $3 FROM unnest($4::uuid[]) AS q ORDER BY q
     ON CONFLICT (case_id, qualification_id) DO UPDATE SET in_referral = excluded.in_referral`,
    [caseId, seq, inReferral, ids],
    'supervision_case_qualifications',
  )
}

/** Releases the case's referral hold (withdrawal or decision). */
export async function releaseReferral(tx: Queryable, caseId: string): Promise<void> {
  await tx.query('UPDATE supervision_case_qualification SET in_referral = false WHERE case_id = $1::uuid AND in_referral', [caseId], 'supervision_release_referral')
}
