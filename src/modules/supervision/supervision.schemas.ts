import { Type, type Static, type TSchema } from 'typebox'
import { component } from '../../lib/components.ts'
import { AsOfFields, Cursor, Instant, InstantOut, Limit, literalUnion, NextCursor, Nullable, withDefaults } from '../../lib/schemas.ts'
import { ExportQueryFields } from '../../lib/export.ts'
import { AuthorityLevel, Document, EffectiveStatus } from '../qualifications/qualifications.schemas.ts'
import { CASE_EVENT_TYPES, CASE_OUTCOMES, CASE_STATES, LATER_EVENT_TYPES, SEVERITIES, type CaseEventType } from './case-lifecycle.ts'

export const CASE_SOURCES = ['inspection', 'complaint', 'report', 'self_report', 'transfer', 'public_opinion', 'other'] as const
export const CASE_TOPICS = ['quality_below_standard', 'technology_below_standard', 'mark_misuse', 'false_claim', 'other'] as const

export const CaseSource = component('CaseSource', literalUnion(CASE_SOURCES,
  'Where the case came from: inspection 监督抽查, complaint 投诉, report 举报, self_report 自查, transfer 转办, public_opinion 舆情, other 其他'))
export const CaseTopic = component('CaseTopic', literalUnion(CASE_TOPICS,
  'What the problem is: quality_below_standard 质量达不到标准, technology_below_standard 技术达不到标准, mark_misuse 形象标识违规使用, false_claim 虚假宣传, other 其他'))
export const CaseSeverity = component('CaseSeverity', literalUnion(SEVERITIES, 'minor 轻微问题 (约谈), serious 严重 (may be referred for revocation at once)'))
export const CaseState = component('CaseState', literalUnion(CASE_STATES,
  'open 已立案, interview_scheduled 已安排约谈, interviewed 已约谈, rectifying 整改中, rectification_submitted 已提交整改, ' +
  'rectification_rejected 整改未通过, rectified 整改完成, referred 已报省撤销, decided 省级已决定, closed 已结案'))
export const CaseEventTypeSchema = component('CaseEventType', literalUnion(CASE_EVENT_TYPES, 'Type of a supervision case event (监管事项)'))
export const CaseOutcome = component('CaseOutcome', literalUnion(CASE_OUTCOMES,
  'How a case was closed: unfounded 不成立, no_further_action 不再处理, rectified 整改完成, revoked 已撤销资格, retained 保留资格'))

const Uuid = Type.String({ format: 'uuid', examples: ['0c6b1d0e-8f9a-4e4b-9a51-2f0b7c3d1e25'] })
const Text = (max: number, description: string, example: string) => Type.String({ minLength: 1, maxLength: max, description, examples: [example] })
const Names = (description: string, example: string) => Type.Array(Text(100, description, example), { maxItems: 50 })
const DocumentNo = (description: string, example: string) => Text(100, description, example)
const Authority = component('CaseAuthority', Type.Object({
  name: Text(200, 'Name of the authority', '德州市市场监督管理局'),
  level: AuthorityLevel,
}, { additionalProperties: false, description: 'Who acted (机关及级别)' }))
const Referee = (description: string, example: string, levels?: readonly string[]) => Type.Object({
  authority: Text(200, 'The authority referred to', example),
  level: levels ? literalUnion(levels as string[]) : AuthorityLevel,
}, { additionalProperties: false, description })

