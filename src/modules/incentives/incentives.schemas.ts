// Request and response schemas of the incentives domain (design §4): programs, rule sets,
// explanations and eligible lists. Each declared once.
import { Type, type Static } from 'typebox'
import { component } from '../../lib/components.ts'
import { ExportQueryFields } from '../../lib/export.ts'
import { AsOfFields, Cursor, Instant, InstantOut, Limit, NextCursor, Nullable, literalUnion, withDefaults } from '../../lib/schemas.ts'
import { PREDICATE_KINDS } from './predicates.ts'

const PROGRAM = 'OVERSEAS_TRADEMARK_SUPPORT'
const KINDS = ['subsidy', 'policy_support', 'nomination_support', 'facilitation', 'financing', 'opportunity'] as const
const Kind = literalUnion([...KINDS], '`subsidy` 奖补, `policy_support` 政策扶持, `nomination_support` 参评支持, `facilitation` 便利措施, `financing` 融资/社会资本, `opportunity` 组织参展等')
const Level = literalUnion(['city', 'county'], '实施层级: the city, or one county (countyCode)')
const Frequency = literalUnion(['once', 'yearly', 'rolling', 'per_application'], '实施频次')
const CountyCode = Type.String({ pattern: '^\\d{6}$', examples: ['371425'] })
const DepartmentCode = Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,63}$', examples: ['FINANCE'] })
const ProgramCode = Type.String({ pattern: '^[A-Z][A-Z0-9_]{2,63}$', description: 'Program code', examples: [PROGRAM] })

export const ProgramCodeParams = Type.Object({ code: Type.String({ maxLength: 64, description: 'Program code', examples: [PROGRAM] }) })
export const ProgramUsccParams = Type.Object({
  code: Type.String({ maxLength: 64, description: 'Program code', examples: [PROGRAM] }),
  uscc: Type.String({ maxLength: 64, description: '统一社会信用代码 (lower case is accepted)', examples: ['91371402MA3C4D5E6F'] }),
})
export const RuleSetParams = Type.Object({
  code: Type.String({ maxLength: 64, description: 'Program code', examples: [PROGRAM] }),
  version: Type.Integer({ minimum: 1, maximum: 1000000, description: 'Rule set version', examples: [1] }),
})

const Amount = Type.Object({
  currency: Type.Literal('CNY'),
  fixed: Type.Optional(Type.Number({ minimum: 0, maximum: 1e10 })),
  max: Type.Optional(Type.Number({ minimum: 0, maximum: 1e10, examples: [100000] })),
  ratePercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  note: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false })

const Benefit = Type.Object({
  summary: Type.String({ minLength: 1, maxLength: 2000, description: '激励内容', examples: ['对“好品山东”市场主体境外的商标注册、广告、展览等项目,给予相关政策扶持。'] }),
  amount: Type.Optional(Amount),
}, { additionalProperties: false })

const Basis = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 500, description: '政策依据', examples: ['德州市人民政府关于共建共享“好品山东”推动高质量发展的实施意见'] }),
  documentNo: Type.Optional(Type.String({ maxLength: 100 })),
  issuer: Type.Optional(Type.String({ maxLength: 200, examples: ['德州市人民政府'] })),
  issuedAt: Type.Optional(Type.String({ maxLength: 40, examples: ['2021-09-01T16:00:00.000Z'] })),
  task: Type.Optional(Type.String({ maxLength: 40, examples: ['二(六)'] })),
}, { additionalProperties: false })

export const RuleTree = component('IncentiveRuleTree', Type.Object({}, {
  additionalProperties: true,
  description:
    'A condition tree: `{"allOf": [...]}`, `{"anyOf": [...]}`, `{"not": node}`, `{"atLeast": n, "of": [...]}` or a condition ' +
    `\`{"kind": …, "params": {…}, "label"?: "显示名称"}\`; every node may have an \`id\`. Kinds: ${PREDICATE_KINDS.join(', ')}. ` +
    'Depth ≤ 6, ≤ 100 nodes, ids unique. Checked with pointers into the tree.',
  examples: [{ allOf: [{ id: 'listed', kind: 'listed', params: {} }, { id: 'operating', kind: 'businessStatusIn', params: { statuses: ['operating'] } }, { id: 'clean3y', kind: 'noRevocationWithin', params: { months: 36 } }] }],
}))

