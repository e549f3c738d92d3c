// The auditors' revocation register (design §3.8): one item per status change that ended (or
// suspended) a qualification, with its provenance and its audit-chain position.
import { Type, type Static } from 'typebox'
import { component } from '../../lib/components.ts'
import { ExportQueryFields } from '../../lib/export.ts'
import { Cursor, Instant, InstantOut, Limit, NextCursor, Nullable, withDefaults } from '../../lib/schemas.ts'
import { AuthorityLevel } from '../qualifications/qualifications.schemas.ts'

export const REGISTER_STATUSES = ['revoked', 'annulled', 'withdrawn', 'suspended'] as const
export const STATS_DIMENSIONS = ['county', 'type', 'authority', 'level', 'effectiveMonth', 'recordedMonth', 'viaCase'] as const
export type StatsDimension = (typeof STATS_DIMENSIONS)[number]

const commaList = (values: readonly string[]) => `^(${values.join('|')})(,(${values.join('|')}))*$`

const filterFields = {
  toStatus: Type.Optional(Type.String({
    pattern: commaList(REGISTER_STATUSES),
    description: 'Comma list of the status the change went to: `revoked` (default), `annulled`, `withdrawn`, `suspended`',
    examples: ['revoked,annulled'],
  })),
  countyCode: Type.Optional(Type.String({ pattern: '^\\d{6}$', description: 'County of the enterprise **at the event\'s effectiveAt** (as recorded by knownAt), not its county now', examples: ['371402'] })),
  type: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]{2,63}(,[A-Z][A-Z0-9_]{2,63})*$', description: 'Comma list of catalog codes', examples: ['HAOPIN_SHANDONG_BRAND'] })),
  uscc: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: '统一社会信用代码 of the enterprise', examples: ['91350100M000100Y43'] })),
  qualificationId: Type.Optional(Type.String({ format: 'uuid', description: 'One qualification' })),
  certificateNo: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: '证书编号 of the qualification', examples: ['TSPZ-2023-0042'] })),
  authority: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Deciding authority (决定机关), exactly', examples: ['山东省市场监督管理局'] })),
  authorityContains: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Deciding authority containing this text', examples: ['市场监督管理局'] })),
  level: Type.Optional(AuthorityLevel),
  documentNo: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Decision document number (决定文号), exactly', examples: ['鲁市监质发〔2025〕12号'] })),
  reasonCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64, examples: ['supervision_revocation'] })),
  effectiveFrom: Type.Optional(Instant('effectiveAt ≥ this', '2025-01-01T00:00:00+08:00')),
  effectiveTo: Type.Optional(Instant('effectiveAt < this', '2026-01-01T00:00:00+08:00')),
  recordedFrom: Type.Optional(Instant('recordedAt ≥ this', '2025-01-01T00:00:00+08:00')),
  recordedTo: Type.Optional(Instant('recordedAt < this', '2026-01-01T00:00:00+08:00')),
  decidedFrom: Type.Optional(Instant('decision.decidedAt ≥ this', '2025-01-01T00:00:00+08:00')),
  decidedTo: Type.Optional(Instant('decision.decidedAt < this', '2026-01-01T00:00:00+08:00')),
  occurredFrom: Type.Optional(Instant('occurredAt ≥ this', '2025-01-01T00:00:00+08:00')),
  occurredTo: Type.Optional(Instant('occurredAt < this', '2026-01-01T00:00:00+08:00')),
  minRecordingLagHours: Type.Optional(Type.Number({ minimum: 0, maximum: 1_000_000, description: 'Back-dated entries: recordedAt − effectiveAt ≥ this many hours', examples: [72] })),
  viaCase: Type.Optional(Type.Boolean({ description: '`true`: changes a supervision case decided; `false`: changes made outside the workflow' })),
  caseId: Type.Optional(Type.String({ format: 'uuid', description: 'Changes decided in this supervision case' })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The `sub` of the token that recorded the change', examples: ['city-market-regulation'] })),
  knownAt: Type.Optional(Instant('The register as the registry knew it then: changes recorded by this moment (default: now; later moments count as now). The first page pins it into the cursor')),
}