export const OpenCase = component('SupervisionCaseOpening', Type.Object({
  uscc: Type.String({ maxLength: 64, description: 'The enterprise (统一社会信用代码); it must be registered', examples: ['91350100M000100Y43'] }),
  source: CaseSource,
  topic: CaseTopic,
  severity: CaseSeverity,
  title: Text(200, 'Title (案由)', '省级监督抽查不合格'),
  findings: Text(4000, 'What was found (发现的问题)', '2025年省级产品质量监督抽查中，该企业生产的有机小米（批号20250301）重金属镉含量不合格'),
  occurredAt: Type.Optional(Instant('When the case was opened (立案时间; default now); not in the future')),
  problemOccurredAt: Type.Optional(Instant('When the underlying problem happened (问题发生时间); becomes occurredAt of a resulting revocation', '2025-03-10')),
  qualificationIds: Type.Optional(Type.Array(Uuid, { maxItems: 50, description: 'The enterprise\'s qualifications the case concerns' })),
  leadDepartmentCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Lead department (牵头部门; default MARKET_REGULATION)', examples: ['MARKET_REGULATION'] })),
  externalRef: Type.Optional(Text(100, 'Your own case number (本单位案件编号); unique', '德市监好品〔2025〕7号')),
  relatedCaseId: Type.Optional(Type.String({ format: 'uuid', description: 'An earlier case this one follows' })),
  documentNo: Type.Optional(DocumentNo('文号 of the opening document (立案审批表)', '德市监立〔2025〕15号')),
  documents: Type.Optional(Type.Array(Document, { maxItems: 50 })),
  note: Type.Optional(Text(2000, 'Note (备注)', '由省局转办')),
}, {
  additionalProperties: false,
  description: 'A supervision case to open (立案): the enterprise, where the case came from and what was found',
  examples: [{
    uscc: '91350100M000100Y43', source: 'inspection', topic: 'quality_below_standard', severity: 'serious', title: '省级监督抽查不合格',
    findings: '2025年省级产品质量监督抽查中，该企业生产的有机小米（批号20250301）重金属镉含量不合格', occurredAt: '2025-03-12T09:00:00+08:00',
    problemOccurredAt: '2025-03-10', qualificationIds: ['0c6b1d0e-8f9a-4e4b-9a51-2f0b7c3d1e25'], externalRef: '德市监好品〔2025〕7号',
  }],
}))
export type OpenCaseInput = Static<typeof OpenCase>

// ---- event bodies, one variant per type ----

const common = {
  occurredAt: Instant('When it happened (发生时间); not in the future, not before the case\'s last event', '2025-04-02T10:00:00+08:00'),
  authority: Type.Optional(Authority),
  documents: Type.Optional(Type.Array(Document, { maxItems: 50 })),
  note: Type.Optional(Text(2000, 'Note (备注)', '企业法定代表人到场')),
}
const optionalDocumentNo = { documentNo: Type.Optional(DocumentNo('文号 of the notice or letter', '德市监约〔2025〕3号')) }