export const RuleSet = component('IncentiveRuleSet', Type.Object({
  programCode: Type.String({ examples: [PROGRAM] }),
  version: Type.Integer({ minimum: 1, examples: [1] }),
  rules: RuleTree,
  effectiveFrom: InstantOut('When this version takes effect'),
  recordedAt: InstantOut('When the registry recorded it'),
  changeNote: Nullable(Type.String({ examples: ['实施意见所列条件'] })),
  recordedBy: Type.String({ description: 'Token subject that recorded it', examples: ['migration'] }),
}, { description: 'A version of a program\'s conditions (append-only)' }))
export type RuleSetDto = Static<typeof RuleSet>

export const RuleSetList = component('IncentiveRuleSetList', Type.Object({ items: Type.Array(RuleSet) }))

const SponsorDepartment = Type.Object({
  code: Type.String({ examples: ['FINANCE'] }),
  name: Type.String({ examples: ['市财政局'] }),
  lead: Type.Boolean({ description: '牵头部门: the first one' }),
})

export const Program = component('IncentiveProgram', Type.Object({
  code: Type.String({ examples: [PROGRAM] }),
  name: Type.String({ examples: ['境外商标注册扶持'] }),
  kind: Kind,
  benefit: Benefit,
  basis: Basis,
  level: Level,
  countyCode: Nullable(CountyCode),
  frequency: Nullable(Frequency),
  sponsorDepartments: Type.Array(SponsorDepartment, { description: 'Sponsoring departments, lead first' }),
  sponsorName: Nullable(Type.String({ description: 'A county body that sponsors a county program', examples: ['齐河县市场监督管理局'] })),
  deliveredBy: Nullable(Type.String({ description: 'The department that delivers the support, when not the lead', examples: ['DEZHOU_CUSTOMS'] })),
  validFrom: Nullable(InstantOut('Start of the program period (null: open)')),
  validUntil: Nullable(InstantOut('End of the program period, exclusive (null: open-ended)')),
  version: Type.Integer({ description: 'Changes with every edit and every new rule set; part of the ETag' }),
  createdAt: InstantOut(),
  updatedAt: InstantOut(),
  ruleSet: Nullable(RuleSet),
}, { description: 'An incentive program (激励措施) with the rule set in force at asOf as known at knownAt' }))
export type ProgramDto = Static<typeof Program>

export const ProgramPage = component('IncentiveProgramPage', Type.Object({ items: Type.Array(Program), nextCursor: NextCursor }))

export const ProgramListQuery = withDefaults(Type.Object({
  kind: Type.Optional(Kind),
  level: Type.Optional(Level),
  countyCode: Type.Optional(CountyCode),
  department: Type.Optional(DepartmentCode),
  activeAt: Type.Optional(Instant('Only programs whose period contains this moment')),
  limit: Limit(),
  cursor: Cursor,
}))

export const ProgramQuery = Type.Object(AsOfFields)

