// Request and response schemas of the targets domain (design §5): plans, targets with their
// versioned definitions, progress, contributors and measurements. Each declared once.
import { Type, type Static } from 'typebox'
import { AsOfFields, Instant, Nullable, literalUnion } from '../../lib/schemas.ts'
import { component } from '../../lib/components.ts'
import { MetricSchema } from './metrics/index.ts'
import { EXCLUSION_REASONS } from './metrics/types.ts'
import { ExportQueryFields } from '../../lib/export.ts'

const PLAN_EXAMPLE = 'DEZHOU_HAOPIN_2025'
const DateTime = (description: string, example = '2021-09-01T16:00:00.000Z') => Type.String({ format: 'date-time', description, examples: [example] })

export const PlanCodeParams = Type.Object({ code: Type.String({ maxLength: 64, description: 'Plan code', examples: [PLAN_EXAMPLE] }) })
export const TargetCodeParams = Type.Object({ code: Type.String({ maxLength: 64, description: 'Target code', examples: ['HIGH_TECH_ENTERPRISES'] }) })

export const Department = Type.Object({
  code: Type.String({ examples: ['SCIENCE_TECH'] }),
  name: Type.String({ examples: ['市科技局'] }),
  lead: Type.Boolean({ description: '牵头部门: the first unit the seed names' }),
})

const Unit = literalUnion(['enterprise', 'certificate', 'standard', 'percent'], 'What is counted: 家 (enterprises), 张 (certificates), 项 (standards), or a percentage')
const Comparator = literalUnion(['at_least', 'approximately', 'indicator'], '`at_least` (以上), `approximately` (左右, within `tolerancePercent` below), `indicator` (no number: 形成一批)')

export const Alternative = Type.Object({
  reading: Type.String({ minLength: 1, maxLength: 64, description: 'Name of the other reading', examples: ['newlyGranted'] }),
  metric: MetricSchema,
})

export const Definition = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  label: Type.String({ examples: ['高新技术企业'] }),
  unit: Unit,
  comparator: Comparator,
  value: Nullable(Type.Number({ examples: [500] })),
  tolerancePercent: Nullable(Type.Number({ examples: [5] })),
  metric: MetricSchema,
  alternatives: Type.Array(Alternative, { description: 'Other readings of an ambiguous clause, computed alongside (design §8 A1)' }),
  responsibleDepartments: Type.Array(Department, { description: '责任单位, lead first: the definition\'s own list, else its task\'s' }),
  responsibleFrom: literalUnion(['task', 'target'], 'Whether the list is the task\'s or the target\'s own'),
  effectiveFrom: DateTime('When this version takes effect'),
  recordedAt: DateTime('When the registry recorded it', '2026-11-30T02:00:00.000Z'),
  changeNote: Nullable(Type.String()),
  recordedBy: Type.String({ description: 'Token subject that recorded it' }),
})

export type DefinitionDto = Static<typeof Definition>

export const Target = component('Target', Type.Object(
  {
    code: Type.String({ examples: ['HIGH_TECH_ENTERPRISES'] }),
    planCode: Type.String({ examples: [PLAN_EXAMPLE] }),
    section: Type.String({ description: 'Where the seed states it: a task (二(三)) or the overall goal (一)', examples: ['二(三)'] }),
    taskNo: Nullable(Type.String({ examples: ['二(三)'] })),
    quote: Type.String({ description: 'The seed\'s words, exactly', examples: ['培育高新技术企业500家左右'] }),
    version: Type.Integer({ description: 'Number of definition versions; part of the ETag' }),
    definition: Definition,
    history: Type.Optional(Type.Array(Definition, { description: 'Every definition recorded by knownAt, oldest first' })),
    asOf: DateTime('The moment the definition is in force for'),
    knownAt: DateTime('What the registry had recorded by then'),
  },
  {
    examples: [{
      code: 'HIGH_TECH_ENTERPRISES', planCode: PLAN_EXAMPLE, section: '二(三)', taskNo: '二(三)', quote: '培育高新技术企业500家左右', version: 1,
      definition: {
        version: 1, label: '高新技术企业', unit: 'enterprise', comparator: 'approximately', value: 500, tolerancePercent: 5,
        metric: { kind: 'activeAt', types: ['HIGH_TECH_ENTERPRISE'], countBy: 'enterprise' }, alternatives: [],
        responsibleDepartments: [{ code: 'SCIENCE_TECH', name: '市科技局', lead: true }, { code: 'TRADE_UNION', name: '市总工会', lead: false }],
        responsibleFrom: 'task', effectiveFrom: '2021-09-01T16:00:00.000Z', recordedAt: '2026-11-30T02:00:00.000Z', changeNote: null,
        recordedBy: 'migration:20261130007000_targets',
      },
      asOf: '2025-12-31T16:00:00.000Z', knownAt: '2026-01-10T00:00:00.000Z',
    }],
  },
))
export type TargetDto = Static<typeof Target>

