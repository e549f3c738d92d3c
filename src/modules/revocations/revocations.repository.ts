// The register's SQL: status-change events (qualification_event) ending or suspending a
// qualification, filtered, ordered by recorded or effective time and paged by key, with their
// items built in SQL. Reads only: the county and name at the event's effective time come from
// enterpriseVersionAt, the chain position from the event's audit entry.
import type { Queryable } from '../../db/client.ts'
import { enterpriseVersionAt } from '../enterprises/enterprise-version.sql.ts'
import type { StatsDimension } from './revocations.schemas.ts'

export interface RegisterFilter {
  knownAt: Date
  toStatus: string[]
  countyCode?: string | undefined
  types?: string[] | undefined
  uscc?: string | undefined
  qualificationId?: string | undefined
  certificateNo?: string | undefined
  authority?: string | undefined
  authorityContains?: string | undefined
  level?: string | undefined
  documentNo?: string | undefined
  reasonCode?: string | undefined
  effectiveFrom?: Date | undefined
  effectiveTo?: Date | undefined
  recordedFrom?: Date | undefined
  recordedTo?: Date | undefined
  decidedFrom?: Date | undefined
  decidedTo?: Date | undefined
  occurredFrom?: Date | undefined
  occurredTo?: Date | undefined
  minRecordingLagHours?: number | undefined
  viaCase?: boolean | undefined
  caseId?: string | undefined
  actor?: string | undefined
}

export type RegisterOrder = 'recorded' | 'effective'

class Params {
  readonly values: unknown[] = []
  add(value: unknown, cast = ''): string {
    this.values.push(value)
    return `$${this.values.length}${cast}`
  }
}

/** FROM and WHERE of the register for a filter: aliases ev (event), q (qualification), ver (enterprise version at the time). */
function registerFrom(f: RegisterFilter, p: Params, needsVersion = f.countyCode !== undefined, needsQ = false): { from: string; where: string[]; knownAt: string; joined: boolean } {
  const knownAt = p.add(f.knownAt, '::timestamptz')
  // The literal `<> 'active'` lets the planner use the partial indexes on recorded_at / effective_at.
  const where = [`ev.to_status <> 'active'`, `ev.to_status = ANY (${p.add(f.toStatus, '::text[]')}::"QualificationStatus"[])`, `ev.recorded_at <= ${knownAt}`]
  const eq = (column: string, value: unknown, cast = '') => value !== undefined && where.push(`${column} = ${p.add(value, cast)}`)
  const range = (column: string, from: Date | undefined, to: Date | undefined) => {
    if (from) where.push(`${column} >= ${p.add(from, '::timestamptz')}`)
    if (to) where.push(`${column} < ${p.add(to, '::timestamptz')}`)
  }
  eq('ver.county_code', f.countyCode)
  if (f.types) where.push(`q.type_code = ANY (${p.add(f.types, '::text[]')})`)
  eq('q.uscc', f.uscc)
  eq('ev.qualification_id', f.qualificationId, '::uuid')
  eq('q.certificate_no', f.certificateNo)
  eq('ev.decision_authority', f.authority)
  if (f.authorityContains) where.push(`strpos(ev.decision_authority, ${p.add(f.authorityContains)}) > 0`)
  eq('ev.decision_level', f.level, '::"AuthorityLevel"')
  eq('ev.decision_document_no', f.documentNo)
  eq('ev.reason_code', f.reasonCode)
  range('ev.effective_at', f.effectiveFrom, f.effectiveTo)
  range('ev.recorded_at', f.recordedFrom, f.recordedTo)
  range('ev.decided_at', f.decidedFrom, f.decidedTo)
  range('ev.occurred_at', f.occurredFrom, f.occurredTo)
  if (f.minRecordingLagHours !== undefined) where.push(`ev.recorded_at - ev.effective_at >= ${p.add(f.minRecordingLagHours, '::float8')} * interval '1 hour'`)
  if (f.viaCase !== undefined) where.push(f.viaCase ? 'ev.case_id IS NOT NULL' : 'ev.case_id IS NULL')
  eq('ev.case_id', f.caseId, '::uuid')
  eq('ev.actor_sub', f.actor)
  // The qualification and the version at the time are joined only where a filter or a group needs
  // them (its columns, the county); items get them per row of the page. Without them the walk of
  // the order's index is index-only (migration 20261130009300).
  const needsQualification = needsVersion || f.types !== undefined || f.uscc !== undefined || f.certificateNo !== undefined || needsQ
  const from = `qualification_event ev
    ${needsQualification ? 'JOIN qualification q ON q.id = ev.qualification_id' : ''}
    ${needsVersion ? enterpriseVersionAt('q', 'ev.effective_at', knownAt, 'ver', 'v.county_code') : ''}`
  return { from, where, knownAt, joined: needsQualification }
}

