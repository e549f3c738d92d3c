// The only code that touches target_plan, policy_task(_department), target, target_definition(_department)
// and target_measurement, and that runs the metrics' statements. Reads take the database; writes
// take the caller's unit of work.
import { createHash } from 'node:crypto'
import type { Queryable, Transaction } from '../../db/client.ts'
import { actorParams } from '../audit/audit.repository.ts'
import { enterpriseVersionAt } from '../enterprises/enterprise-version.sql.ts'
import type { Actor } from '../../lib/actor.ts'
import * as activeAt from './metrics/active-at.ts'
import * as newlyGranted from './metrics/newly-granted.ts'
import type { ActiveAt } from './metrics/active-at.ts'
import type { Metric } from './metrics/index.ts'
import type { NewlyGranted } from './metrics/newly-granted.ts'
import { SqlParams, type Scope, type SqlWindow } from './metrics/types.ts'
import type { CountyRef } from './progress.ts'

export interface PlanRow {
  code: string
  title: string
  issuer: string
  issued_at: Date
  basis_title: string | null
  basis_document_no: string | null
  period_start: Date
  period_end: Date
}

export interface DepartmentRef {
  code: string
  name: string
}

export interface TargetRow {
  code: string
  plan_code: string
  position: number
  section: string
  task_no: string | null
  quote: string
  target_version: number
  recorded_at: Date
  updated_at: Date
  version: number
  label: string
  unit: 'enterprise' | 'certificate' | 'standard' | 'percent'
  comparator: 'at_least' | 'approximately' | 'indicator'
  value: string | null
  tolerance_percent: string | null
  metric: Metric
  alternatives: { reading: string; metric: Metric }[]
  effective_from: Date
  definition_recorded_at: Date
  change_note: string | null
  actor_sub: string
  /** The definition's own responsible units, or null: the task's. */
  own_departments: DepartmentRef[] | null
  task_departments: DepartmentRef[] | null
}

export async function listPlans(db: Queryable): Promise<PlanRow[]> {
  return db.query<PlanRow>('SELECT * FROM target_plan ORDER BY code')
}

export async function findPlan(db: Queryable, code: string): Promise<PlanRow | null> {
  const [row] = await db.query<PlanRow>('SELECT * FROM target_plan WHERE code = $1', [code])
  return row ?? null
}

export interface TaskRow {
  task_no: string
  title: string
  departments: DepartmentRef[]
}

export async function tasksOf(db: Queryable, planCode: string): Promise<TaskRow[]> {
  return db.query<TaskRow>(
    `SELECT t.task_no, t.title,
       coalesce((SELECT json_agg(json_build_object('code', d.code, 'name', d.name) ORDER BY td.position)
                 FROM policy_task_department td JOIN department d ON d.code = td.department_code
                 WHERE td.plan_code = t.plan_code AND td.task_no = t.task_no), '[]') AS departments
     FROM policy_task t WHERE t.plan_code = $1 ORDER BY t.position`,
    [planCode],
  )
}

/** Columns of a target with one of its definitions `d` and the responsible units of both. */
const TARGET_COLUMNS = `t.code, t.plan_code, t.position, t.section, t.task_no, t.quote, t.version AS target_version, t.recorded_at, t.updated_at,
  d.version, d.label, d.unit::text AS unit, d.comparator::text AS comparator, d.value::text AS value, d.tolerance_percent::text AS tolerance_percent,
  d.metric, d.alternatives, d.effective_from, d.recorded_at AS definition_recorded_at, d.change_note, d.actor_sub,
  (SELECT json_agg(json_build_object('code', dep.code, 'name', dep.name) ORDER BY dd.position)
   FROM target_definition_department dd JOIN department dep ON dep.code = dd.department_code
   WHERE dd.target_code = d.target_code AND dd.version = d.version) AS own_departments,
  (SELECT json_agg(json_build_object('code', dep.code, 'name', dep.name) ORDER BY td.position)
   FROM policy_task_department td JOIN department dep ON dep.code = td.department_code
   WHERE td.plan_code = t.plan_code AND td.task_no = t.task_no) AS task_departments`

/**
 * The definition in force at (asOf, knownAt): the last version recorded by knownAt that took
 * effect by asOf; version 1 (the plan's own) stands for the time before any.
 */
const IN_FORCE = (asOf: string, knownAt: string) => `(d.version = 1 OR (d.recorded_at <= ${knownAt} AND d.effective_from <= ${asOf}))`

