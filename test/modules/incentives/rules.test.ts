// The pure rule code: every predicate (met / not met / unknown, codes, summaries, evidence), every
// composite with unknown propagation, the checks with pointers, ids, and byte-identical explanations.
import t from 'tap'
import { evaluateProgram, explainNode, type ProgramScope } from '../../../src/modules/incentives/evaluate.ts'
import { decide, monthsBefore, type Facts, type LeafNode, type QualificationFact } from '../../../src/modules/incentives/predicates.ts'
import { allOf, anyOf, atLeast, checkRules, not, type Result, type RuleNode } from '../../../src/modules/incentives/rules.ts'

const catalog = { types: new Set(['HAOPIN_SHANDONG_BRAND', 'TAISHAN_QUALITY_CERT', 'ENTERPRISE_STANDARD', 'GROUP_STANDARD', 'HIGH_TECH_ENTERPRISE']), counties: new Set(['371402', '371425']) }
const asOf = new Date('2025-07-15T00:00:00.000Z')
const D = (s: string) => new Date(s)

function q(over: Partial<QualificationFact> = {}): QualificationFact {
  return {
    id: over.id ?? '00000000-0000-4000-8000-000000000001', type: 'HAOPIN_SHANDONG_BRAND', typeName: '“好品山东”品牌', listing: true, standard: false,
    certificateNo: null, batch: null, grantedAt: D('2024-01-01T00:00:00Z'), validFrom: D('2024-01-01T00:00:00Z'), validUntil: null, renewsId: null,
    status: 'active', annulled: false, ...over,
  }
}

function facts(over: Partial<Facts> = {}): Facts {
  return {
    asOf, knownAt: asOf,
    enterprise: { uscc: '91371402MA3C4D5E6F', name: '德州市华源生态科技有限公司', countyCode: '371402', stage: 'cultivating', businessStatus: 'operating', industryCode: 'C1320', lists: [{ list: 'INDUSTRIAL_TOP50', year: 2024 }], version: 3 },
    qualifications: [], revocations: [], cases: [], ...over,
  }
}

const leaf = (kind: string, params: Record<string, unknown> = {}): LeafNode => {
  const checked = checkRules({ id: 'x', kind, params }, '/rules', catalog)
  if ('errors' in checked) throw new Error(JSON.stringify(checked.errors))
  return checked.rules as LeafNode
}
const res = (l: LeafNode, f: Facts, sup = true) => decide(l, f, sup)

t.test('composites are Kleene: every combination', async (t) => {
  const R: Result[] = ['met', 'not_met', 'unknown']
  for (const a of R) for (const b of R) {
    const ab = [a, b]
    t.equal(allOf(ab), ab.includes('not_met') ? 'not_met' : ab.includes('unknown') ? 'unknown' : 'met', `allOf ${a} ${b}`)
    t.equal(anyOf(ab), ab.includes('met') ? 'met' : ab.includes('unknown') ? 'unknown' : 'not_met', `anyOf ${a} ${b}`)
  }
  t.same(R.map(not), ['not_met', 'met', 'unknown'])
  t.equal(atLeast(2, ['met', 'met', 'not_met']), 'met')
  t.equal(atLeast(2, ['met', 'unknown', 'not_met']), 'unknown')
  t.equal(atLeast(2, ['met', 'not_met', 'not_met']), 'not_met')
  t.equal(atLeast(1, ['unknown', 'unknown']), 'unknown')
})