/** Parts of a row that the JSON item and the CSV cells both show. */
const COUNTY_NAME = 'coalesce((SELECT c.name FROM county c WHERE c.code = ver.county_code), ver.county_code)'
const TYPE_NAME = '(SELECT t.name FROM qualification_type t WHERE t.code = q.type_code)'
const CASE_NO = '(SELECT sc.case_no FROM supervision_case sc WHERE sc.id = ev.case_id)'
const LAG_SECONDS = 'floor(extract(epoch FROM ev.recorded_at - ev.effective_at))::bigint'

const ITEM = `json_build_object(
  'id', ev.qualification_id::text || ':' || ev.seq,
  'qualificationId', ev.qualification_id,
  'seq', ev.seq,
  'uscc', q.uscc,
  'enterpriseName', ver.name,
  'countyCode', ver.county_code,
  'countyName', ${COUNTY_NAME},
  'type', q.type_code,
  'typeName', ${TYPE_NAME},
  'certificateNo', q.certificate_no,
  'batch', q.batch,
  'fromStatus', ev.from_status,
  'toStatus', ev.to_status,
  'reasonCode', ev.reason_code,
  'reason', ev.reason,
  'occurredAt', iso_utc(ev.occurred_at),
  'effectiveAt', iso_utc(ev.effective_at),
  'decidedAt', iso_utc(ev.decided_at),
  'recordedAt', iso_utc(ev.recorded_at),
  'recordingLagSeconds', ${LAG_SECONDS},
  'decision', CASE WHEN ev.decision_authority IS NULL AND ev.decision_level IS NULL AND ev.decision_document_no IS NULL THEN NULL
                   ELSE json_build_object('authority', ev.decision_authority, 'level', ev.decision_level, 'documentNo', ev.decision_document_no) END,
  'viaCase', ev.case_id IS NOT NULL,
  'case', CASE WHEN ev.case_id IS NULL THEN NULL ELSE json_build_object(
    'id', ev.case_id, 'caseNo', ${CASE_NO}, 'referredAt', iso_utc(ref.occurred_at),
    'referralDocumentNo', ref.document_no, 'referralAuthority', ref.authority) END,
  'actor', json_build_object('sub', ev.actor_sub, 'county', ev.actor_county, 'dept', ev.actor_dept, 'requestId', ev.request_id),
  'audit', CASE WHEN au.seq IS NULL THEN NULL ELSE json_build_object('seq', au.seq::text, 'hash', au.hash) END
)::text AS item`

/**
 * The same row as CSV cells, one column each in the export's column order (REVOCATION_COLUMNS):
 * PostgreSQL sends the values as they are instead of building JSON that node would parse again.
 * A nested object the item shows as null has every cell of it empty here too.
 */