/** Targets of a plan with their definitions in force, in the plan's order. */
export async function targetsInForce(db: Queryable, planCode: string, asOf: Date, knownAt: Date): Promise<TargetRow[]> {
  return db.query<TargetRow>(
    `SELECT * FROM (
       SELECT DISTINCT ON (t.code) ${TARGET_COLUMNS}
       FROM target t JOIN target_definition d ON d.target_code = t.code
       WHERE t.plan_code = $1 AND ${IN_FORCE('$2::timestamptz', '$3::timestamptz')}
       ORDER BY t.code, d.version DESC) x
     ORDER BY position`,
    [planCode, asOf, knownAt],
  )
}

/** One target with its definition in force at (asOf, knownAt). */
export async function findTarget(db: Queryable, code: string, asOf: Date, knownAt: Date): Promise<TargetRow | null> {
  const [row] = await db.query<TargetRow>(
    `SELECT ${TARGET_COLUMNS} FROM target t JOIN target_definition d ON d.target_code = t.code
     WHERE t.code = $1 AND ${IN_FORCE('$2::timestamptz', '$3::timestamptz')} ORDER BY d.version DESC LIMIT 1`,
    [code, asOf, knownAt],
  )
  return row ?? null
}

/** Every definition of a target recorded by knownAt (version 1 always), oldest first. */
export async function definitionsOf(db: Queryable, code: string, knownAt: Date): Promise<TargetRow[]> {
  return db.query<TargetRow>(
    `SELECT ${TARGET_COLUMNS} FROM target t JOIN target_definition d ON d.target_code = t.code
     WHERE t.code = $1 AND (d.version = 1 OR d.recorded_at <= $2) ORDER BY d.version`,
    [code, knownAt],
  )
}

/** The target with its latest definition, locked for the rest of the unit of work. */
export async function lockTarget(tx: Queryable, code: string): Promise<TargetRow | null> {
  const locked = await tx.query<{ code: string }>('SELECT code FROM target WHERE code = $1 FOR UPDATE', [code])
  if (locked.length === 0) return null
  const [row] = await tx.query<TargetRow>(
    `SELECT ${TARGET_COLUMNS} FROM target t JOIN target_definition d ON d.target_code = t.code WHERE t.code = $1 ORDER BY d.version DESC LIMIT 1`,
    [code],
  )
  return row!
}

export interface DefinitionInput {
  label: string
  unit: string
  comparator: string
  value: number | null
  tolerancePercent: number | null
  metric: Metric
  alternatives: { reading: string; metric: Metric }[]
  departments: string[] | null
  effectiveFrom: Date
  changeNote: string | null
}

/** Appends the next definition version and bumps the target's version; the new row is read back. */
export async function appendDefinition(tx: Transaction, code: string, version: number, d: DefinitionInput, actor: Actor): Promise<TargetRow> {
  const insert = tx.query(
    `INSERT INTO target_definition (target_code, version, label, unit, comparator, value, tolerance_percent, metric, alternatives,
                                    effective_from, change_note, actor_sub, actor_county, actor_dept, request_id)
     VALUES ($1, $2, $3, $4::"TargetUnit", $5::"TargetComparator", $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14, $15)`,
    [code, version, d.label, d.unit, d.comparator, d.value, d.tolerancePercent, JSON.stringify(d.metric), JSON.stringify(d.alternatives),
      d.effectiveFrom, d.changeNote, ...actorParams(actor)],
  )
  const departments = d.departments?.length
    ? tx.query(
        `INSERT INTO target_definition_department (target_code, version, position, department_code)
         SELECT $1, $2, p.position, p.code FROM unnest($3::text[]) WITH ORDINALITY AS p(code, position)`,
        [code, version, d.departments],
      )
    : Promise.resolve([])
  const bump = tx.query('UPDATE target SET version = $2, updated_at = CURRENT_TIMESTAMP WHERE code = $1', [code, version])
  await Promise.all([insert, departments, bump])
  const [row] = await tx.query<TargetRow>(
    `SELECT ${TARGET_COLUMNS} FROM target t JOIN target_definition d ON d.target_code = t.code WHERE t.code = $1 AND d.version = $2`,
    [code, version],
  )
  return row!
}

export async function counties(db: Queryable): Promise<CountyRef[]> {
  return db.query<CountyRef>(
    `SELECT code, name, to_char(valid_from, 'YYYY-MM-DD') AS "validFrom", to_char(valid_until, 'YYYY-MM-DD') AS "validUntil",
            successor_code AS "successorCode" FROM county ORDER BY code`,
  )
}