const PLAN_DOC_EXAMPLE = {
  code: PLAN_EXAMPLE, title: '德州市人民政府关于共建共享“好品山东”推动高质量发展的实施意见', issuer: '德州市人民政府', issuedAt: '2021-09-01T16:00:00.000Z',
  basis: { title: '省政府关于共建共享“好品山东”推动高质量发展若干措施的通知', documentNo: '鲁政字〔2021〕25号' },
  periodStart: '2021-09-01T16:00:00.000Z', periodEnd: '2025-12-31T16:00:00.000Z',
}

export const Task = Type.Object({
  taskNo: Type.String({ examples: ['二(三)'] }),
  title: Type.String({ examples: ['加大科技研发力度,完善技术创新体系'] }),
  departments: Type.Array(Department),
})

export const Plan = component('TargetPlan', Type.Object(
  {
    code: Type.String({ examples: [PLAN_EXAMPLE] }),
    title: Type.String({ examples: ['德州市人民政府关于共建共享“好品山东”推动高质量发展的实施意见'] }),
    issuer: Type.String({ examples: ['德州市人民政府'] }),
    issuedAt: DateTime('Date of issue'),
    basis: Type.Object({ title: Nullable(Type.String()), documentNo: Nullable(Type.String({ examples: ['鲁政字〔2021〕25号'] })) }),
    periodStart: DateTime('Start of the period (inclusive)'),
    periodEnd: DateTime('End of the period (exclusive): 到2025年 is through 2025-12-31', '2025-12-31T16:00:00.000Z'),
    tasks: Type.Optional(Type.Array(Task)),
    targets: Type.Optional(Type.Array(Target)),
  },
  { examples: [PLAN_DOC_EXAMPLE] },
))
export type PlanDto = Static<typeof Plan>
export const PlanList = component('TargetPlanList', Type.Object({ items: Type.Array(Plan) }, { examples: [{ items: [PLAN_DOC_EXAMPLE] }] }))
export const PlanQuery = Type.Object(AsOfFields)

const Status = literalUnion(['met', 'not_met', 'no_data', 'indicator'], '`met`/`not_met` against the target; `no_data`: a reported figure with no measurement yet; `indicator`: no number to meet')

export const CountyFigure = Type.Object({
  countyCode: Type.String({ examples: ['371403'] }),
  countyName: Type.String({ examples: ['陵城区'] }),
  actual: Nullable(Type.Number({ examples: [42] })),
  mergedFrom: Type.Optional(Type.Array(Type.Object({ countyCode: Type.String({ examples: ['371421'] }), countyName: Type.String({ examples: ['陵县'] }), actual: Type.Number() }), {
    description: 'Retired codes recorded on enterprises, counted here (陵县 → 陵城区)',
  })),
})

const MEASUREMENT_EXAMPLE = {
  id: '6a1f0c3e-2b4d-4e5f-8a9b-0c1d2e3f4a5b', targetCode: 'PRODUCER_SERVICE_SATISFACTION', countyCode: null,
  periodFrom: '2023-12-31T16:00:00.000Z', periodTo: '2024-12-31T16:00:00.000Z', value: 86.4, source: '德州市质量发展研究中心顾客满意度测评',
  method: '抽样调查，样本量3000', documentNo: '德质发〔2025〕3号', supersedes: null, supersededBy: null, recordedAt: '2025-02-10T03:00:00.000Z',
  recordedBy: 'city-market-regulation',
}

