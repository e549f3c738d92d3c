// Evaluation that explains everything (design §4.5): every node is evaluated (no short-circuit),
// three-valued, and the program's implicit conditions (its period, its county, a rule set in force)
// come first. Pure: the facts are read by the repository; same inputs give the same bytes.
import { day, decide, type Facts } from './predicates.ts'
import { allOf, anyOf, atLeast, childrenOf, isLeaf, not, type Result, type RuleNode } from './rules.ts'

export interface ProgramScope {
  code: string
  name: string
  level: 'city' | 'county'
  countyCode: string | null
  validFrom: Date | null
  validUntil: Date | null
}

export interface RuleSetRef {
  version: number
  effectiveFrom: Date
  recordedAt: Date
  rules: RuleNode
}

export type ExplainedNode =
  | { id: string; op: 'allOf' | 'anyOf' | 'not'; result: Result; children: ExplainedNode[] }
  | { id: string; op: 'atLeast'; atLeast: number; result: Result; children: ExplainedNode[] }
  | { id: string; kind: string; label?: string; params: unknown; result: Result; code: string; summary: string; facts: Record<string, unknown>; evidence: { kind: string; id: string }[] }

export interface ImplicitCondition {
  id: 'program.period' | 'program.county' | 'program.rules'
  result: Result
  summary: string
}

/** Evaluates every node of a tree on one enterprise's facts. */
export function explainNode(n: RuleNode, f: Facts, supervisionDetails: boolean): ExplainedNode {
  if (isLeaf(n)) {
    const o = decide(n, f, supervisionDetails)
    return { id: n.id, kind: n.kind, ...(n.label !== undefined ? { label: n.label } : {}), params: n.params, result: o.result, code: o.code, summary: o.summary, facts: o.facts, evidence: o.evidence }
  }
  const children = childrenOf(n).map((c) => explainNode(c, f, supervisionDetails))
  const rs = children.map((c) => c.result)
  if ('allOf' in n) return { id: n.id, op: 'allOf', result: allOf(rs), children }
  if ('anyOf' in n) return { id: n.id, op: 'anyOf', result: anyOf(rs), children }
  if ('not' in n) return { id: n.id, op: 'not', result: not(rs[0]!), children }
  return { id: n.id, op: 'atLeast', atLeast: n.atLeast, result: atLeast(n.atLeast, rs), children }
}

/** Whether asOf lies in the program's period [validFrom, validUntil). */
export function inPeriod(p: ProgramScope, asOf: Date): boolean {
  return (p.validFrom === null || p.validFrom <= asOf) && (p.validUntil === null || asOf < p.validUntil)
}

export function implicitConditions(p: ProgramScope, ruleSet: RuleSetRef | null, f: Facts): ImplicitCondition[] {
  const out: ImplicitCondition[] = []
  const period = `${p.validFrom ? `${day(p.validFrom)} 起` : '不限起始'}，${p.validUntil ? `${day(p.validUntil)} 止（不含）` : '无截止'}`
  out.push(inPeriod(p, f.asOf)
    ? { id: 'program.period', result: 'met', summary: `${day(f.asOf)} 在项目期内（${period}）` }
    : { id: 'program.period', result: 'not_met', summary: `${day(f.asOf)} 不在项目期内（${period}）` })
  if (p.level === 'county') {
    const county = f.enterprise?.countyCode ?? null
    out.push(county === null
      ? { id: 'program.county', result: 'unknown', summary: '截至 knownAt 尚无该企业的登记记录，所在县不明' }
      : county === p.countyCode
        ? { id: 'program.county', result: 'met', summary: `${day(f.asOf)} 企业在本县（${county}）` }
        : { id: 'program.county', result: 'not_met', summary: `${day(f.asOf)} 企业所在县为 ${county}，本项目仅限 ${p.countyCode}` })
  }
  out.push(ruleSet
    ? { id: 'program.rules', result: 'met', summary: `适用规则第 ${ruleSet.version} 版（${day(ruleSet.effectiveFrom)} 起施行）` }
    : { id: 'program.rules', result: 'unknown', summary: `${day(f.asOf)} 尚无施行中的规则（按 knownAt 所知），无法判定` })
  return out
}

/** The ids of the leaves (and implicit conditions) with a given result, in document order. */
export function conditionsWith(implicit: ImplicitCondition[], root: ExplainedNode | null, result: Result): string[] {
  const ids = implicit.filter((c) => c.result === result).map((c) => c.id as string)
  const walk = (n: ExplainedNode) => {
    if ('children' in n) n.children.forEach(walk)
    else if (n.result === result) ids.push(n.id)
  }
  if (root) walk(root)
  return ids
}

export interface Evaluation {
  result: Result
  eligible: boolean
  conditions: (ImplicitCondition | ExplainedNode)[]
  failedConditions: string[]
  unknownConditions: string[]
}

/** The whole evaluation of a program for one enterprise. */
export function evaluateProgram(p: ProgramScope, ruleSet: RuleSetRef | null, f: Facts, supervisionDetails: boolean): Evaluation {
  const implicit = implicitConditions(p, ruleSet, f)
  const root = ruleSet ? explainNode(ruleSet.rules, f, supervisionDetails) : null
  const result = allOf([...implicit.map((c) => c.result), ...(root ? [root.result] : [])])
  return {
    result,
    eligible: result === 'met',
    conditions: [...implicit, ...(root ? [root] : [])],
    failedConditions: conditionsWith(implicit, root, 'not_met'),
    unknownConditions: conditionsWith(implicit, root, 'unknown'),
  }
}