export async function departmentCodes(db: Queryable, codes: string[]): Promise<Set<string>> {
  const rows = await db.query<{ code: string }>('SELECT code FROM department WHERE code = ANY($1::text[])', [codes])
  return new Set(rows.map((r) => r.code))
}

export async function qualificationTypeCodes(db: Queryable): Promise<Set<string>> {
  return new Set((await db.query<{ code: string }>('SELECT code FROM qualification_type')).map((r) => r.code))
}

// ---- metrics ----

/** The SELECT of a computed metric's per-qualification rows with their verdicts. */
function metricRows(metric: ActiveAt | NewlyGranted, w: SqlWindow, p: SqlParams, countedOnly: boolean, scope?: Scope): string {
  return metric.kind === 'activeAt' ? activeAt.rowsSql(metric, w, p, countedOnly, scope) : newlyGranted.rowsSql(metric, w, p, countedOnly, scope)
}

/**
 * The moments of an evaluation. `knownAt: null` is "everything recorded" (a read that names no
 * knownAt); `asOf` and the period bounds are instants.
 */
export interface EvalMoments {
  asOf: Date
  knownAt: Date | null
  start: Date
  end: Date
}

/** The moments as placeholders, each added when a statement first uses it (an unused one has no type). */
function windowParams(p: SqlParams, t: EvalMoments): SqlWindow {
  const placed = new Map<keyof SqlWindow, string>()
  const place = (k: keyof SqlWindow) => {
    const known = placed.get(k)
    if (known) return known
    const value = k === 'knownAt' && t.knownAt === null ? "'infinity'::timestamptz" : p.add(t[k], '::timestamptz')
    placed.set(k, value)
    return value
  }
  return { get asOf() { return place('asOf') }, get knownAt() { return place('knownAt') }, get start() { return place('start') }, get end() { return place('end') } }
}

export interface CountRow {
  /** The enterprise's county at asOf as recorded (a retired code stays as it was recorded). */
  county_code: string
  type_code: string
  /** null: counted; otherwise the one exclusion the breakdown reports (status at asOf). */
  reason: string | null
  status: string
  n: number
}

/**
 * One statement: the counted qualifications (and those excluded for their status at asOf), by
 * the enterprise's county at asOf, type and verdict.
 */
export async function countMetric(db: Queryable, metric: ActiveAt | NewlyGranted, t: EvalMoments): Promise<CountRow[]> {
  const p = new SqlParams()
  const w = windowParams(p, t)
  return db.query<CountRow>(
    `WITH r AS (${metricRows(metric, w, p, true)}),
     c AS (SELECT r.uscc, r.type_code, r.reason, r.status FROM r WHERE r.reason IS NULL OR r.reason = 'status_at_as_of')
     SELECT ev.county_code, c.type_code, c.reason, c.status, count(*)::int AS n
     FROM c ${enterpriseVersionAt('c', w.asOf, w.knownAt)}
     GROUP BY 1, 2, 3, 4`,
    p.values,
  )
}

// ---- counts by USCC range (figures.ts) ----
//
// A computed figure is a sum over enterprises, so it is kept per range of USCCs ("part"): the
// ranges are split at `bounds` (sorted USCCs; part i holds bounds[i-1] <= uscc < bounds[i], as
// width_bucket numbers them), and a part is counted again when a write touched one of its
// enterprises. **Every table the metrics read needs a change trigger** writing target_figure_change
// (migration 20261130009000): qualification, qualification_event, enterprise_version and
// qualification_type (the listing types).

/** Up to `parts - 1` USCCs that split the enterprises into parts of about equal size. */
export async function figureBounds(db: Queryable, parts: number): Promise<string[]> {
  const rows = await db.query<{ uscc: string }>(
    `SELECT DISTINCT uscc FROM (
       SELECT uscc, row_number() OVER (ORDER BY uscc) AS i, count(*) OVER () AS n FROM enterprise) x
     WHERE i > 1 AND (i - 1) % greatest(1, ceil(n::numeric / $1))::bigint = 0
     ORDER BY uscc`,
    [parts],
  )
  return rows.map((r) => r.uscc)
}

/** Parts as ranges of the USCC column (null: unbounded), adjacent parts merged. */
export function partRanges(bounds: string[], parts: number[]): [string | null, string | null][] {
  const sorted = [...new Set(parts)].sort((a, b) => a - b)
  const ranges: [string | null, string | null][] = []
  let i = 0
  while (i < sorted.length) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++
    ranges.push([sorted[i]! === 0 ? null : bounds[sorted[i]! - 1]!, sorted[j]! >= bounds.length ? null : bounds[sorted[j]!]!])
    i = j + 1
  }
  return ranges
}