t.test('unknown propagates through the tree and fails closed; every node is evaluated', async (t) => {
  const checked = checkRules({ allOf: [{ kind: 'listed' }, { not: { kind: 'industryIn', params: { prefixes: ['C13'] } } }, { anyOf: [{ kind: 'cultivationStageIn', params: { stages: ['established'] } }, { kind: 'listed' }] }] }, '/rules', catalog)
  if ('errors' in checked) throw new Error('invalid')
  const f = facts({ enterprise: { ...facts().enterprise!, industryCode: null }, qualifications: [q()] })
  const node = explainNode(checked.rules, f, true) as any
  t.same([node.id, node.result], ['root', 'unknown'])
  t.same(node.children.map((c: any) => [c.id, c.result]), [['c1', 'met'], ['c2', 'unknown'], ['c4', 'met']])
  t.equal(node.children[1].children[0].result, 'unknown', 'not(unknown) is unknown')
  t.same(node.children[2].children.map((c: any) => c.result), ['not_met', 'met'], 'no short-circuit: both branches of anyOf')
  const program: ProgramScope = { code: 'P', name: '项目', level: 'city', countyCode: null, validFrom: null, validUntil: null }
  const ev = evaluateProgram(program, { version: 1, effectiveFrom: D('2021-01-01T00:00:00Z'), recordedAt: D('2021-01-01T00:00:00Z'), rules: checked.rules }, f, true)
  t.same([ev.eligible, ev.result, ev.unknownConditions, ev.failedConditions], [false, 'unknown', ['c3'], ['c5']])
  const none = evaluateProgram(program, null, f, true)
  t.same([none.eligible, none.unknownConditions], [false, ['program.rules']], 'no rule set in force: unknown')
})

t.test('listed', async (t) => {
  const l = leaf('listed')
  t.same([res(l, facts({ qualifications: [q()] })).result, res(l, facts({ qualifications: [q()] })).code], ['met', 'LISTING_ACTIVE'])
  t.same(res(l, facts()).code, 'LISTING_NONE')
  const revoked = facts({
    qualifications: [q({ status: 'revoked' })],
    revocations: [{ qualificationId: q().id, seq: 2, type: 'HAOPIN_SHANDONG_BRAND', typeName: '“好品山东”品牌', effectiveAt: D('2025-06-30T16:00:00Z'), authority: '山东省市场监督管理局', documentNo: '鲁市监质发〔2025〕12号' }],
  })
  const o = res(l, revoked)
  t.same([o.result, o.code], ['not_met', 'LISTING_NOT_ACTIVE'])
  t.match(o.summary, '自 2025-07-01 起已撤销（山东省市场监督管理局 鲁市监质发〔2025〕12号）')
  t.same(o.evidence.map((x) => x.kind), ['qualification', 'qualification_event'])
  t.equal(res(l, facts({ qualifications: [q({ type: 'TAISHAN_QUALITY_CERT', listing: false })] })).result, 'not_met', 'other types are not a listing')
})

t.test('hasActiveQualification: any / all / minCount', async (t) => {
  const two = [q({ id: 'a', type: 'TAISHAN_QUALITY_CERT', listing: false }), q({ id: 'b', type: 'HIGH_TECH_ENTERPRISE', listing: false, status: 'suspended' })]
  t.equal(res(leaf('hasActiveQualification', { types: ['TAISHAN_QUALITY_CERT', 'HIGH_TECH_ENTERPRISE'] }), facts({ qualifications: two })).result, 'met')
  t.equal(res(leaf('hasActiveQualification', { types: ['TAISHAN_QUALITY_CERT', 'HIGH_TECH_ENTERPRISE'], mode: 'all' }), facts({ qualifications: two })).result, 'not_met')
  t.equal(res(leaf('hasActiveQualification', { types: ['TAISHAN_QUALITY_CERT'], minCount: 2 }), facts({ qualifications: two })).code, 'ACTIVE_QUALIFICATIONS_MISSING')
})

