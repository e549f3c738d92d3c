// Set evaluation (design §4.6): the program's tree compiled to ONE SQL statement over every
// enterprise recorded by knownAt, with its version at asOf. Each leaf is a three-valued column
// (TRUE / FALSE / NULL = unknown); composites use SQL's own AND / OR / NOT, which are Kleene's;
// atLeast counts. The answer per enterprise equals evaluateProgram's (property test).
import { enterpriseVersionAt } from '../enterprises/enterprise-version.sql.ts'
import { statusAt } from '../qualifications/status.sql.ts'
import { type ProgramScope, type RuleSetRef, inPeriod } from './evaluate.ts'
import { SqlParams, leafSql, type SqlCtx } from './predicates.ts'
import { childrenOf, isLeaf, leavesOf, type RuleNode } from './rules.ts'

export interface SetQuery {
  asOf: Date
  knownAt: Date
  /** Only enterprises whose county at asOf is this one. */
  countyCode?: string | undefined
  result: 'eligible' | 'not_eligible' | 'unknown' | 'all'
  /** Keyset: enterprises after this USCC. */
  after?: string | undefined
  /** null: every row (export). */
  limit: number | null
  /**
   * The qualification types that count as a listing, read with the program. When the rules need a
   * listing and there is exactly one such type, `result=eligible` reads its holders in USCC order
   * from an index (qualification_type_holders_validity_idx, with their validity) instead of every enterprise.
   */
  listingTypes?: string[] | undefined
  /**
   * Answer only while the program is still at this version (every edit and every new rule set moves
   * it) and the listing types are still these: no rows otherwise. For a program and rule set read
   * earlier (kept between requests), checked in the statement's own snapshot.
   */
  guard?: { programCode: string; programVersion: number; listingTypes: string[] } | undefined
}

/** The qualification types that count as a listing, in code order (an SQL array): what `listingTypes` and the guard hold. */
export const LISTING_TYPES_SQL = 'ARRAY(SELECT lt.code FROM qualification_type lt WHERE lt.counts_as_listing ORDER BY lt.code)'

/**
 * A row of the answer: the enterprise and its answer as the list and the export send it
 * (EligibilityItem, as JSON text). Nothing else is selected: every other column would be decoded
 * by the driver for each row of every page and then thrown away.
 */
export interface SetRow {
  uscc: string
  item: string
}

/** EligibilityItem of a row, built where the row is (compact JSON, keys in the schema's order). */
const ITEM_SQL = `(SELECT to_json(i)::text FROM (SELECT e.uscc::text AS uscc, ev.name, ev.county_code::text AS "countyCode",
      CASE R.result WHEN 'met' THEN 'eligible' WHEN 'not_met' THEN 'not_eligible' ELSE 'unknown' END AS result,
      R.failed AS "failedConditions", R.unknown AS "unknownConditions") i)`

function nodeSql(n: RuleNode, col: Map<string, string>): string {
  if (isLeaf(n)) return col.get(n.id)!
  const cs = childrenOf(n).map((c) => nodeSql(c, col))
  if ('allOf' in n) return `(${cs.join(' AND ')})`
  if ('anyOf' in n) return `(${cs.join(' OR ')})`
  if ('not' in n) return `(NOT ${cs[0]})`
  const met = cs.map((c) => `((${c}) IS TRUE)::int`).join(' + ')
  const unknown = cs.map((c) => `((${c}) IS NULL)::int`).join(' + ')
  return `(CASE WHEN (${met}) >= ${n.atLeast} THEN TRUE WHEN (${met}) + (${unknown}) < ${n.atLeast} THEN FALSE ELSE NULL END)`
}

/**
 * Cheap conditions every eligible enterprise meets, so that the others are passed over before their
 * conditions are evaluated: a listing (or a qualification of the types) recorded by knownAt is
 * needed for `listed` (`hasActiveQualification`) to be met, and a child of the top allOf must be met.
 * Only the speed of `result=eligible` depends on them, never an answer.
 */
function necessaryForMet(root: RuleNode, p: SqlParams, knownAt: string): string[] {
  const children = isLeaf(root) ? [root] : 'allOf' in root ? root.allOf : []
  const out: string[] = []
  for (const c of children) {
    if (!isLeaf(c)) continue
    if (c.kind === 'listed') {
      out.push(`EXISTS (SELECT 1 FROM qualification nq WHERE nq.uscc = e.uscc AND nq.type_code = ANY (ARRAY(SELECT lt.code FROM qualification_type lt WHERE lt.counts_as_listing)) AND nq.recorded_at <= ${knownAt})`)
    } else if (c.kind === 'hasActiveQualification') {
      out.push(`EXISTS (SELECT 1 FROM qualification nq WHERE nq.uscc = e.uscc AND nq.type_code = ANY (${p.add(c.params.types, '::text[]')}) AND nq.recorded_at <= ${knownAt})`)
    }
  }
  return out
}

/**
 * The one qualification type whose holders (recorded by knownAt) include every enterprise that can
 * be eligible, when the top of the tree needs one: a `listed` leaf with a single listing type, or a
 * `hasActiveQualification` of a single type. Null otherwise.
 */