export const Measurement = component('TargetMeasurement', Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    targetCode: Type.String({ examples: ['PRODUCER_SERVICE_SATISFACTION'] }),
    countyCode: Nullable(Type.String({ examples: ['371402'] })),
    periodFrom: DateTime('Start of the period measured'),
    periodTo: DateTime('End of the period measured (exclusive)', '2024-12-31T16:00:00.000Z'),
    value: Type.Number({ examples: [86.4] }),
    source: Type.String({ examples: ['德州市质量发展研究中心顾客满意度测评'] }),
    method: Nullable(Type.String()),
    documentNo: Nullable(Type.String()),
    supersedes: Nullable(Type.String({ format: 'uuid', description: 'The measurement this one corrects' })),
    supersededBy: Nullable(Type.String({ format: 'uuid', description: 'The correction of this one, as known at knownAt' })),
    recordedAt: DateTime('When the registry recorded it', '2025-02-10T03:00:00.000Z'),
    recordedBy: Type.String(),
  },
  { examples: [MEASUREMENT_EXAMPLE] },
))
export type MeasurementDto = Static<typeof Measurement>

const Figure = {
  actual: Nullable(Type.Number({ description: 'The figure at asOf (null: no measurement)' })),
  status: Status,
  expectedByNow: Nullable(Type.Number({ description: 'Where a straight line from the period start to the target stands at asOf (activeAt: from what was held at the start)' })),
  onTrack: Nullable(Type.Boolean({ description: 'actual meets expectedByNow under the comparator' })),
}

export const ProgressItem = Type.Object({
  code: Type.String({ examples: ['CHAMPION_AND_BENCHMARK_NEW'] }),
  section: Type.String({ examples: ['二(一)'] }),
  label: Type.String(),
  quote: Type.String(),
  comparator: Comparator,
  target: Nullable(Type.Number({ description: 'The number to reach (null for an indicator)' })),
  tolerancePercent: Nullable(Type.Number()),
  unit: Unit,
  ...Figure,
  baseline: Type.Optional(Nullable(Type.Number({ description: 'activeAt: the figure at the period start (same knownAt)' }))),
  breakdown: Type.Optional(Type.Object({
    byType: Type.Record(Type.String(), Type.Number(), { description: 'Counted, by the type of the qualification that counted' }),
    excludedByStatus: Type.Record(Type.String(), Type.Number(), { description: 'newlyGranted: grants in the window left out for their status at asOf (revoked by default)' }),
  })),
  alternatives: Type.Optional(Type.Array(Type.Object({ reading: Type.String(), metric: MetricSchema, ...Figure }))),
  series: Type.Optional(Type.Array(Measurement, { description: 'reported: every measurement in force at asOf, oldest period first' })),
  metric: MetricSchema,
  definitionVersion: Type.Integer(),
  responsibleDepartments: Type.Array(Department),
  contributors: Nullable(Type.String({ description: 'Where to see what was counted (computed metrics)', examples: ['/v1/targets/CHAMPION_AND_BENCHMARK_NEW/contributors?asOf=2024-12-31T16:00:00.000Z'] })),
  counties: Type.Optional(Type.Array(CountyFigure)),
  cityTotal: Type.Optional(Nullable(Type.Number({ description: 'With by=county: the city figure (for counts, the sum over counties)' }))),
})
export type ProgressItemDto = Static<typeof ProgressItem>

export const Progress = component('TargetProgress', Type.Object(
  {
    plan: Type.Object({ code: Type.String(), title: Type.String(), periodStart: DateTime('Period start'), periodEnd: DateTime('Period end (exclusive)') }),
    asOf: DateTime('The moment the figures are for'),
    knownAt: DateTime('What the registry had recorded by then'),
    countyCode: Nullable(Type.String()),
    by: Nullable(Type.Literal('county')),
    periodState: literalUnion(['before', 'running', 'ended']),
    elapsed: Type.Number({ description: 'Share of the period elapsed at asOf, 0 to 1' }),
    items: Type.Array(ProgressItem),
  },
  {
    examples: [{
      plan: { code: PLAN_EXAMPLE, title: '德州市人民政府关于共建共享“好品山东”推动高质量发展的实施意见', periodStart: '2021-09-01T16:00:00.000Z', periodEnd: '2025-12-31T16:00:00.000Z' },
      asOf: '2024-12-31T16:00:00.000Z', knownAt: '2025-01-10T00:00:00.000Z', countyCode: null, by: null, periodState: 'running', elapsed: 0.77,
      items: [{
        code: 'CHAMPION_AND_BENCHMARK_NEW', section: '二(一)', label: '制造业单项冠军、质量标杆企业新增', quote: '山东省制造业单项冠军企业、质量标杆企业新增10家以上',
        comparator: 'at_least', target: 10, tolerancePercent: null, unit: 'enterprise', actual: 7, status: 'not_met', expectedByNow: 7.7, onTrack: false,
        breakdown: { byType: { MANUFACTURING_SINGLE_CHAMPION: 4, QUALITY_BENCHMARK: 3 }, excludedByStatus: { revoked: 1 } },
        metric: { kind: 'newlyGranted', types: ['MANUFACTURING_SINGLE_CHAMPION', 'QUALITY_BENCHMARK'], countBy: 'enterprise' }, definitionVersion: 1,
        responsibleDepartments: [{ code: 'MARKET_REGULATION', name: '市市场监管局', lead: true }, { code: 'DEVELOPMENT_REFORM', name: '市发展改革委', lead: false }],
        contributors: '/v1/targets/CHAMPION_AND_BENCHMARK_NEW/contributors?asOf=2024-12-31T16%3A00%3A00.000Z&knownAt=2025-01-10T00%3A00%3A00.000Z',
      }],
    }],
  },
))
export type ProgressDto = Static<typeof Progress>