export const RevocationQuery = withDefaults(Type.Object(
  {
    ...filterFields,
    order: Type.Enum(['recorded', 'effective'], { default: 'recorded', description: '`recorded` (default): by recordedAt, then id; `effective`: by effectiveAt, then id' }),
    limit: Limit(),
    cursor: Cursor,
    ...ExportQueryFields,
  },
  { additionalProperties: false },
))
export type RevocationQueryInput = Static<typeof RevocationQuery>

export const RevocationStatsQuery = withDefaults(Type.Object(
  {
    ...filterFields,
    groupBy: Type.Optional(Type.String({
      pattern: `^(${STATS_DIMENSIONS.join('|')})(,(${STATS_DIMENSIONS.join('|')}))?$`,
      description: 'Up to two of `county` (at the event\'s effective time), `type`, `authority`, `level`, `effectiveMonth`, `recordedMonth` (months in Asia/Shanghai, `YYYY-MM`), `viaCase`; none: the total only',
      examples: ['county,effectiveMonth'],
    })),
    format: ExportQueryFields.format,
    header: ExportQueryFields.header,
  },
  { additionalProperties: false },
))
export type RevocationStatsQueryInput = Static<typeof RevocationStatsQuery>

const EXAMPLE = {
  id: '0f6c1d0e-8f9a-4e4b-9a51-2f0b7c3d1e25:2',
  qualificationId: '0f6c1d0e-8f9a-4e4b-9a51-2f0b7c3d1e25',
  seq: 2,
  uscc: '91350100M000100Y43',
  enterpriseName: '德州市华源生态科技有限公司',
  countyCode: '371402',
  countyName: '德城区',
  type: 'HAOPIN_SHANDONG_BRAND',
  typeName: '"好品山东"品牌',
  certificateNo: null,
  batch: '第二批',
  fromStatus: 'active',
  toStatus: 'revoked',
  reasonCode: 'supervision_revocation',
  reason: '省级监督抽查产品质量不合格，整改不到位',
  occurredAt: '2025-03-10T00:00:00.000Z',
  effectiveAt: '2025-06-30T16:00:00.000Z',
  decidedAt: '2025-06-20T00:00:00.000Z',
  recordedAt: '2025-07-09T06:42:17.508Z',
  recordingLagSeconds: 744137,
  decision: { authority: '山东省市场监督管理局', level: 'province', documentNo: '鲁市监质发〔2025〕12号' },
  viaCase: true,
  case: {
    id: 'b3a1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    caseNo: 'HPJG-371402-2025-0007',
    referredAt: '2025-05-20T02:00:00.000Z',
    referralDocumentNo: '德市监函〔2025〕31号',
    referralAuthority: '德州市市场监督管理局',
  },
  actor: { sub: 'city-market-regulation', county: null, dept: 'MARKET_REGULATION', requestId: '5d0c2a8e-51a4-4f4e-9a0f-0b7f3b1f9e02' },
  audit: { seq: '18342', hash: '9f2e5c0b8a7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f' },
}