function drivingType(root: RuleNode, listingTypes: string[] | undefined): string | null {
  const children = isLeaf(root) ? [root] : 'allOf' in root ? root.allOf : []
  for (const c of children) {
    if (!isLeaf(c)) continue
    if (c.kind === 'listed' && listingTypes?.length === 1) return listingTypes[0]!
    if (c.kind === 'hasActiveQualification' && c.params.types.length === 1) return c.params.types[0]!
  }
  return null
}

const RESULT_OF = { eligible: 'met', not_eligible: 'not_met', unknown: 'unknown' } as const

/** The statement and its parameters. */
export function compileSet(program: ProgramScope, ruleSet: RuleSetRef | null, q: SetQuery): { text: string; values: unknown[] } {
  const p = new SqlParams()
  const asOf = p.add(q.asOf, '::timestamptz')
  const knownAt = p.add(q.knownAt, '::timestamptz')
  const ctx: SqlCtx = { p, e: 'e', ev: 'ev', asOf: q.asOf, asOfSql: asOf, knownAtSql: knownAt, statusAt: (a, at) => statusAt(a, at, knownAt) }
  const leaves = ruleSet ? leavesOf(ruleSet.rules) : []
  const col = new Map<string, string>()
  const leafCols = leaves.map((l, i) => {
    col.set(l.id, `L.l${i}`)
    return `${leafSql(l, ctx)} AS l${i}`
  })
  const implicit: [string, string][] = [['program.period', inPeriod(program, q.asOf) ? 'TRUE' : 'FALSE']]
  if (program.level === 'county') implicit.push(['program.county', `(ev.county_code::text = ${p.add(program.countyCode, '::text')})`])
  implicit.push(['program.rules', ruleSet ? 'TRUE' : 'NULL::boolean'])
  const root = ruleSet ? nodeSql(ruleSet.rules, col) : null
  const all = `(${[...implicit.map(([, s]) => s), ...(root ? [root] : [])].join(' AND ')})`
  const list = (test: 'FALSE' | 'NULL') => {
    const items = [...implicit.map(([id, s]) => [id, s] as const), ...leaves.map((l, i) => [l.id, `L.l${i}`] as const)]
      .map(([id, s]) => `CASE WHEN (${s}) IS ${test} THEN ${p.add(id, '::text')} END`)
    return `array_remove(ARRAY[${items.join(', ')}]::text[], NULL)`
  }
  const where: string[] = []
  // result=eligible: the holders of a type every eligible enterprise holds, in USCC order from the
  // index, stand for the enterprises (each qualification's enterprise exists: foreign key), so the
  // first page evaluates about one page of candidates. Only the speed depends on it, never an answer.
  const driver = q.result === 'eligible' && ruleSet ? drivingType(ruleSet.rules, q.listingTypes) : null
  // Only holders whose qualification of that type is dated to be valid at asOf: statusAt is never
  // 'active' outside [valid_from, valid_until), so the others (granted later, expired) cannot be
  // met and are passed over before their version and conditions are read.
  const from = driver
    ? `(SELECT DISTINCT nq.uscc FROM qualification nq WHERE nq.type_code = ${p.add(driver, '::text')} AND nq.recorded_at <= ${knownAt}
        AND nq.valid_from <= ${asOf} AND (nq.valid_until IS NULL OR nq.valid_until > ${asOf})
        ${q.after ? `AND nq.uscc > ${p.add(q.after, '::text')}` : ''}) e`
    : 'enterprise e'
  if (program.level === 'county') where.push(`ev.county_code::text = ${p.add(program.countyCode, '::text')}`)
  if (q.countyCode) where.push(`ev.county_code::text = ${p.add(q.countyCode, '::text')}`)
  if (q.guard) {
    where.push(`(SELECT gp.version FROM incentive_program gp WHERE gp.code = ${p.add(q.guard.programCode, '::text')}) = ${p.add(q.guard.programVersion, '::int')}`)
    where.push(`${LISTING_TYPES_SQL} = ${p.add(q.guard.listingTypes, '::text[]')}`)
  }
  if (q.after && !driver) where.push(`e.uscc > ${p.add(q.after, '::text')}`)
  if (q.result !== 'all') where.push(`R.result = ${p.add(RESULT_OF[q.result], '::text')}`)
  if (q.result === 'eligible' && ruleSet && !driver) where.push(...necessaryForMet(ruleSet.rules, p, knownAt))
  const text = `SELECT e.uscc::text AS uscc, ${ITEM_SQL} AS item
    FROM ${from} ${enterpriseVersionAt('e', asOf, knownAt)}
    CROSS JOIN LATERAL (SELECT ${leafCols.length ? leafCols.join(', ') : 'NULL AS none'} OFFSET 0) L
    CROSS JOIN LATERAL (SELECT CASE WHEN ${all} IS TRUE THEN 'met' WHEN ${all} IS FALSE THEN 'not_met' ELSE 'unknown' END AS result,
      ${list('FALSE')} AS failed, ${list('NULL')} AS unknown) R
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY e.uscc ${q.limit !== null ? `LIMIT ${p.add(q.limit, '::int')}` : ''}`
  return { text, values: p.values }
}