t.test('grantedWithin: months, from/to, renewals, annulled', async (t) => {
  const recent = q({ id: 'r', grantedAt: D('2025-01-10T00:00:00Z') })
  const l = leaf('grantedWithin', { types: ['HAOPIN_SHANDONG_BRAND'], withinMonths: 12 })
  t.equal(res(l, facts({ qualifications: [recent] })).result, 'met')
  t.equal(res(l, facts({ qualifications: [q({ grantedAt: D('2024-07-14T00:00:00Z') })] })).result, 'not_met', 'just outside the window')
  t.equal(res(l, facts({ qualifications: [{ ...recent, annulled: true }] })).result, 'not_met', 'annulled grants never count')
  t.equal(res(l, facts({ qualifications: [{ ...recent, renewsId: 'old' }] })).result, 'not_met', 'renewals do not count by default')
  t.equal(res(leaf('grantedWithin', { types: ['HAOPIN_SHANDONG_BRAND'], withinMonths: 12, includeRenewals: true }), facts({ qualifications: [{ ...recent, renewsId: 'old' }] })).result, 'met')
  const range = leaf('grantedWithin', { types: ['HAOPIN_SHANDONG_BRAND'], from: '2025-01-01', to: '2025-02-01' })
  t.equal(res(range, facts({ qualifications: [recent] })).result, 'met')
  t.equal(res(range, facts({ qualifications: [q({ grantedAt: D('2025-02-01T00:00:00Z') })] })).result, 'not_met')
  t.equal(res(l, facts({ qualifications: [q({ grantedAt: D('2025-08-01T00:00:00Z') })] })).result, 'not_met', 'granted after asOf')
})

t.test('enterprise attributes at asOf: list, stage, county, business status, industry; unknown when not recorded', async (t) => {
  const f = facts()
  t.equal(res(leaf('onCultivationList', { list: 'INDUSTRIAL_TOP50' }), f).result, 'met')
  t.equal(res(leaf('onCultivationList', { list: 'INDUSTRIAL_TOP50', sinceYear: 2025 }), f).result, 'not_met')
  t.equal(res(leaf('onCultivationList', { list: 'INDUSTRIAL_TOP50', years: [2024] }), f).result, 'met')
  t.equal(res(leaf('onCultivationList', { list: 'INDUSTRIAL_TOP50' }), facts({ enterprise: { ...f.enterprise!, lists: [{ list: 'INDUSTRIAL_TOP50', year: 2026 }] } })).result, 'not_met', 'a later year\'s list does not count yet')
  t.equal(res(leaf('cultivationStageIn', { stages: ['cultivating'] }), f).result, 'met')
  t.equal(res(leaf('cultivationStageIn', { stages: ['established'] }), f).result, 'not_met')
  t.same(res(leaf('cultivationStageIn', { stages: ['established'] }), facts({ enterprise: { ...f.enterprise!, stage: null } })).result, 'unknown')
  t.equal(res(leaf('inCounties', { codes: ['371402'] }), f).code, 'COUNTY_MATCHES')
  t.equal(res(leaf('inCounties', { codes: ['371425'] }), f).result, 'not_met')
  t.equal(res(leaf('businessStatusIn'), f).summary, '经营状态：存续')
  t.equal(res(leaf('businessStatusIn'), facts({ enterprise: { ...f.enterprise!, businessStatus: 'abnormal' } })).result, 'not_met')
  t.equal(res(leaf('industryIn', { prefixes: ['C13'] }), f).result, 'met')
  t.equal(res(leaf('industryIn', { prefixes: ['C14'] }), f).result, 'not_met')
  t.equal(res(leaf('industryIn', { prefixes: ['C14'] }), facts({ enterprise: { ...f.enterprise!, industryCode: null } })).result, 'unknown')
  for (const kind of ['onCultivationList', 'cultivationStageIn', 'inCounties', 'businessStatusIn', 'industryIn'] as const) {
    const params = { onCultivationList: { list: 'X1' }, cultivationStageIn: { stages: ['planned'] }, inCounties: { codes: ['371402'] }, businessStatusIn: {}, industryIn: { prefixes: ['C'] } }[kind]
    t.equal(res(leaf(kind, params), facts({ enterprise: null })).result, 'unknown', `${kind} without a recorded enterprise`)
  }
})

