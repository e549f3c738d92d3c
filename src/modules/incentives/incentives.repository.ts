// The only code that touches incentive_program, incentive_program_department and incentive_rule_set,
// reads one enterprise's eligibility facts (through the qualifications' statusAt, the enterprises'
// enterpriseVersionAt and a read fragment over the supervision tables) and runs the set statement.
import { createHash } from 'node:crypto'
import type { Queryable, Transaction } from '../../db/client.ts'
import type { Actor } from '../../lib/actor.ts'
import { actorParams } from '../audit/audit.repository.ts'
import { enterpriseVersionAt } from '../enterprises/enterprise-version.sql.ts'
import { statusAt } from '../qualifications/status.sql.ts'
import { compileSet, LISTING_TYPES_SQL, type SetQuery, type SetRow } from './compile.ts'
import type { ProgramScope, RuleSetRef } from './evaluate.ts'
import { caseSeveritySql, caseStateSql, type Facts } from './predicates.ts'
import type { RuleNode } from './rules.ts'

export interface ProgramRow {
  code: string
  name: string
  kind: string
  benefit: { summary: string; amount?: Record<string, unknown> }
  basis: Record<string, unknown>
  level: 'city' | 'county'
  county_code: string | null
  frequency: string | null
  sponsor_name: string | null
  delivered_by: string | null
  valid_from: Date | null
  valid_until: Date | null
  version: number
  created_at: Date
  updated_at: Date
  departments: { code: string; name: string }[]
}

const PROGRAM_COLUMNS = `p.code, p.name, p.kind::text AS kind, p.benefit, p.basis, p.level::text AS level, p.county_code::text AS county_code,
  p.frequency::text AS frequency, p.sponsor_name, p.delivered_by, p.valid_from, p.valid_until, p.version, p.created_at, p.updated_at,
  coalesce((SELECT json_agg(json_build_object('code', d.code, 'name', d.name) ORDER BY pd.position)
            FROM incentive_program_department pd JOIN department d ON d.code = pd.department_code WHERE pd.program_code = p.code), '[]') AS departments`

export const scopeOf = (r: ProgramRow): ProgramScope => ({
  code: r.code, name: r.name, level: r.level, countyCode: r.county_code, validFrom: r.valid_from, validUntil: r.valid_until,
})

export async function findProgram(db: Queryable, code: string): Promise<ProgramRow | null> {
  const [row] = await db.query<ProgramRow>(`SELECT ${PROGRAM_COLUMNS} FROM incentive_program p WHERE p.code = $1`, [code], 'incentive_program_find')
  return row ?? null
}

export async function lockProgram(tx: Queryable, code: string): Promise<ProgramRow | null> {
  const [row] = await tx.query<ProgramRow>(`SELECT ${PROGRAM_COLUMNS} FROM incentive_program p WHERE p.code = $1 FOR UPDATE`, [code])
  return row ?? null
}

export interface ProgramFilter {
  kind?: string | undefined
  level?: string | undefined
  countyCode?: string | undefined
  department?: string | undefined
  activeAt?: Date | undefined
  after?: string | undefined
  limit: number | null
}

export async function listPrograms(db: Queryable, f: ProgramFilter): Promise<ProgramRow[]> {
  const where: string[] = []
  const values: unknown[] = []
  const add = (v: unknown) => {
    values.push(v)
    return `$${values.length}`
  }
  if (f.kind) where.push(`p.kind::text = ${add(f.kind)}`)
  if (f.level) where.push(`p.level::text = ${add(f.level)}`)
  if (f.countyCode) where.push(`p.county_code = ${add(f.countyCode)}`)
  if (f.department) where.push(`EXISTS (SELECT 1 FROM incentive_program_department pd WHERE pd.program_code = p.code AND pd.department_code = ${add(f.department)})`)
  if (f.activeAt) {
    const t = add(f.activeAt)
    where.push(`(p.valid_from IS NULL OR p.valid_from <= ${t}::timestamptz) AND (p.valid_until IS NULL OR p.valid_until > ${t}::timestamptz)`)
  }
  if (f.after) where.push(`p.code > ${add(f.after)}`)
  return db.query<ProgramRow>(
    `SELECT ${PROGRAM_COLUMNS} FROM incentive_program p ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY p.code
     ${f.limit !== null ? `LIMIT ${add(f.limit)}` : ''}`,
    values,
  )
}