export const CreateProgram = component('IncentiveProgramCreate', Type.Object({
  code: ProgramCode,
  name: Type.String({ minLength: 1, maxLength: 200, examples: ['齐河县品牌奖补'] }),
  kind: Kind,
  benefit: Benefit,
  basis: Basis,
  level: Level,
  countyCode: Type.Optional(CountyCode),
  frequency: Type.Optional(Frequency),
  sponsorDepartments: Type.Optional(Type.Array(DepartmentCode, { minItems: 1, maxItems: 20, uniqueItems: true, description: 'Lead first; required for city programs' })),
  sponsorName: Type.Optional(Type.String({ minLength: 1, maxLength: 200, examples: ['齐河县市场监督管理局'] })),
  deliveredBy: Type.Optional(DepartmentCode),
  validFrom: Type.Optional(Instant('Start of the program period', '2025-01-01T00:00:00+08:00')),
  validUntil: Type.Optional(Instant('End of the program period (exclusive)', '2026-01-01T00:00:00+08:00')),
  rules: RuleTree,
  rulesEffectiveFrom: Type.Optional(Instant('When rule set 1 takes effect (default: validFrom, else now)', '2025-01-01T00:00:00+08:00')),
  changeNote: Type.Optional(Type.String({ maxLength: 2000 })),
}, {
  additionalProperties: false,
  examples: [{
    code: 'QIHE_BRAND_SUBSIDY_2025', name: '齐河县品牌奖补', kind: 'subsidy', level: 'county', countyCode: '371425', sponsorName: '齐河县市场监督管理局',
    benefit: { summary: '新获“好品山东”或“泰山品质”认证的给予一次性奖励', amount: { currency: 'CNY', max: 100000 } },
    basis: { title: '齐河县品牌奖补政策措施', task: '二(六)' },
    validFrom: '2025-01-01T00:00:00+08:00', validUntil: '2026-01-01T00:00:00+08:00',
    rules: { allOf: [
      { id: 'newBrand', kind: 'grantedWithin', params: { types: ['HAOPIN_SHANDONG_BRAND', 'TAISHAN_QUALITY_CERT'], withinMonths: 12 } },
      { id: 'clean3y', kind: 'noRevocationWithin', params: { months: 36 } },
      { id: 'operating', kind: 'businessStatusIn', params: { statuses: ['operating'] } },
    ] },
  }],
}))
export type CreateProgramInput = Static<typeof CreateProgram>

export const PatchProgram = component('IncentiveProgramPatch', Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  kind: Type.Optional(Kind),
  benefit: Type.Optional(Benefit),
  basis: Type.Optional(Basis),
  frequency: Type.Optional(Nullable(Frequency)),
  sponsorDepartments: Type.Optional(Nullable(Type.Array(DepartmentCode, { minItems: 1, maxItems: 20, uniqueItems: true }))),
  sponsorName: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
  deliveredBy: Type.Optional(Nullable(DepartmentCode)),
  validFrom: Type.Optional(Nullable(Instant('Start of the program period'))),
  validUntil: Type.Optional(Nullable(Instant('End of the program period (exclusive)'))),
}, { additionalProperties: false, description: 'JSON Merge Patch of a program\'s metadata (not code, level, countyCode; rules change by a new rule set)', examples: [{ benefit: { summary: '对“好品山东”市场主体境外商标注册给予相关政策扶持', amount: { currency: 'CNY', max: 50000 } } }] }))
export type PatchProgramInput = Static<typeof PatchProgram>

export const AddRuleSet = component('IncentiveRuleSetCreate', Type.Object({
  rules: RuleTree,
  effectiveFrom: Instant('When the new version takes effect; not before the last version\'s', '2026-01-01T00:00:00+08:00'),
  changeNote: Type.Optional(Type.String({ maxLength: 2000, examples: ['增加近三年无撤销记录的条件'] })),
}, {
  additionalProperties: false,
  examples: [{
    rules: { allOf: [{ id: 'listed', kind: 'listed' }, { id: 'clean3y', kind: 'noRevocationWithin', params: { months: 36 } }] },
    effectiveFrom: '2026-01-01T00:00:00+08:00',
    changeNote: '增加近三年无撤销记录的条件',
  }],
}))
export type AddRuleSetInput = Static<typeof AddRuleSet>

export const RuleSetListQuery = Type.Object({ knownAt: AsOfFields.knownAt })

const Result = literalUnion(['met', 'not_met', 'unknown'], 'Three-valued: unknown fails closed')
const Condition = Type.Object({
  id: Type.String({ examples: ['listed'] }),
  result: Result,
  summary: Type.Optional(Type.String({ examples: ['持有有效的“好品山东”品牌（2024-06-01 授予）'] })),
  op: Type.Optional(Type.String({ examples: ['allOf'] })),
  kind: Type.Optional(Type.String({ examples: ['listed'] })),
  code: Type.Optional(Type.String({ examples: ['LISTING_ACTIVE'] })),
}, { additionalProperties: true, description: 'An implicit condition (program.period, program.county, program.rules), a composite (op, children) or a leaf (kind, params, code, summary, facts, evidence)' })