const PAYLOADS: Record<Exclude<CaseEventType, 'opened'>, { description: string; payload: Record<string, TSchema>; documentNo?: TSchema; example: Record<string, unknown> }> = {
  interview_scheduled: {
    description: 'An interview (约谈) is scheduled, or rescheduled',
    payload: {
      scheduledFor: Instant('When the interview takes place', '2025-04-08T09:30:00+08:00'),
      place: Text(200, 'Where', '德州市市场监督管理局三楼会议室'),
      interviewers: Names('Interviewer (name and role)', '张明（质量发展科科长）'),
      noticeDocumentNo: Type.Optional(DocumentNo('文号 of the 约谈通知书', '德市监约〔2025〕3号')),
    },
    example: { scheduledFor: '2025-04-08T09:30:00+08:00', place: '德州市市场监督管理局三楼会议室', interviewers: ['张明（质量发展科科长）'] },
  },
  interview_cancelled: { description: 'The scheduled interview is cancelled', payload: { reason: Text(2000, 'Why', '企业申请延期，另行安排') }, example: { reason: '企业申请延期，另行安排' } },
  interview_held: {
    description: 'The interview (约谈) was held; with rectificationRequired the case is rectifying until the deadline',
    payload: {
      attendees: Type.Object({ officials: Names('Official present', '张明'), enterprise: Names('Enterprise representative present', '李华（总经理）') }, { additionalProperties: false }),
      findings: Text(4000, 'What the interview established', '企业承认原料把关不严'),
      rectificationRequired: Type.Boolean({ description: 'Whether rectification (整改) is required' }),
      requirements: Type.Optional(Text(4000, 'What must be rectified', '更换原料供应商，建立重金属批批检验制度')),
      deadline: Type.Optional(Instant('Rectification deadline (整改期限); required with rectificationRequired, after occurredAt', '2025-05-01')),
    },
    example: { attendees: { officials: ['张明'], enterprise: ['李华（总经理）'] }, findings: '企业承认原料把关不严', rectificationRequired: true, requirements: '建立重金属批批检验制度', deadline: '2025-05-01' },
  },
  rectification_submitted: { description: 'The enterprise submitted its rectification report (整改报告)', payload: { summary: Text(4000, 'What was done', '已更换原料供应商，建立批批检验制度') }, example: { summary: '已更换原料供应商，建立批批检验制度' } },
  rectification_accepted: { description: 'The rectification is accepted (整改验收通过)', payload: { assessment: Text(4000, 'Assessment', '复查抽检合格') }, example: { assessment: '复查抽检合格' } },
  rectification_rejected: {
    description: 'The rectification is rejected; with newDeadline the enterprise rectifies again',
    payload: { assessment: Text(4000, 'Assessment', '复查抽检仍不合格'), newDeadline: Type.Optional(Instant('A new deadline, after occurredAt', '2025-06-01')) },
    example: { assessment: '复查抽检仍不合格' },
  },
  deadline_extended: {
    description: 'The rectification deadline is extended (延长整改期限)',
    payload: { deadline: Instant('The new deadline, after the current one', '2025-05-15'), reason: Text(2000, 'Why', '检测机构排期') },
    example: { deadline: '2025-05-15', reason: '检测机构排期' },
  },
  severity_changed: { description: 'The severity is reassessed', payload: { to: CaseSeverity, reason: Text(2000, 'Why', '复查发现问题涉及多个批次') }, example: { to: 'serious', reason: '复查发现问题涉及多个批次' } },
  referral_proposed: { description: 'A county proposes that the city refer the case to the province (建议报请撤销)', payload: { grounds: Text(4000, 'Grounds', '整改逾期未完成') }, example: { grounds: '整改逾期未完成' } },
  revocation_referred: {
    description: 'The city refers the named qualifications to the province for revocation (报省撤销); city-level tokens only; documentNo (the referral letter) is required',
    payload: {
      to: Type.Optional(Referee('The authority referred to (default 山东省市场监督管理局, province)', '山东省市场监督管理局', ['province', 'national'])),
      grounds: Text(4000, 'Grounds (撤销理由)', '省级监督抽查不合格，整改不到位'),
      qualificationIds: Type.Array(Uuid, { minItems: 1, maxItems: 50, uniqueItems: true, description: 'The qualifications referred for revocation; each of the case\'s enterprise' }),
    },
    documentNo: DocumentNo('文号 of the referral letter (报请函)', '德市监函〔2025〕31号'),
    example: { to: { authority: '山东省市场监督管理局', level: 'province' }, grounds: '省级监督抽查不合格，整改不到位', qualificationIds: ['0c6b1d0e-8f9a-4e4b-9a51-2f0b7c3d1e25'] },
  },
  referral_withdrawn: { description: 'The city withdraws its referral (撤回报请); city-level tokens only', payload: { reason: Text(2000, 'Why', '企业提交新的整改证据') }, example: { reason: '企业提交新的整改证据' } },
  province_decision: {
    description: 'The province\'s decision on the referral (省级决定); city-level tokens with revocation:decide only; outcomes name exactly the referred qualifications',
    payload: {
      authority: Text(200, 'The deciding authority', '山东省市场监督管理局'),
      level: literalUnion(['province', 'national']),
      effectiveAt: Type.Optional(Instant('When the decision takes effect (default occurredAt, the decision date)', '2025-07-01')),
      outcomes: Type.Array(Type.Object({
        qualificationId: Uuid,
        outcome: literalUnion(['revoked', 'retained']),
        reasonCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64, examples: ['supervision_revocation'] })),
        reason: Type.Optional(Text(2000, 'Reason (default: the referral\'s grounds)', '省级监督抽查产品质量不合格，整改不到位')),
      }, { additionalProperties: false }), { minItems: 1, maxItems: 50 }),
    },
    documentNo: DocumentNo('文号 of the decision', '鲁市监质发〔2025〕12号'),
    example: { authority: '山东省市场监督管理局', level: 'province', effectiveAt: '2025-07-01', outcomes: [{ qualificationId: '0c6b1d0e-8f9a-4e4b-9a51-2f0b7c3d1e25', outcome: 'revoked' }] },
  },
  legal_referral: {
    description: 'The case is referred for legal liability (依法追究责任)',
    payload: { to: Referee('The authority referred to', '德州市公安局'), grounds: Text(4000, 'Grounds', '涉嫌生产销售不合格产品') },
    example: { to: { authority: '德州市公安局', level: 'city' }, grounds: '涉嫌生产销售不合格产品' },
  },
  note: { description: 'A note on the case (备注)', payload: { text: Text(4000, 'The note', '企业已召回问题批次产品') }, example: { text: '企业已召回问题批次产品' } },
  closed: {
    description: 'The case is closed (结案) with an outcome that fits its state; after a decision, city-level tokens only',
    payload: { outcome: Type.Optional(CaseOutcome), summary: Text(4000, 'Summary (结案意见)', '整改到位，复查合格，结案') },
    example: { outcome: 'rectified', summary: '整改到位，复查合格，结案' },
  },
}