t.test('noRevocationWithin and minStandards', async (t) => {
  const rev = { qualificationId: 'a', seq: 2, type: 'TAISHAN_QUALITY_CERT', typeName: '泰山品质认证', effectiveAt: D('2024-01-01T00:00:00Z'), authority: null, documentNo: null }
  t.equal(res(leaf('noRevocationWithin', { months: 36 }), facts({ revocations: [rev] })).code, 'REVOKED_WITHIN')
  t.equal(res(leaf('noRevocationWithin', { months: 12 }), facts({ revocations: [rev] })).result, 'met')
  t.equal(res(leaf('noRevocationWithin', { months: 36, types: ['HAOPIN_SHANDONG_BRAND'] }), facts({ revocations: [rev] })).result, 'met')
  t.equal(res(leaf('noRevocationWithin', { months: 36 }), facts({ revocations: [{ ...rev, effectiveAt: D('2025-08-01T00:00:00Z') }] })).result, 'met', 'after asOf does not count')
  const std = [q({ id: 's1', type: 'ENTERPRISE_STANDARD', standard: true, listing: false }), q({ id: 's2', type: 'GROUP_STANDARD', standard: true, listing: false, annulled: true }), q({ id: 's3', type: 'GROUP_STANDARD', standard: true, listing: false, status: 'withdrawn' })]
  t.equal(res(leaf('minStandards', { count: 2 }), facts({ qualifications: std })).result, 'met', 'withdrawn still counts, annulled never')
  t.equal(res(leaf('minStandards', { count: 3 }), facts({ qualifications: std })).code, 'STANDARDS_TOO_FEW')
  t.equal(res(leaf('minStandards', { count: 1, types: ['GROUP_STANDARD'] }), facts({ qualifications: std })).result, 'met')
  t.equal(res(leaf('minStandards', { count: 1, withinMonths: 6 }), facts({ qualifications: std })).result, 'not_met')
})

t.test('supervision predicates, with identifiers only for supervision:read', async (t) => {
  const c = { id: 'c0ffee00-0000-4000-8000-000000000001', caseNo: 'HPJG-371402-2025-0001', state: 'interviewed', severity: 'serious', openedAt: D('2025-02-01T00:00:00Z'), interviews: [D('2025-03-01T00:00:00Z')] }
  const f = facts({ cases: [c] })
  t.equal(res(leaf('noInterviewWithin', { months: 12 }), f).code, 'INTERVIEWED_WITHIN')
  t.equal(res(leaf('noInterviewWithin', { months: 3 }), f).result, 'met')
  t.equal(res(leaf('noOpenCase', { minSeverity: 'serious' }), f).result, 'not_met')
  t.equal(res(leaf('noOpenCase', { minSeverity: 'serious' }), facts({ cases: [{ ...c, severity: 'minor' }] })).result, 'met')
  t.equal(res(leaf('noOpenCase'), facts({ cases: [{ ...c, severity: 'minor' }] })).result, 'not_met')
  t.equal(res(leaf('noOpenCase'), facts({ cases: [{ ...c, state: 'closed' }] })).result, 'met')
  t.equal(res(leaf('noOpenCase'), facts({ cases: [{ ...c, state: null }] })).result, 'met', 'not opened by asOf')
  t.equal(res(leaf('noPendingRevocationReferral'), facts({ cases: [{ ...c, state: 'referred' }] })).code, 'REVOCATION_REFERRAL_PENDING')
  t.equal(res(leaf('noPendingRevocationReferral'), f).result, 'met')
  const hidden = res(leaf('noOpenCase'), f, false)
  t.notOk(JSON.stringify(hidden).includes(c.id) || JSON.stringify(hidden).includes(c.caseNo))
  t.equal(hidden.summary, '由监管记录决定（查看详情需 supervision:read）')
  t.ok(JSON.stringify(res(leaf('noOpenCase'), f, true)).includes(c.caseNo))
})