/** The scope of some parts (ranges), with its parameters added once. */
function rangeScope(p: SqlParams, ranges: [string | null, string | null][]): Scope {
  const placed = ranges.map(([lo, hi]) => [lo === null ? null : p.add(lo, '::bpchar'), hi === null ? null : p.add(hi, '::bpchar')] as const)
  return (alias) => {
    const terms = placed.map(([lo, hi]) => [lo && `${alias}.uscc >= ${lo}`, hi && `${alias}.uscc < ${hi}`].filter(Boolean).join(' AND ') || 'true')
    return `(${terms.join(' OR ')})`
  }
}

export interface FigureSnapshot {
  /** pg_current_snapshot() as text. */
  snapshot: string
  /** The database's clock, read after the snapshot was taken: everything in the snapshot was recorded before it. */
  now: Date
  /** Codes of the types that count as listings. */
  listing_types: string[]
}

/**
 * The snapshot of the unit of work `tx` (REPEATABLE READ: its first statement) and the changes
 * committed since `since` (a snapshot taken earlier): the parts and types changed (part null:
 * every part; type null: every type).
 */
export async function figureChanges(tx: Queryable, since: string | null, bounds: string[]): Promise<{ state: FigureSnapshot; changes: { part: number | null; type_code: string | null }[] }> {
  const state = tx.query<FigureSnapshot>(
    `SELECT pg_current_snapshot()::text AS snapshot, clock_timestamp() AS now,
       ARRAY(SELECT code FROM qualification_type WHERE counts_as_listing ORDER BY code) AS listing_types`,
  )
  const changes = since === null
    ? Promise.resolve([])
    : tx.query<{ part: number | null; type_code: string | null }>(
        `SELECT DISTINCT CASE WHEN c.uscc IS NULL THEN NULL ELSE width_bucket(c.uscc, $2::bpchar[]) END AS part, c.type_code
         FROM target_figure_change c
         WHERE c.xid >= pg_snapshot_xmin($1::pg_snapshot)::text::bigint AND NOT pg_visible_in_snapshot(c.xid::text::xid8, $1::pg_snapshot)`,
        [since, bounds],
      )
  const [[row], list] = await Promise.all([state, changes])
  return { state: row!, changes: list }
}

/** Change rows older than an hour (a reader whose snapshot is older counts everything again). */
export async function pruneFigureChanges(db: Queryable): Promise<void> {
  await db.query(`DELETE FROM target_figure_change WHERE recorded_at < statement_timestamp() - interval '1 hour'`)
}

export interface PartCountRow extends CountRow {
  part: number
}

/** countMetric by part, for the parts given (null: all). */
export async function countMetricByPart(db: Queryable, metric: ActiveAt | NewlyGranted, t: EvalMoments, bounds: string[], ranges: [string | null, string | null][] | null): Promise<PartCountRow[]> {
  const p = new SqlParams()
  const w = windowParams(p, t)
  const scope = ranges ? rangeScope(p, ranges) : undefined
  const b = p.add(bounds, '::bpchar[]')
  const text = `WITH r AS (${metricRows(metric, w, p, true, scope)}),
     c AS (SELECT r.uscc, r.type_code, r.reason, r.status FROM r WHERE r.reason IS NULL OR r.reason = 'status_at_as_of')
     SELECT width_bucket(c.uscc, ${b}) AS part, ev.county_code, c.type_code, c.reason, c.status, count(*)::int AS n
     FROM c ${enterpriseVersionAt('c', w.asOf, w.knownAt)}
     GROUP BY 1, 2, 3, 4, 5`
  // A few parts are counted after every write: planned once per connection (the text names the
  // metric's shape; its values are parameters). A count of everything is planned for its values.
  return db.query<PartCountRow>(text, p.values, ranges ? `target_figure_${createHash('sha1').update(text).digest('hex').slice(0, 20)}` : undefined)
}

/**
 * What time alone changed in (from, to] for counts as of now, by part and type: grants, validities
 * that start late or end, changes recorded ahead of their effect (all found from indexes). Anything
 * recorded is in effect by `to` when `to` is the database's clock after the snapshot was taken.
 */