const pascal = (s: string) => s.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase())
const variantName = (type: string) => `SupervisionEvent${pascal(type)}`

const variants = LATER_EVENT_TYPES.map((type) => {
  const v = PAYLOADS[type]
  return component(variantName(type), Type.Object({
    type: Type.Literal(type),
    ...common,
    ...(v.documentNo ? { documentNo: v.documentNo } : optionalDocumentNo),
    payload: Type.Object(v.payload, { additionalProperties: false }),
  }, {
    additionalProperties: false,
    description: v.description,
    examples: [{ type, occurredAt: '2025-04-02T10:00:00+08:00', ...(v.documentNo ? { documentNo: (v.documentNo as { examples: string[] }).examples[0] } : {}), payload: v.example }],
  }))
})

export interface EventInputDto {
  type: Exclude<CaseEventType, 'opened'>
  occurredAt: string
  authority?: { name: string; level: string }
  documentNo?: string
  documents?: { name: string; sha256: string; url?: string }[]
  note?: string
  payload: Record<string, any>
}

/** The variant of each event type, by type: what a body is validated against once its `type` is known. */
export const EVENT_VARIANTS: Record<string, unknown> = Object.fromEntries(LATER_EVENT_TYPES.map((t, i) => [t, variants[i]]))

export const RecordEvent = component('SupervisionEventInput', Type.Unsafe<EventInputDto>({
  oneOf: variants,
  discriminator: { propertyName: 'type', mapping: Object.fromEntries(LATER_EVENT_TYPES.map((t) => [t, `#/components/schemas/${variantName(t)}`])) },
  description: 'An event to record on a case (监管事项); `type` tells which `payload` it carries',
}))

// ---- documents ----

const CASE_EXAMPLE = {
  id: 'b3a1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d', caseNo: 'HPJG-371402-2025-0007', externalRef: '德市监好品〔2025〕7号',
  uscc: '91350100M000100Y43', enterpriseName: '德州市华源生态科技有限公司', countyCode: '371402', countyName: '德城区',
  source: 'inspection', topic: 'quality_below_standard', severity: 'serious', title: '省级监督抽查不合格',
  findings: '2025年省级产品质量监督抽查中，该企业生产的有机小米（批号20250301）重金属镉含量不合格',
  problemOccurredAt: '2025-03-09T16:00:00.000Z', leadDepartmentCode: 'MARKET_REGULATION', relatedCaseId: null,
  qualifications: [{ id: '0c6b1d0e-8f9a-4e4b-9a51-2f0b7c3d1e25', type: 'HAOPIN_SHANDONG_BRAND', typeName: '"好品山东"品牌', certificateNo: null, statusAtAsOf: 'active', inReferral: true }],
  state: 'referred', stateSince: '2025-05-20T02:00:00.000Z',
  rectification: { deadline: '2025-04-30T16:00:00.000Z', overdue: false },
  referral: { referredAt: '2025-05-20T02:00:00.000Z', to: { authority: '山东省市场监督管理局', level: 'province' }, documentNo: '德市监函〔2025〕31号', grounds: '省级监督抽查不合格，整改不到位', qualificationIds: ['0c6b1d0e-8f9a-4e4b-9a51-2f0b7c3d1e25'] },
  decision: null, legalReferral: false, referralProposed: true, referralAgeDays: 12, outcome: null,
  openedAt: '2025-03-12T01:00:00.000Z', closedAt: null,
  allowedEvents: ['referral_withdrawn', 'province_decision', 'legal_referral', 'note'],
  version: 6, recordedAt: '2025-03-12T01:02:11.318Z', updatedAt: '2025-05-20T02:03:40.120Z',
}