const CELLS = [
  `ev.qualification_id::text || ':' || ev.seq`, 'ev.qualification_id::text', 'ev.seq', 'q.uscc', 'ver.name', 'ver.county_code', COUNTY_NAME,
  'q.type_code', TYPE_NAME, 'q.certificate_no', 'q.batch', 'ev.from_status::text', 'ev.to_status::text', 'ev.reason_code', 'ev.reason',
  'iso_utc(ev.occurred_at)', 'iso_utc(ev.effective_at)', 'iso_utc(ev.decided_at)', 'iso_utc(ev.recorded_at)', `${LAG_SECONDS}::text`,
  'ev.decision_authority', 'ev.decision_level::text', 'ev.decision_document_no', 'ev.case_id IS NOT NULL',
  'ev.case_id::text', CASE_NO, 'iso_utc(ref.occurred_at)', 'ref.document_no', 'ref.authority',
  'ev.actor_sub', 'ev.actor_county', 'ev.actor_dept', 'ev.request_id', 'au.seq::text', 'au.hash',
]
const CELL_KEYS = CELLS.map((_, i) => `c${i}`)
const CELLS_SQL = CELLS.map((sql, i) => `${sql} AS ${CELL_KEYS[i]}`).join(', ')

/** Joins of an item's other parts (per row of the page only); names by key are subqueries in the item, which keeps the statement's join search (its planning) small. */
const ITEM_JOINS = (knownAt: string) => `
  LEFT JOIN LATERAL (SELECT se.occurred_at, se.document_no, se.authority FROM supervision_event se
                     WHERE ev.case_id IS NOT NULL AND se.case_id = ev.case_id AND se.type = 'revocation_referred' AND se.recorded_at <= ${knownAt}
                     ORDER BY se.seq DESC LIMIT 1) ref ON true
  LEFT JOIN LATERAL (SELECT a.id AS entry, ch.seq, ch.hash FROM audit_event a LEFT JOIN audit_chain ch ON ch.event_id = a.id
                     WHERE a.entity_type = 'qualification_event' AND a.entity_id = ev.qualification_id::text || ':' || ev.seq
                       AND a.operation = 'qualification_event.create'
                     ORDER BY a.id LIMIT 1) au ON true`

export interface RegisterRow {
  key_at: string
  id: string
  item: string
  /** The event's audit entry is committed but not chained yet (its item shows no chain position). */
  pending: boolean
}

/** A register row as CSV cells (`cells` shape): the values in REVOCATION_COLUMNS order. */
export interface RegisterCellsRow {
  key_at: string
  id: string
  cells: unknown[]
}

/**
 * The walk that chooses a page: the filter's rows after `after` in the order asked for, up to
 * `limit`, with their key (`key_at`, `id`). Where the filter joins the qualification or the version
 * at the time, the walk reads the order's index alone and yields the events' ids, fetched afterwards;
 * where it reads the event alone, the walk yields each whole event at once (measured on a batch of
 * 1,000 register rows: 27 → 22 ms, the second fetch by key was a fifth).
 */
function pageWalk(f: RegisterFilter, p: Params, order: RegisterOrder, after: { at: string; id: string } | undefined, limit: number) {
  const { from, where, knownAt, joined } = registerFrom(f, p)
  const column = order === 'recorded' ? 'ev.recorded_at' : 'ev.effective_at'
  if (after) where.push(`(${column}, ev.id) > (${p.add(after.at, '::timestamptz')}, ${p.add(after.id, '::bigint')})`)
  const lim = p.add(limit, '::int')
  const sql = `SELECT ${joined ? 'ev.id' : 'ev.*'}, ${column} AS key_at FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${column}, ev.id LIMIT ${lim}`
  return { sql, joined, knownAt }
}