export const ProgressQuery = Type.Object({
  ...AsOfFields,
  countyCode: Type.Optional(Type.String({ pattern: '^\\d{6}$', description: 'Figures of one county (county at asOf; a retired code counts in its successor)', examples: ['371403'] })),
  by: Type.Optional(Type.Literal('county', { description: 'Add the figure of every county (not with countyCode)' })),
  target: Type.Optional(Type.String({ maxLength: 1000, description: 'Comma list of target codes (default: all)', examples: ['HIGH_TECH_ENTERPRISES,STANDARDS'] })),
  format: Type.Optional(literalUnion(['json', 'csv'], '`csv`: one row per target (per target and county with by=county), UTF-8 with BOM (also `Accept: text/csv`)')),
  header: ExportQueryFields.header,
  timeZone: ExportQueryFields.timeZone,
})
export type ProgressQueryInput = Static<typeof ProgressQuery>

export const TargetQuery = Type.Object(AsOfFields)

export const Contributor = Type.Object({
  qualificationId: Type.String({ format: 'uuid' }),
  uscc: Type.String({ examples: ['91350100M000100Y43'] }),
  enterpriseName: Type.String({ examples: ['德州市华源生态科技有限公司'] }),
  countyCode: Type.String({ description: 'County at asOf (a retired code as its successor)', examples: ['371402'] }),
  countyName: Type.String({ examples: ['德城区'] }),
  type: Type.String({ examples: ['MANUFACTURING_SINGLE_CHAMPION'] }),
  typeName: Type.String({ examples: ['山东省制造业单项冠军企业'] }),
  certificateNo: Nullable(Type.String()),
  grantedAt: DateTime('Grant time'),
  statusAtAsOf: Type.String({ examples: ['active'] }),
  counted: Type.Boolean(),
  excludedBecause: Nullable(literalUnion([...EXCLUSION_REASONS], 'Why it does not count (null when it counts)')),
})
export type ContributorDto = Static<typeof Contributor>

export const ContributorPage = component('TargetContributorPage', Type.Object(
  {
    target: Type.String(),
    reading: Type.String({ description: '`primary`, or the alternative reading listed' }),
    asOf: DateTime('The moment'),
    knownAt: DateTime('As recorded by'),
    items: Type.Array(Contributor),
    nextCursor: Nullable(Type.String()),
  },
  {
    examples: [{
      target: 'CHAMPION_AND_BENCHMARK_NEW', reading: 'primary', asOf: '2024-12-31T16:00:00.000Z', knownAt: '2025-01-10T00:00:00.000Z',
      items: [{ qualificationId: '0f6c2d7e-5a8b-4c1d-9e2f-3a4b5c6d7e8f', uscc: '91350100M000100Y43', enterpriseName: '德州市华源生态科技有限公司', countyCode: '371402', countyName: '德城区',
        type: 'MANUFACTURING_SINGLE_CHAMPION', typeName: '山东省制造业单项冠军企业', certificateNo: null, grantedAt: '2023-06-30T16:00:00.000Z', statusAtAsOf: 'active', counted: true, excludedBecause: null }],
      nextCursor: null,
    }],
  },
))

export const ContributorQuery = Type.Object({
  ...AsOfFields,
  countyCode: Type.Optional(Type.String({ pattern: '^\\d{6}$', examples: ['371402'] })),
  includeExcluded: Type.Optional(Type.Boolean({ description: 'Also list what was left out, with the reason (default false)' })),
  reading: Type.Optional(Type.String({ maxLength: 64, description: '`primary` (default) or the name of an alternative reading', examples: ['newlyGranted'] })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  ...ExportQueryFields,
})
export type ContributorQueryInput = Static<typeof ContributorQuery>

const DepartmentCode = Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,63}$', examples: ['MARKET_REGULATION'] })