export const SupervisionCase = component('SupervisionCase', Type.Object({
  id: Uuid,
  caseNo: Type.String({ description: 'Registry case number HPJG-{county}-{year}-{nnnn}', examples: ['HPJG-371402-2025-0007'] }),
  externalRef: Nullable(Type.String()),
  uscc: Type.String(),
  enterpriseName: Type.String({ description: 'The enterprise\'s current name' }),
  countyCode: Type.String({ description: 'The enterprise\'s county when the case was opened; decides county-token access' }),
  countyName: Type.String(),
  source: CaseSource,
  topic: CaseTopic,
  severity: CaseSeverity,
  title: Type.String(),
  findings: Type.String(),
  problemOccurredAt: Nullable(InstantOut()),
  leadDepartmentCode: Type.String(),
  relatedCaseId: Nullable(Type.String({ format: 'uuid' })),
  qualifications: Type.Array(Type.Object({
    id: Uuid,
    type: Type.String(),
    typeName: Type.String(),
    certificateNo: Nullable(Type.String()),
    statusAtAsOf: EffectiveStatus,
    inReferral: Type.Boolean({ description: 'Held by this case\'s pending referral at asOf' }),
  }), { description: 'The qualifications the case concerns' }),
  state: CaseState,
  stateSince: InstantOut('occurredAt of the event that entered the state'),
  rectification: Type.Object({
    deadline: Nullable(InstantOut('The rectification deadline in force')),
    overdue: Type.Boolean({ description: 'State rectifying and asOf after the deadline' }),
  }),
  referral: Nullable(Type.Object({
    referredAt: InstantOut(),
    to: Type.Object({ authority: Type.String(), level: AuthorityLevel }),
    documentNo: Nullable(Type.String()),
    grounds: Type.String(),
    qualificationIds: Type.Array(Type.String({ format: 'uuid' })),
  }, { description: 'The referral to the province, from its recording until it is withdrawn' })),
  decision: Nullable(Type.Object({
    decidedAt: InstantOut(),
    effectiveAt: InstantOut(),
    authority: Type.String(),
    level: AuthorityLevel,
    documentNo: Type.String(),
    outcomes: Type.Array(Type.Object({ qualificationId: Type.String({ format: 'uuid' }), outcome: literalUnion(['revoked', 'retained']) })),
  }, { description: 'The province\'s decision' })),
  legalReferral: Type.Boolean(),
  referralProposed: Type.Boolean(),
  referralAgeDays: Nullable(Type.Integer({ minimum: 0, description: 'Whole days since the referral while it is pending at asOf; null otherwise' })),
  outcome: Nullable(CaseOutcome),
  openedAt: InstantOut(),
  closedAt: Nullable(InstantOut()),
  allowedEvents: Type.Array(CaseEventTypeSchema, { description: 'Events the case\'s state allows now (before scopes and county): offer only these' }),
  version: Type.Integer({ minimum: 1, description: 'Number of events' }),
  recordedAt: InstantOut(),
  updatedAt: InstantOut('When the last event was recorded'),
  asOf: Type.Optional(InstantOut()),
  knownAt: Type.Optional(InstantOut()),
}, { examples: [{ ...CASE_EXAMPLE, asOf: '2025-06-01T00:00:00.000Z', knownAt: '2025-06-01T00:00:00.000Z' }], description: 'A supervision case (监管案件) as of `asOf`, as recorded by `knownAt`' }))

const EVENT_EXAMPLE = {
  seq: 6, type: 'revocation_referred', occurredAt: '2025-05-20T02:00:00.000Z', effectiveAt: '2025-05-20T02:00:00.000Z', recordedAt: '2025-05-20T02:03:40.120Z',
  fromState: 'rectification_rejected', toState: 'referred', authority: { name: '德州市市场监督管理局', level: 'city' }, documentNo: '德市监函〔2025〕31号',
  documents: [], note: null, payload: { grounds: '省级监督抽查不合格，整改不到位', qualificationIds: ['0c6b1d0e-8f9a-4e4b-9a51-2f0b7c3d1e25'] },
  actor: { sub: 'city-market-regulation', county: null, dept: 'MARKET_REGULATION', requestId: '5d0c2a8e-51a4-4f4e-9a0f-0b7f3b1f9e02' },
}