export const Explanation = component('EligibilityExplanation', Type.Object({
  program: Type.Object({ code: Type.String({ examples: [PROGRAM] }), name: Type.String({ examples: ['境外商标注册扶持'] }) }),
  ruleSet: Nullable(Type.Object({ version: Type.Integer(), effectiveFrom: InstantOut(), recordedAt: InstantOut() })),
  enterprise: Type.Object({ uscc: Type.String({ examples: ['91371402MA3C4D5E6F'] }), name: Type.String({ examples: ['德州市华源生态科技有限公司'] }), countyCode: Nullable(Type.String({ examples: ['371402'] })) }),
  asOf: InstantOut(),
  knownAt: InstantOut(),
  eligible: Type.Boolean(),
  result: Result,
  failedConditions: Type.Array(Type.String(), { description: 'Ids of the conditions not met' }),
  unknownConditions: Type.Array(Type.String(), { description: 'Ids of the conditions that could not be decided' }),
  conditions: Type.Array(Condition),
}, { description: 'Why an enterprise is (not) eligible for a program at asOf, as known at knownAt: every condition evaluated' }))

export const EligibilityQuery = Type.Object({
  ...AsOfFields,
  ruleSetVersion: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000000, description: 'Evaluate this rule set version instead of the one in force' })),
})

export const EnterpriseEligibilityQuery = Type.Object({
  ...AsOfFields,
  explain: Type.Optional(Type.Boolean({ description: 'Include every program\'s full explanation' })),
})

export const EnterpriseEligibility = component('EnterpriseEligibility', Type.Object({
  uscc: Type.String({ examples: ['91371402MA3C4D5E6F'] }),
  asOf: InstantOut(),
  knownAt: InstantOut(),
  items: Type.Array(Type.Object({
    program: Type.Object({ code: Type.String({ examples: [PROGRAM] }), name: Type.String({ examples: ['境外商标注册扶持'] }) }),
    eligible: Type.Boolean(),
    result: Result,
    failedConditions: Type.Array(Type.String()),
    unknownConditions: Type.Array(Type.String()),
    explanation: Type.Optional(Explanation),
  })),
}, { description: 'Every program whose period contains asOf (county programs of the enterprise\'s county), with the answer' }))

export const ProgramEligibilityQuery = withDefaults(Type.Object({
  ...AsOfFields,
  result: Type.Optional(literalUnion(['eligible', 'not_eligible', 'unknown', 'all'], 'Which enterprises (default eligible)')),
  countyCode: Type.Optional(CountyCode),
  limit: Limit(),
  cursor: Cursor,
  ...ExportQueryFields,
}))
export type ProgramEligibilityQueryInput = Static<typeof ProgramEligibilityQuery>

export const EligibilityItem = Type.Object({
  uscc: Type.String({ examples: ['91371402MA3C4D5E6F'] }),
  name: Type.String({ examples: ['德州市华源生态科技有限公司'] }),
  countyCode: Type.String({ examples: ['371402'] }),
  result: literalUnion(['eligible', 'not_eligible', 'unknown']),
  failedConditions: Type.Array(Type.String(), { examples: [['listed']] }),
  unknownConditions: Type.Array(Type.String()),
})

export const EligibilityPage = component('ProgramEligibilityPage', Type.Object({
  program: Type.Object({ code: Type.String({ examples: [PROGRAM] }), name: Type.String({ examples: ['境外商标注册扶持'] }) }),
  ruleSetVersion: Nullable(Type.Integer()),
  asOf: InstantOut(),
  knownAt: InstantOut(),
  items: Type.Array(EligibilityItem),
  nextCursor: NextCursor,
}))

export const PreviewBody = component('EligibilityPreview', Type.Object({
  rules: RuleTree,
  uscc: Type.String({ maxLength: 64, examples: ['91371402MA3C4D5E6F'] }),
  asOf: Type.Optional(Instant('Evaluate for this moment (default now)')),
  knownAt: Type.Optional(Instant('With what was recorded by then (default now)')),
}, { additionalProperties: false, examples: [{ rules: { allOf: [{ kind: 'listed' }, { kind: 'noOpenCase', params: { minSeverity: 'serious' } }] }, uscc: '91371402MA3C4D5E6F', asOf: '2025-07-15' }] }))
export type PreviewInput = Static<typeof PreviewBody>