export interface ProgramInput {
  code: string
  name: string
  kind: string
  benefit: unknown
  basis: unknown
  level: string
  countyCode: string | null
  frequency: string | null
  sponsorName: string | null
  deliveredBy: string | null
  validFrom: Date | null
  validUntil: Date | null
  departments: string[]
}

/** Inserts a program; false when the code is taken. */
export async function insertProgram(tx: Transaction, p: ProgramInput): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO incentive_program (code, name, kind, benefit, basis, level, county_code, frequency, sponsor_name, delivered_by, valid_from, valid_until)
     VALUES ($1, $2, $3::"IncentiveKind", $4::jsonb, $5::jsonb, $6::"IncentiveLevel", $7, $8::"IncentiveFrequency", $9, $10, $11, $12)
     ON CONFLICT (code) DO NOTHING RETURNING code`,
    [p.code, p.name, p.kind, JSON.stringify(p.benefit), JSON.stringify(p.basis), p.level, p.countyCode, p.frequency, p.sponsorName, p.deliveredBy,
      p.validFrom, p.validUntil],
  )
  if (rows.length === 0) return false
  await setDepartments(tx, p.code, p.departments)
  return true
}

async function setDepartments(tx: Transaction, code: string, departments: string[]) {
  await tx.query('DELETE FROM incentive_program_department WHERE program_code = $1', [code])
  if (departments.length) {
    await tx.query(
      `INSERT INTO incentive_program_department (program_code, position, department_code)
       SELECT $1, d.position, d.code FROM unnest($2::text[]) WITH ORDINALITY AS d(code, position)`,
      [code, departments],
    )
  }
}

export async function updateProgram(tx: Transaction, p: ProgramInput): Promise<void> {
  await tx.query(
    `UPDATE incentive_program SET name = $2, kind = $3::"IncentiveKind", benefit = $4::jsonb, basis = $5::jsonb, frequency = $6::"IncentiveFrequency",
       sponsor_name = $7, delivered_by = $8, valid_from = $9, valid_until = $10, version = version + 1, updated_at = CURRENT_TIMESTAMP
     WHERE code = $1`,
    [p.code, p.name, p.kind, JSON.stringify(p.benefit), JSON.stringify(p.basis), p.frequency, p.sponsorName, p.deliveredBy, p.validFrom, p.validUntil],
  )
  await setDepartments(tx, p.code, p.departments)
}

export interface RuleSetRow {
  program_code: string
  version: number
  rules: RuleNode
  effective_from: Date
  recorded_at: Date
  change_note: string | null
  actor_sub: string
}

export const ruleSetRef = (r: RuleSetRow): RuleSetRef => ({ version: r.version, effectiveFrom: r.effective_from, recordedAt: r.recorded_at, rules: r.rules })

const RULE_SET_COLUMNS = 'program_code, version, rules, effective_from, recorded_at, change_note, actor_sub'

/**
 * The rule set in force at (asOf, knownAt), as a statement (SQL expressions; `inForce` is the same
 * rule over rule sets already read): the highest version in effect by asOf and recorded by knownAt.
 */
const inForceSql = (columns: string, program: string, asOf: string, knownAt: string) =>
  `SELECT ${columns} FROM incentive_rule_set WHERE program_code = ${program} AND effective_from <= ${asOf} AND recorded_at <= ${knownAt}
   ORDER BY version DESC LIMIT 1`

/** The rule set in force at (asOf, knownAt): the highest version in effect by asOf and recorded by knownAt. */
export async function ruleSetInForce(db: Queryable, code: string, asOf: Date, knownAt: Date): Promise<RuleSetRow | null> {
  const [row] = await db.query<RuleSetRow>(
    inForceSql(RULE_SET_COLUMNS, '$1', '$2', '$3'),
    [code, asOf, knownAt],
    'incentive_rule_set_in_force',
  )
  return row ?? null
}

/** The rule sets in force at (asOf, knownAt) of several programs. */
export async function ruleSetsInForce(db: Queryable, codes: string[], asOf: Date, knownAt: Date): Promise<RuleSetRow[]> {
  return db.query<RuleSetRow>(
    `SELECT DISTINCT ON (program_code) ${RULE_SET_COLUMNS} FROM incentive_rule_set
     WHERE program_code = ANY ($1::text[]) AND effective_from <= $2 AND recorded_at <= $3 ORDER BY program_code, version DESC`,
    [codes, asOf, knownAt],
  )
}

export async function ruleSets(db: Queryable, code: string, knownAt: Date): Promise<RuleSetRow[]> {
  return db.query<RuleSetRow>(`SELECT ${RULE_SET_COLUMNS} FROM incentive_rule_set WHERE program_code = $1 AND recorded_at <= $2 ORDER BY version`, [code, knownAt])
}

export async function ruleSet(db: Queryable, code: string, version: number): Promise<RuleSetRow | null> {
  const [row] = await db.query<RuleSetRow>(`SELECT ${RULE_SET_COLUMNS} FROM incentive_rule_set WHERE program_code = $1 AND version = $2`, [code, version])
  return row ?? null
}

export async function lastRuleSet(tx: Queryable, code: string): Promise<RuleSetRow | null> {
  const [row] = await tx.query<RuleSetRow>(`SELECT ${RULE_SET_COLUMNS} FROM incentive_rule_set WHERE program_code = $1 ORDER BY version DESC LIMIT 1`, [code])
  return row ?? null
}

export async function appendRuleSet(tx: Transaction, code: string, version: number, rules: RuleNode, effectiveFrom: Date, changeNote: string | null, actor: Actor): Promise<RuleSetRow> {
  // recorded_at never runs backwards within a program, so "recorded by knownAt" is a prefix of the versions.
  const [row] = await tx.query<RuleSetRow>(
    `INSERT INTO incentive_rule_set (program_code, version, rules, effective_from, recorded_at, change_note, actor_sub, actor_county, actor_dept, request_id)
     VALUES ($1, $2, $3::jsonb, $4, greatest(clock_timestamp(), (SELECT max(recorded_at) FROM incentive_rule_set WHERE program_code = $1)),
             $5, $6, $7, $8, $9)
     RETURNING ${RULE_SET_COLUMNS}`,
    [code, version, JSON.stringify(rules), effectiveFrom, changeNote, ...actorParams(actor)],
  )
  return row!
}

export async function touchProgram(tx: Transaction, code: string): Promise<void> {
  await tx.query('UPDATE incentive_program SET version = version + 1, updated_at = CURRENT_TIMESTAMP WHERE code = $1', [code])
}

// ---- reference codes for the rule checks ----

export async function catalog(db: Queryable): Promise<{ types: Set<string>; counties: Set<string> }> {
  const [row] = await db.query<{ types: string[]; counties: string[] }>(
    'SELECT ARRAY(SELECT code FROM qualification_type ORDER BY code) AS types, ARRAY(SELECT code::text FROM county ORDER BY code) AS counties',
  )
  return { types: new Set(row!.types), counties: new Set(row!.counties) }
}

export async function departmentCodes(db: Queryable, codes: string[]): Promise<Set<string>> {
  const rows = await db.query<{ code: string }>('SELECT code FROM department WHERE code = ANY($1::text[])', [codes])
  return new Set(rows.map((r) => r.code))
}

// ---- facts of one enterprise ----

interface FactsRow {
  uscc: string
  current_name: string
  v: { name: string; county_code: string; cultivation_stage: string | null; business_status: string; industry_code: string | null; cultivation_lists: { list: string; year: number }[]; version: number } | null
  quals: { id: string; type_code: string; type_name: string; counts_as_listing: boolean; is_standard: boolean; certificate_no: string | null; batch: string | null; granted_at: string; valid_from: string; valid_until: string | null; renews_id: string | null; status: string; annulled: boolean }[]
  revs: { qualification_id: string; seq: number; type_code: string; type_name: string; effective_at: string; authority: string | null; document_no: string | null }[]
  cases: { id: string; case_no: string; state: string | null; severity: string; opened_at: string | null; interviews: string[] }[]
}

/**
 * An enterprise's facts at (asOf, knownAt) in one statement: its version at asOf, its qualifications
 * recorded by knownAt with their status at asOf, the revocations recorded by then, and its supervision
 * cases as their events recorded by then show them at asOf. Null when the enterprise is not in the registry.
 */
function factsSelect(uscc: string, asOf: string, knownAt: string): string {
  return `SELECT e.uscc::text AS uscc, e.name AS current_name,
       (SELECT to_jsonb(ev) FROM (VALUES (1)) AS one(x) ${enterpriseVersionAt('e', asOf, knownAt)}) AS v,
       coalesce((SELECT json_agg(x ORDER BY x.granted_at, x.id) FROM (
         SELECT q.id, q.type_code, t.name AS type_name, t.counts_as_listing, t.is_standard, q.certificate_no, q.batch, iso_utc(q.granted_at) AS granted_at,
                iso_utc(q.valid_from) AS valid_from, iso_utc(q.valid_until) AS valid_until, q.renews_id,
                ${statusAt('q', asOf, knownAt)} AS status,
                coalesce(${statusAt('q', "'infinity'::timestamptz", knownAt)} = 'annulled', false) AS annulled
         FROM qualification q JOIN qualification_type t ON t.code = q.type_code
         WHERE q.uscc = e.uscc AND q.recorded_at <= ${knownAt}) x), '[]') AS quals,
       coalesce((SELECT json_agg(x ORDER BY x.effective_at, x.qualification_id, x.seq) FROM (
         SELECT qe.qualification_id, qe.seq, q.type_code, t.name AS type_name, iso_utc(qe.effective_at) AS effective_at,
                qe.decision_authority AS authority, qe.decision_document_no AS document_no
         FROM qualification q JOIN qualification_event qe ON qe.qualification_id = q.id JOIN qualification_type t ON t.code = q.type_code
         WHERE q.uscc = e.uscc AND q.recorded_at <= ${knownAt} AND qe.to_status = 'revoked' AND qe.recorded_at <= ${knownAt}) x), '[]') AS revs,
       coalesce((SELECT json_agg(x ORDER BY x.case_no) FROM (
         SELECT c.id, c.case_no, ${caseStateSql('c', asOf, knownAt)} AS state,
                ${caseSeveritySql('c', asOf, knownAt)} AS severity,
                (SELECT iso_utc(se.occurred_at) FROM supervision_event se WHERE se.case_id = c.id AND se.seq = 1 AND se.recorded_at <= ${knownAt}) AS opened_at,
                coalesce((SELECT json_agg(iso_utc(se.occurred_at) ORDER BY se.occurred_at) FROM supervision_event se
                          WHERE se.case_id = c.id AND se.type = 'interview_held' AND se.recorded_at <= ${knownAt}), '[]') AS interviews
         FROM supervision_case c WHERE c.uscc = e.uscc) x), '[]') AS cases
     FROM enterprise e WHERE e.uscc = ${uscc}`
}

function factsOfRow(e: FactsRow, asOf: Date, knownAt: Date): { facts: Facts; name: string } {
  const v = e.v
  const date = (s: string) => new Date(s)
  return {
    name: v?.name ?? e.current_name,
    facts: {
      asOf,
      knownAt,
      enterprise: v
        ? { uscc: e.uscc, name: v.name, countyCode: v.county_code, stage: v.cultivation_stage, businessStatus: v.business_status, industryCode: v.industry_code, lists: v.cultivation_lists, version: v.version }
        : null,
      qualifications: e.quals.map((q) => ({
        id: q.id, type: q.type_code, typeName: q.type_name, listing: q.counts_as_listing, standard: q.is_standard, certificateNo: q.certificate_no, batch: q.batch,
        grantedAt: date(q.granted_at), validFrom: date(q.valid_from), validUntil: q.valid_until === null ? null : date(q.valid_until), renewsId: q.renews_id,
        status: q.status, annulled: q.annulled,
      })),
      revocations: e.revs.map((r) => ({ qualificationId: r.qualification_id, seq: r.seq, type: r.type_code, typeName: r.type_name, effectiveAt: date(r.effective_at), authority: r.authority, documentNo: r.document_no })),
      cases: e.cases.map((c) => ({ id: c.id, caseNo: c.case_no, state: c.state, severity: c.severity, openedAt: c.opened_at === null ? null : date(c.opened_at), interviews: c.interviews.map(date) })),
    },
  }
}

export async function factsOf(db: Queryable, uscc: string, asOf: Date, knownAt: Date): Promise<{ facts: Facts; name: string } | null> {
  const [e] = await db.query<FactsRow>(factsSelect('$1', '$2::timestamptz', '$3::timestamptz'), [uscc, asOf, knownAt], 'incentive_facts')
  return e ? factsOfRow(e, asOf, knownAt) : null
}

interface ScopeRuleSetColumns {
  p_code: string | null
  p_name: string
  p_level: 'city' | 'county'
  p_county_code: string | null
  p_valid_from: Date | null
  p_valid_until: Date | null
  rs_version: number | null
  rs_rules: RuleNode
  rs_effective_from: Date
  rs_recorded_at: Date
}

/**
 * One enterprise's explanation reads in one statement: the program's scope, its rule set (the one in
 * force at (asOf, knownAt), or the version asked for) and the enterprise's facts (factsOf).
 * `program` null: no such program; `facts` null: the enterprise is not in the registry.
 */
export async function explanationInputs(db: Queryable, code: string, uscc: string, asOf: Date, knownAt: Date, version: number | undefined): Promise<{
  program: ProgramScope | null
  ruleSet: RuleSetRef | null
  found: { facts: Facts; name: string } | null
}> {
  const ruleSet = version === undefined
    ? inForceSql('version, rules, effective_from, recorded_at', '$4', '$2', '$3')
    : 'SELECT version, rules, effective_from, recorded_at FROM incentive_rule_set WHERE program_code = $4 AND version = $5::int'
  const [row] = await db.query<ScopeRuleSetColumns & { [K in keyof FactsRow]: FactsRow[K] | null }>(
    `SELECT p.code AS p_code, p.name AS p_name, p.level::text AS p_level, p.county_code::text AS p_county_code, p.valid_from AS p_valid_from, p.valid_until AS p_valid_until,
            rs.version AS rs_version, rs.rules AS rs_rules, rs.effective_from AS rs_effective_from, rs.recorded_at AS rs_recorded_at, f.*
     FROM (VALUES (true)) AS request(present) -- not (x): factsSelect's bare x (a row alias) would name that column
     LEFT JOIN incentive_program p ON p.code = $4
     LEFT JOIN LATERAL (${ruleSet}) rs ON true
     LEFT JOIN LATERAL (${factsSelect('$1', '$2::timestamptz', '$3::timestamptz')}) f ON true`,
    version === undefined ? [uscc, asOf, knownAt, code] : [uscc, asOf, knownAt, code, version],
    version === undefined ? 'incentive_explanation_inputs' : 'incentive_explanation_inputs_version',
  )
  const r = row!
  return {
    program: r.p_code === null ? null : { code: r.p_code, name: r.p_name, level: r.p_level, countyCode: r.p_county_code, validFrom: r.p_valid_from, validUntil: r.p_valid_until },
    ruleSet: r.rs_version === null ? null : { version: r.rs_version, effectiveFrom: r.rs_effective_from, recordedAt: r.rs_recorded_at, rules: r.rs_rules },
    found: r.uscc === null ? null : factsOfRow(r as FactsRow, asOf, knownAt),
  }
}

/**
 * A program's list reads in one statement: the program, its rule set in force at (asOf, knownAt)
 * and the qualification types that count as a listing (for compileSet's candidates). Null: no such program.
 */
export async function programForSet(db: Queryable, code: string, asOf: Date, knownAt: Date): Promise<{ program: ProgramRow; ruleSet: RuleSetRef | null; listingTypes: string[] } | null> {
  const [row] = await db.query<ProgramRow & Omit<ScopeRuleSetColumns, `p_${string}`> & { listing_types: string[] }>(
    `SELECT ${PROGRAM_COLUMNS}, rs.version AS rs_version, rs.rules AS rs_rules, rs.effective_from AS rs_effective_from, rs.recorded_at AS rs_recorded_at,
            ${LISTING_TYPES_SQL} AS listing_types
     FROM incentive_program p
     LEFT JOIN LATERAL (${inForceSql('version, rules, effective_from, recorded_at', 'p.code', '$2', '$3')}) rs ON true
     WHERE p.code = $1`,
    [code, asOf, knownAt],
    'incentive_program_for_set',
  )
  if (!row) return null
  const { rs_version, rs_rules, rs_effective_from, rs_recorded_at, listing_types, ...program } = row
  return {
    program,
    ruleSet: rs_version === null ? null : { version: rs_version, effectiveFrom: rs_effective_from, recordedAt: rs_recorded_at, rules: rs_rules },
    listingTypes: listing_types,
  }
}

/**
 * A program with every rule set recorded so far and the listing types, in one snapshot: what a list
 * request needs, kept between requests and trusted only through compileSet's guard.
 */
export async function programWithRuleSets(db: Queryable, code: string): Promise<{ program: ProgramRow; ruleSets: RuleSetRef[]; listingTypes: string[] } | null> {
  const [row] = await db.query<ProgramRow & { rule_sets: { version: number; rules: RuleNode; effective_from: string; recorded_at: string }[]; listing_types: string[] }>(
    `SELECT ${PROGRAM_COLUMNS},
            coalesce((SELECT json_agg(json_build_object('version', r.version, 'rules', r.rules, 'effective_from', iso_utc(r.effective_from), 'recorded_at', iso_utc(r.recorded_at))
                               ORDER BY r.version) FROM incentive_rule_set r WHERE r.program_code = p.code), '[]') AS rule_sets,
            ${LISTING_TYPES_SQL} AS listing_types
     FROM incentive_program p WHERE p.code = $1`,
    [code],
    'incentive_program_with_rule_sets',
  )
  if (!row) return null
  const { rule_sets, listing_types, ...program } = row
  return {
    program,
    ruleSets: rule_sets.map((r) => ({ version: r.version, rules: r.rules, effectiveFrom: new Date(r.effective_from), recordedAt: new Date(r.recorded_at) })),
    listingTypes: listing_types,
  }
}

/** The rule set in force at (asOf, knownAt) among a program's rule sets (ruleSetInForce's rule). */
export function inForce(ruleSets: RuleSetRef[], asOf: Date, knownAt: Date): RuleSetRef | null {
  let found: RuleSetRef | null = null
  for (const r of ruleSets) if (r.effectiveFrom <= asOf && r.recordedAt <= knownAt && (!found || r.version > found.version)) found = r
  return found
}

/** One statement: the program's answer for every enterprise (recorded by knownAt) the query selects. */
export async function evaluateSet(db: Queryable, program: ProgramScope, rs: RuleSetRef | null, q: SetQuery): Promise<SetRow[]> {
  const { text, values } = compileSet(program, rs, q)
  // Named by its text: planned once per connection, as the same program's list is read again and again.
  return db.query<SetRow>(text, values, `incentive_set_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`)
}