/** One page (up to limit rows) after `after` in the order asked for; items as JSON text. */
export function registerPage(db: Queryable, f: RegisterFilter, order: RegisterOrder, after: { at: string; id: string } | undefined, limit: number): Promise<RegisterRow[]>
/** The same rows as CSV cells. */
export function registerPage(db: Queryable, f: RegisterFilter, order: RegisterOrder, after: { at: string; id: string } | undefined, limit: number, shape: 'cells'): Promise<RegisterCellsRow[]>
export async function registerPage(
  db: Queryable,
  f: RegisterFilter,
  order: RegisterOrder,
  after: { at: string; id: string } | undefined,
  limit: number,
  shape: 'json' | 'cells' = 'json',
): Promise<RegisterRow[] | RegisterCellsRow[]> {
  const p = new Params()
  const walk = pageWalk(f, p, order, after, limit)
  const columns = shape === 'json' ? `${ITEM}, (au.entry IS NOT NULL AND au.seq IS NULL) AS pending` : CELLS_SQL
  // The page is chosen first (the walk), then each of its rows is dressed.
  const page = walk.joined
    ? `(${walk.sql}) page CROSS JOIN LATERAL (SELECT * FROM qualification_event e WHERE e.id = page.id OFFSET 0) ev`
    : `(${walk.sql}) ev`
  const key = walk.joined ? 'page' : 'ev'
  const rows = await db.query<RegisterRow & Record<string, unknown>>(
    `SELECT iso_utc(${key}.key_at) AS key_at, ${key}.id::text AS id, ${columns}
     FROM ${page}
     CROSS JOIN LATERAL (SELECT * FROM qualification x WHERE x.id = ev.qualification_id OFFSET 0) q
     ${enterpriseVersionAt('q', 'ev.effective_at', walk.knownAt, 'ver')}
     ${ITEM_JOINS(walk.knownAt)}
     ORDER BY ${key}.key_at, ${key}.id`,
    p.values,
  )
  if (shape === 'json') return rows
  return rows.map((r) => ({ key_at: r.key_at, id: r.id, cells: CELL_KEYS.map((k) => r[k]) }))
}

/** The walk that chooses the first page, as registerPage runs it, for plans (EXPLAIN) in tests and docs. */
export function registerFirstPageSql(f: RegisterFilter, order: RegisterOrder, limit: number): { text: string; params: unknown[] } {
  const p = new Params()
  return { text: pageWalk(f, p, order, undefined, limit).sql, params: p.values }
}

const DIMENSION_SQL: Record<StatsDimension, string> = {
  county: 'ver.county_code',
  type: 'q.type_code',
  authority: 'ev.decision_authority',
  level: 'ev.decision_level::text',
  effectiveMonth: `to_char(ev.effective_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')`,
  recordedMonth: `to_char(ev.recorded_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')`,
  viaCase: 'ev.case_id IS NOT NULL',
}

/** Counts grouped by the dimensions (in their order), groups ordered by their values; as JSON texts. */
export async function registerStats(db: Queryable, f: RegisterFilter, groupBy: StatsDimension[]): Promise<string[]> {
  const p = new Params()
  const { from, where } = registerFrom(f, p, groupBy.includes('county') || f.countyCode !== undefined, groupBy.includes('type'))
  const cols = groupBy.map((d, i) => `${DIMENSION_SQL[d]} AS d${i}`)
  const keys = groupBy.map((_, i) => `g.d${i}`)
  const fields = groupBy.flatMap((d, i) =>
    d === 'county' ? [`'county', g.d${i}`, `'countyName', (SELECT name FROM county WHERE code = g.d${i})`] : [`'${d}', g.d${i}`],
  )
  const rows = await db.query<{ item: string }>(
    `SELECT json_build_object(${[...fields, `'count', g.n`].join(', ')})::text AS item
     FROM (SELECT ${[...cols, 'count(*)::int AS n'].join(', ')} FROM ${from} WHERE ${where.join(' AND ')}
           ${groupBy.length ? `GROUP BY ${groupBy.map((_, i) => i + 1).join(', ')}` : ''}) g
     WHERE g.n > 0
     ${keys.length ? `ORDER BY ${keys.map((k) => `${k} NULLS LAST`).join(', ')}` : ''}`,
    p.values,
  )
  return rows.map((r) => r.item)
}