t.test('checks point into the tree', async (t) => {
  const errs = (rules: unknown) => {
    const c = checkRules(rules, '/rules', catalog)
    return 'errors' in c ? c.errors.map((e) => `${e.pointer}: ${e.message}`) : []
  }
  t.same(errs({ allOf: [{ kind: 'hasActiveQualification', params: { types: ['NOPE'] } }] }), ['/rules/allOf/0/params/types/0: unknown qualification type "NOPE" (see GET /v1/qualification-types)'])
  t.match(errs({ allOf: [{ kind: 'listed' }, { kind: 'listed' }, { kind: 'noFine' }] })[0], /^\/rules\/allOf\/2\/kind: unknown predicate "noFine"; allowed: listed, hasActiveQualification/)
  t.same(errs({ allOf: [{ kind: 'listed' }, { kind: 'grantedWithin', params: { types: ['HAOPIN_SHANDONG_BRAND'], withinMonths: 12, to: '2025-01-01' } }] }), ['/rules/allOf/1/params: give withinMonths or from/to, not both'])
  // Found by probing: these were stored as 0000-12-31T16:00:00.000Z and +010000-…, and "+010000" sorts before "2020" (to refused as not after from).
  const range = (params: Record<string, string>) => errs({ kind: 'grantedWithin', params: { types: ['HAOPIN_SHANDONG_BRAND'], ...params } })
  t.same(range({ from: '0001-01-01' }), ['/rules/params/from: must be a date-time with offset or a calendar date'], 'year 0 in UTC')
  t.same(range({ from: '2020-01-01', to: '9999-12-31T23:59:59-12:00' }), ['/rules/params/to: must be a date-time with offset or a calendar date'], 'year 10000 in UTC')
  t.same(range({ from: '0001-01-02', to: '9999-12-31' }), [], 'the first and last days are ranges')
  t.same(errs({ anyOf: [{ id: 'a', kind: 'listed' }, { id: 'a', kind: 'listed' }] }), ['/rules/anyOf/1/id: "a" is also the id of /rules/anyOf/0; ids must be unique'])
  t.same(errs({ atLeast: 3, of: [{ kind: 'listed' }] }), ['/rules/atLeast: asks for 3 of 1 conditions'])
  t.same(errs({ kind: 'inCounties', params: { codes: ['999999'] } }), ['/rules/params/codes/0: unknown county "999999" (see GET /v1/counties)'])
  t.same(errs({ kind: 'listed', params: { x: 1 } }), ['/rules/params/x: this predicate takes no parameters'])
  t.same(errs({ allOf: [], kind: 'listed' }), ['/rules: has allOf and kind; a node is one of kind, allOf, anyOf, not, atLeast'])
  let deep: unknown = { kind: 'listed' }
  for (let i = 0; i < 6; i++) deep = { not: deep }
  t.same(errs(deep), ['/rules/not/not/not/not/not/not: is nested deeper than 6 levels'])
  t.same(errs({ anyOf: Array.from({ length: 50 }, () => ({ allOf: [{ kind: 'listed' }, { kind: 'listed' }] })) }), ['/rules: has more than 100 nodes'])
  t.same(errs({ noOpen: 1 }), ['/rules: needs one of kind, allOf, anyOf, not, atLeast'])
})

t.test('same inputs, same bytes', async (t) => {
  const checked = checkRules({ allOf: [{ kind: 'listed' }, { kind: 'noOpenCase' }, { kind: 'minStandards', params: { count: 1 } }] }, '/rules', catalog) as { rules: RuleNode }
  const program: ProgramScope = { code: 'P', name: '项目', level: 'county', countyCode: '371402', validFrom: D('2021-09-01T16:00:00Z'), validUntil: null }
  const rs = { version: 1, effectiveFrom: D('2021-09-01T16:00:00Z'), recordedAt: D('2021-09-01T16:00:00Z'), rules: checked.rules }
  const a = JSON.stringify(evaluateProgram(program, rs, facts({ qualifications: [q()] }), false))
  const b = JSON.stringify(evaluateProgram(program, rs, facts({ qualifications: [q()] }), false))
  t.equal(a, b)
})

t.test('months before: calendar months, the day clamped', async (t) => {
  t.equal(monthsBefore(D('2025-03-31T10:00:00Z'), 1).toISOString(), '2025-02-28T10:00:00.000Z')
  t.equal(monthsBefore(D('2025-07-15T00:00:00Z'), 36).toISOString(), '2022-07-15T00:00:00.000Z')
})