export async function figureTimeChanges(db: Queryable, from: Date, to: Date, bounds: string[]): Promise<{ part: number; type_code: string }[]> {
  return db.query<{ part: number; type_code: string }>(
    `SELECT width_bucket(q.uscc, $3::bpchar[]) AS part, q.type_code FROM qualification q
     WHERE (q.granted_at > $1 AND q.granted_at <= $2) OR (q.valid_until > $1 AND q.valid_until <= $2)
        OR (q.valid_from > q.granted_at AND q.valid_from > $1 AND q.valid_from <= $2)
     UNION
     SELECT width_bucket(q.uscc, $3::bpchar[]), q.type_code FROM qualification_event e JOIN qualification q ON q.id = e.qualification_id
     WHERE e.effective_at > e.recorded_at AND e.effective_at > $1 AND e.effective_at <= $2`,
    [from, to, bounds],
    'target_figure_time_changes',
  )
}

/** Tables whose rows a computed figure depends on. */
const FIGURE_TABLES = ['qualification', 'qualification_event', 'qualification_type', 'enterprise', 'enterprise_version', 'county',
  'target_plan', 'target', 'target_definition', 'target_definition_department', 'target_measurement']

/** What the registry holds now, and until when time alone changes no computed figure. */
export interface RegistryState {
  /** No other transaction is writing to those tables right now. */
  quiet: boolean
  /**
   * Changes with every commit to those tables: every registry write adds audit entries, every grant
   * and status change a history event (ids handed out in order: taken while quiet, any later write
   * has a larger one); enterprises written directly show in their updated_at; the small tables'
   * own marks. An equal stamp means nothing was committed since.
   */
  stamp: string
  /** The database's clock. */
  now: Date
  /** The next grant, expiry, start of validity, change taking effect or period bound after now (null: none). */
  next: Date | null
}

export async function registryState(db: Queryable): Promise<RegistryState> {
  const [row] = await db.query<RegistryState>(
    `SELECT NOT EXISTS (SELECT 1 FROM pg_locks l
         WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND l.pid <> pg_backend_pid()
           AND l.mode = 'RowExclusiveLock' AND l.relation = ANY ($1::regclass[])) AS quiet,
       array_to_string(ARRAY[(SELECT max(id) FROM qualification_event)::text, (SELECT max(id) FROM audit_event)::text,
         (SELECT max(updated_at) FROM enterprise)::text, (SELECT count(*) || ':' || max(recorded_at) FROM target_definition),
         (SELECT count(*) FROM target_definition_department)::text, (SELECT count(*) || ':' || max(recorded_at) FROM target_measurement),
         (SELECT count(*) || ':' || sum(version) || ':' || max(updated_at) FROM qualification_type),
         (SELECT count(*) || ':' || sum(version) FROM target), (SELECT count(*) FROM target_plan)::text, (SELECT count(*) FROM county)::text], '|', '-') AS stamp,
       statement_timestamp() AS now, least(
       (SELECT min(q.valid_until) FROM qualification q WHERE q.valid_until > statement_timestamp()),
       (SELECT min(q.granted_at) FROM qualification q WHERE q.granted_at > statement_timestamp()),
       (SELECT min(q.valid_from) FROM qualification q WHERE q.valid_from > q.granted_at AND q.valid_from > statement_timestamp()),
       (SELECT min(e.effective_at) FROM qualification_event e WHERE e.effective_at > e.recorded_at AND e.effective_at > statement_timestamp()),
       (SELECT min(d.effective_from) FROM target_definition d WHERE d.effective_from > statement_timestamp()),
       (SELECT min(m.period_to) FROM target_measurement m WHERE m.period_to > statement_timestamp()),
       (SELECT min(b) FROM target_plan tp CROSS JOIN LATERAL (VALUES (tp.period_start), (tp.period_end)) x(b) WHERE b > statement_timestamp()),
       (SELECT min(b) FROM county c CROSS JOIN LATERAL (VALUES (c.valid_from), (c.valid_until + 1)) x(d)
          CROSS JOIN LATERAL (SELECT (x.d::timestamp AT TIME ZONE 'Asia/Shanghai') AS b) y WHERE b > statement_timestamp())
     ) AS next`,
    [FIGURE_TABLES],
  )
  return row!
}

export interface ContributorRow {
  qualification_id: string
  uscc: string
  enterprise_name: string
  county_code: string
  type_code: string
  type_name: string
  certificate_no: string | null
  granted_at: string
  status: string
  reason: string | null
}

export interface ContributorFilter {
  /** Recorded county codes (a county and the retired codes folded into it); undefined: all. */
  countyCodes?: string[] | undefined
  includeExcluded: boolean
  after?: { uscc: string; id: string } | undefined
  limit: number
}