export const SupervisionEvent = component('SupervisionEvent', Type.Object({
  caseId: Uuid,
  seq: Type.Integer({ minimum: 1, description: 'Position in the case\'s history; 1 is opened' }),
  type: CaseEventTypeSchema,
  occurredAt: InstantOut('When it happened'),
  effectiveAt: InstantOut('When it takes effect (a decision\'s effective time; otherwise occurredAt)'),
  recordedAt: InstantOut('When the registry recorded it; never earlier than the event before'),
  fromState: Nullable(CaseState),
  toState: CaseState,
  authority: Nullable(Type.Object({ name: Type.String(), level: AuthorityLevel })),
  documentNo: Nullable(Type.String()),
  documents: Type.Array(Document),
  note: Nullable(Type.String()),
  payload: Type.Object({}, { additionalProperties: true, description: 'The event\'s payload as recorded (see SupervisionEventInput)' }),
  actor: Type.Object({ sub: Type.String(), county: Nullable(Type.String()), dept: Nullable(Type.String()), requestId: Nullable(Type.String()) }, { description: 'Who recorded it' }),
}, { examples: [{ caseId: CASE_EXAMPLE.id, ...EVENT_EXAMPLE }], description: 'A recorded event of a supervision case, with its three times' }))

export const SupervisionEventList = component('SupervisionEventList', Type.Object({
  caseId: Uuid,
  knownAt: InstantOut('Events recorded by this moment are listed'),
  items: Type.Array(SupervisionEvent),
}, { description: 'Every event of a case recorded by `knownAt`, oldest first' }))

export const SupervisionEventResult = component('SupervisionEventResult', Type.Object({
  event: SupervisionEvent,
  case: SupervisionCase,
  qualificationChanges: Type.Array(Type.Object({ qualificationId: Type.String({ format: 'uuid' }), seq: Type.Integer(), toStatus: literalUnion(['revoked']) }), {
    description: 'Status changes the event made (a provincial decision\'s revocations)',
  }),
}, { description: 'The recorded event, the case after it, and the status changes it made' }))

export const SupervisionCasePage = component('SupervisionCasePage', Type.Object({
  items: Type.Array(SupervisionCase),
  nextCursor: NextCursor,
}, { description: 'A page of supervision cases, by openedAt then id' }))

export const CaseIdParams = Type.Object({ id: Type.String({ maxLength: 64, description: 'The case id (uuid) or its caseNo', examples: ['HPJG-371402-2025-0007'] }) })
export const CaseReadQuery = Type.Object(AsOfFields)
export const CaseEventsQuery = Type.Object({ knownAt: AsOfFields.knownAt })

const listFields = {
  countyCode: Type.Optional(Type.String({ pattern: '^[0-9]{6}$', examples: ['371402'] })),
  state: Type.Optional(Type.String({ maxLength: 400, pattern: '^[a-z_]+(,[a-z_]+)*$', description: 'Comma list of states (at asOf)', examples: ['rectifying,referred'] })),
  severity: Type.Optional(CaseSeverity),
  source: Type.Optional(CaseSource),
  topic: Type.Optional(CaseTopic),
  qualificationId: Type.Optional(Type.String({ format: 'uuid' })),
  overdue: Type.Optional(Type.Boolean({ description: 'true: rectifying past its deadline at asOf' })),
  referralPending: Type.Optional(Type.Boolean({ description: 'true: a referral awaits the province\'s decision at asOf' })),
  legalReferral: Type.Optional(Type.Boolean()),
  referredBefore: Type.Optional(Instant('A referral pending at asOf and made before this moment (referrals waiting long)', '2025-06-01')),
  leadDepartment: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Lead department code', examples: ['MARKET_REGULATION'] })),
  openedFrom: Type.Optional(Instant('Opened at or after', '2025-01-01')),
  openedTo: Type.Optional(Instant('Opened before', '2026-01-01')),
  updatedSince: Type.Optional(Instant('Last event recorded at or after', '2025-06-01')),
  ...AsOfFields,
  limit: Limit(),
  cursor: Cursor,
  ...ExportQueryFields,
}
export const ListCasesQuery = withDefaults(Type.Object({
  uscc: Type.Optional(Type.String({ maxLength: 64, examples: ['91350100M000100Y43'] })),
  ...listFields,
}))
export type ListCasesFilter = Static<typeof ListCasesQuery>
export const EnterpriseCasesQuery = withDefaults(Type.Object(listFields))