export const PatchTarget = component('TargetPatch', Type.Object(
  {
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    unit: Type.Optional(Unit),
    comparator: Type.Optional(Comparator),
    value: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1e9 }))),
    tolerancePercent: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 100 }))),
    metric: Type.Optional(Type.Object({ kind: Type.String({ maxLength: 64 }) }, { additionalProperties: true, description: 'A metric (replaced whole; checked by kind: activeAt, newlyGranted, reported)' })),
    alternatives: Type.Optional(Nullable(Type.Array(Type.Object({ reading: Type.String({ minLength: 1, maxLength: 64 }), metric: Type.Object({ kind: Type.String({ maxLength: 64 }) }, { additionalProperties: true }) }, { additionalProperties: false }), { maxItems: 5 }))),
    responsibleDepartments: Type.Optional(Nullable(Type.Array(DepartmentCode, { minItems: 1, maxItems: 20, uniqueItems: true, description: 'Lead first; null: the task\'s list' }))),
    effectiveFrom: Type.Optional(Instant('When the new version takes effect (default: now); not before the last version\'s', '2025-01-01T00:00:00+08:00')),
    changeNote: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  {
    additionalProperties: false,
    description: 'JSON Merge Patch (RFC 7396) of the definition: absent fields stay, null removes; `metric`, `alternatives` and `responsibleDepartments` are replaced whole. Records a new definition version.',
    examples: [{ tolerancePercent: 10, effectiveFrom: '2025-01-01T00:00:00+08:00', changeNote: '市质量强市办公室确认“左右”按10%掌握' }],
  },
))
export type PatchTargetInput = Static<typeof PatchTarget>

export const RecordMeasurement = component('TargetMeasurementRecord', Type.Object(
  {
    periodFrom: Instant('Start of the period measured', '2024-01-01T00:00:00+08:00'),
    periodTo: Instant('End of the period measured (exclusive); not in the future', '2025-01-01T00:00:00+08:00'),
    value: Type.Number({ minimum: 0, maximum: 1e9, description: 'The figure (a percentage 0–100 for percent targets)' }),
    source: Type.String({ minLength: 1, maxLength: 500, description: 'Who measured it' }),
    method: Type.Optional(Type.String({ maxLength: 2000 })),
    documentNo: Type.Optional(Type.String({ maxLength: 200 })),
    countyCode: Type.Optional(Type.String({ pattern: '^\\d{6}$', description: 'The county measured; absent: city-wide' })),
    supersedes: Type.Optional(Type.String({ format: 'uuid', description: 'The measurement this corrects (same target and area)' })),
  },
  {
    additionalProperties: false,
    examples: [{ periodFrom: '2024-01-01T00:00:00+08:00', periodTo: '2025-01-01T00:00:00+08:00', value: 86.4, source: '德州市质量发展研究中心顾客满意度测评', method: '抽样调查，样本量3000', documentNo: '德质发〔2025〕3号' }],
  },
))
export type RecordMeasurementInput = Static<typeof RecordMeasurement>

export const MeasurementList = component('TargetMeasurementList', Type.Object(
  { targetCode: Type.String(), knownAt: DateTime('As recorded by'), items: Type.Array(Measurement) },
  { examples: [{ targetCode: 'PRODUCER_SERVICE_SATISFACTION', knownAt: '2025-03-01T00:00:00.000Z', items: [MEASUREMENT_EXAMPLE] }] },
))
export const MeasurementQuery = Type.Object({
  knownAt: AsOfFields.knownAt,
  countyCode: Type.Optional(Type.String({ pattern: '^\\d{6}$' })),
})

export const ProgressPageQuery = Type.Object(
  {
    asOf: Type.Optional(Instant('Figures for this moment (default: now)', '2025-01-01T00:00:00+08:00')),
    countyCode: Type.Optional(Type.String({ pattern: '^\\d{6}$', description: 'One county\'s figures', examples: ['371402'] })),
  },
)
export const ProgressCsv = Type.String({ description: 'UTF-8 CSV with a BOM: a header row, then one row per target (and per target and county with by=county)' })
export const ProgressPage = Type.String({ description: 'A page in Chinese: each target as a bar against its goal with the expected-by-now mark, the county breakdown and links to what was counted' })