/** One keyset batch (USCC, qualification id) of what a metric counted, and, when asked, what it left out. */
export async function contributors(db: Queryable, metric: ActiveAt | NewlyGranted, t: EvalMoments, f: ContributorFilter): Promise<ContributorRow[]> {
  const p = new SqlParams()
  const w = windowParams(p, t)
  const rows = metricRows(metric, w, p, !f.includeExcluded)
  const where = [f.includeExcluded ? 'true' : 'r.reason IS NULL']
  if (f.countyCodes) where.push(`ev.county_code = ANY (${p.add(f.countyCodes, '::text[]')})`)
  if (f.after) where.push(`(r.uscc::text, r.id) > (${p.add(f.after.uscc, '::text')}, ${p.add(f.after.id, '::uuid')})`)
  return db.query<ContributorRow>(
    `WITH r AS (${rows})
     SELECT r.id AS qualification_id, r.uscc, e.name AS enterprise_name, ev.county_code, r.type_code, qt.name AS type_name,
            r.certificate_no, iso_utc(r.granted_at) AS granted_at, r.status, r.reason
     FROM r ${enterpriseVersionAt('r', w.asOf, w.knownAt)}
     JOIN enterprise e ON e.uscc = r.uscc JOIN qualification_type qt ON qt.code = r.type_code
     WHERE ${where.join(' AND ')}
     ORDER BY r.uscc, r.id LIMIT ${p.add(f.limit, '::int')}`,
    p.values,
  )
}

// ---- measurements ----

export interface MeasurementRow {
  id: string
  target_code: string
  county_code: string | null
  period_from: Date
  period_to: Date
  value: string
  source: string
  method: string | null
  document_no: string | null
  supersedes: string | null
  superseded_by: string | null
  recorded_at: Date
  actor_sub: string
}

const MEASUREMENT_COLUMNS = `m.id, m.target_code, m.county_code, m.period_from, m.period_to, m.value::text AS value, m.source, m.method,
  m.document_no, m.supersedes, m.recorded_at, m.actor_sub`

/** Measurements of targets recorded by knownAt, each with the correction that superseded it by then. */
export async function measurements(db: Queryable, targetCodes: string[], knownAt: Date, countyCode?: string | null): Promise<MeasurementRow[]> {
  return db.query<MeasurementRow>(
    `SELECT ${MEASUREMENT_COLUMNS},
       (SELECT s.id FROM target_measurement s WHERE s.supersedes = m.id AND s.recorded_at <= $2) AS superseded_by
     FROM target_measurement m
     WHERE m.target_code = ANY ($1::text[]) AND m.recorded_at <= $2 AND ($3::text IS NULL OR m.county_code = $3)
     ORDER BY m.target_code, m.county_code NULLS FIRST, m.period_to, m.recorded_at, m.id`,
    [targetCodes, knownAt, countyCode ?? null],
  )
}

export async function findMeasurement(tx: Queryable, id: string): Promise<(MeasurementRow & { superseded: boolean }) | null> {
  const [row] = await tx.query<MeasurementRow & { superseded: boolean }>(
    `SELECT ${MEASUREMENT_COLUMNS}, NULL AS superseded_by,
       EXISTS (SELECT 1 FROM target_measurement s WHERE s.supersedes = m.id) AS superseded
     FROM target_measurement m WHERE m.id = $1`,
    [id],
  )
  return row ?? null
}

export interface MeasurementInput {
  id: string
  targetCode: string
  countyCode: string | null
  periodFrom: Date
  periodTo: Date
  value: number
  source: string
  method: string | null
  documentNo: string | null
  supersedes: string | null
}

export async function insertMeasurement(tx: Queryable, m: MeasurementInput, actor: Actor): Promise<MeasurementRow> {
  const [row] = await tx.query<MeasurementRow>(
    `INSERT INTO target_measurement AS m (id, target_code, county_code, period_from, period_to, value, source, method, document_no, supersedes,
                                          actor_sub, actor_county, actor_dept, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     RETURNING ${MEASUREMENT_COLUMNS}, NULL::uuid AS superseded_by`,
    [m.id, m.targetCode, m.countyCode, m.periodFrom, m.periodTo, m.value, m.source, m.method, m.documentNo, m.supersedes, ...actorParams(actor)],
  )
  return row!
}

export async function countyExists(db: Queryable, code: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM county WHERE code = $1', [code])).length > 0
}