export const Revocation = component('Revocation', Type.Object({
  id: Type.String({ description: 'The history event: `<qualificationId>:<seq>`' }),
  qualificationId: Type.String({ format: 'uuid' }),
  seq: Type.Integer({ description: 'Position of the change in the qualification\'s history' }),
  uscc: Type.String(),
  enterpriseName: Type.String({ description: 'The enterprise\'s name at the event\'s effective time, as recorded by knownAt' }),
  countyCode: Type.String({ description: 'County of the enterprise at the event\'s effective time' }),
  countyName: Type.String(),
  type: Type.String(),
  typeName: Type.String(),
  certificateNo: Nullable(Type.String()),
  batch: Nullable(Type.String()),
  fromStatus: Nullable(Type.String({ examples: ['active'] })),
  toStatus: Type.Enum([...REGISTER_STATUSES]),
  reasonCode: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  occurredAt: Nullable(InstantOut('When the underlying problem or act happened')),
  effectiveAt: InstantOut('When the change takes effect'),
  decidedAt: Nullable(InstantOut('When the decision was made (决定日期)')),
  recordedAt: InstantOut('When the registry recorded the change'),
  recordingLagSeconds: Type.Integer({ description: 'recordedAt − effectiveAt in whole seconds (negative for a change recorded ahead of its effect)' }),
  decision: Nullable(Type.Object({
    authority: Nullable(Type.String()),
    level: Nullable(Type.String()),
    documentNo: Nullable(Type.String()),
  }, { description: 'The decision behind the change (决定机关, 层级, 文号); null when none was recorded' })),
  viaCase: Type.Boolean({ description: 'Whether a supervision case\'s decision made this change (false: made outside the workflow)' }),
  case: Nullable(Type.Object({
    id: Type.String({ format: 'uuid' }),
    caseNo: Type.String(),
    referredAt: Nullable(InstantOut('When the city referred the case to the province (latest referral recorded by knownAt)')),
    referralDocumentNo: Nullable(Type.String()),
    referralAuthority: Nullable(Type.String()),
  }, { description: 'The supervision case, when viaCase' })),
  actor: Type.Object({ sub: Type.String(), county: Nullable(Type.String()), dept: Nullable(Type.String()), requestId: Nullable(Type.String()) }, { description: 'Who recorded the change (from the token)' }),
  audit: Nullable(Type.Object({
    seq: Type.String({ description: 'Position of the history event\'s audit entry (`qualification_event.create`) in the chain; check with GET /v1/audit-events/verify' }),
    hash: Type.String({ description: 'Its chain hash' }),
  }, { description: 'Null for the moment before the entry is chained' })),
}, { description: 'A status change in the revocation register', examples: [EXAMPLE] }))

export const RevocationPage = component('RevocationPage', Type.Object({
  knownAt: InstantOut('The knowledge every page of this listing answers with (pinned in the cursor)'),
  items: Type.Array(Revocation),
  nextCursor: NextCursor,
}, { description: 'A page of the revocation register', examples: [{ knownAt: '2025-07-10T00:00:00.000Z', items: [EXAMPLE], nextCursor: null }] }))

export const RevocationStatsGroup = component('RevocationStatsGroup', Type.Object({
  county: Type.Optional(Nullable(Type.String({ description: 'County code at the event\'s effective time' }))),
  countyName: Type.Optional(Nullable(Type.String())),
  type: Type.Optional(Nullable(Type.String())),
  authority: Type.Optional(Nullable(Type.String())),
  level: Type.Optional(Nullable(Type.String())),
  effectiveMonth: Type.Optional(Nullable(Type.String({ pattern: '^\\d{4}-\\d{2}$' }))),
  recordedMonth: Type.Optional(Nullable(Type.String({ pattern: '^\\d{4}-\\d{2}$' }))),
  viaCase: Type.Optional(Type.Boolean()),
  count: Type.Integer({ minimum: 1 }),
}, { description: 'One group: the values of the groupBy dimensions, and how many register items have them' }))

export const RevocationStats = component('RevocationStats', Type.Object({
  knownAt: InstantOut(),
  groupBy: Type.Array(Type.Enum([...STATS_DIMENSIONS])),
  total: Type.Integer({ description: 'Items of the register with the same filters; the sum of the groups\' counts' }),
  groups: Type.Array(RevocationStatsGroup),
}, {
  description: 'Counts of the register grouped by up to two dimensions',
  examples: [{ knownAt: '2025-07-10T00:00:00.000Z', groupBy: ['county'], total: 3, groups: [{ county: '371402', countyName: '德城区', count: 2 }, { county: '371428', countyName: '武城县', count: 1 }] }],
}))
