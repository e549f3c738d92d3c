import { Type, type Static } from 'typebox'
import { component } from '../../lib/components.ts'
import { AsOfFields, Cursor, Instant, InstantOut, Limit, NextCursor, literalUnion, Nullable, withDefaults } from '../../lib/schemas.ts'
import { EFFECTIVE_STATUSES } from './lifecycle.ts'
import { ExportQueryFields } from '../../lib/export.ts'


export const AUTHORITY_LEVELS = ['county', 'city', 'province', 'national'] as const
export const CHANGE_TARGETS = ['suspended', 'active', 'revoked', 'annulled', 'withdrawn'] as const

export const AuthorityLevel = component('AuthorityLevel', literalUnion(AUTHORITY_LEVELS, 'Level of the authority (级别): county 县级, city 市级, province 省级, national 国家级'))
export const EffectiveStatus = component('QualificationStatus', literalUnion(
  EFFECTIVE_STATUSES,
  'Status in effect at `asOf` as recorded by `knownAt`: the last change effective by then, `expired` once validUntil has passed ' +
    '(for active or suspended), `pending` before validFrom',
))
const TypeCode = Type.String({ pattern: '^[A-Z][A-Z0-9_]{2,63}$', description: 'Catalog code (GET /v1/qualification-types)', examples: ['TAISHAN_QUALITY_CERT'] })

export const Document = component('QualificationDocument', Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, examples: ['泰山品质认证证书.pdf'] }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the file, lower-case hex', examples: ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'] }),
    url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000, examples: ['https://files.example.gov.cn/certs/TSPZ-2024-0001.pdf'] })),
  },
  { additionalProperties: false, description: 'A supporting file (证明材料), identified by its SHA-256' },
))

export const GrantQualification = component('QualificationGrant', Type.Object(
  {
    type: TypeCode,
    certificateNo: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Certificate number (证书编号). Required for certificate-based types; unique per type among qualifications that were not annulled', examples: ['TSPZ-2024-0001'] })),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'What is certified (名称), e.g. the product or brand name', examples: ['华源牌有机小米'] })),
    scope: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Scope of the grant (范围), e.g. the certified products', examples: ['有机小米、杂粮系列产品'] })),
    issuer: Type.String({ minLength: 1, maxLength: 200, description: 'Granting authority (颁发机构)', examples: ['山东省市场监督管理局'] }),
    issuerLevel: AuthorityLevel,
    grantedAt: Instant('When the authority granted it (授予时间); not in the future. The grant is effective from this moment'),
    validFrom: Type.Optional(Instant('Start of validity (有效期起; default: grantedAt)')),
    validUntil: Type.Optional(Nullable(Instant('End of validity, exclusive (有效期止); null = no expiry. When omitted: validFrom plus the type\'s default validity', '2027-03-15T00:00:00+08:00'))),
    batch: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Announcement batch (批次), e.g. of the 好品山东 list', examples: ['2024年第一批'] })),
    renews: Type.Optional(Type.String({ format: 'uuid', description: 'Id of the qualification (same enterprise and type) this one renews' })),
    documents: Type.Optional(Type.Array(Document, { maxItems: 50 })),
  },
  {
    additionalProperties: false,
    examples: [
      {
        type: 'TAISHAN_QUALITY_CERT',
        certificateNo: 'TSPZ-2024-0001',
        title: '华源牌有机小米',
        scope: '有机小米、杂粮系列产品',
        issuer: '山东省市场监督管理局',
        issuerLevel: 'province',
        grantedAt: '2024-03-15T00:00:00+08:00',
        documents: [{ name: '泰山品质认证证书.pdf', sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }],
      },
      {
        type: 'HAOPIN_SHANDONG_BRAND',
        title: '华源',
        issuer: '山东省人民政府',
        issuerLevel: 'province',
        grantedAt: '2023-12-20',
        batch: '2023年第二批',
      },
    ],
    description: 'A qualification granted to an enterprise (授予资质): brand listing, certificate, award or standard',
  },
))
export type GrantQualificationInput = Static<typeof GrantQualification>

const QUALIFICATION_EXAMPLE = {
  id: '0c6b1d0e-8f9a-4e4b-9a51-2f0b7c3d1e25',
  uscc: '91350100M000100Y43',
  enterpriseName: '德州市华源生态科技有限公司',
  countyCode: '371402',
  type: 'TAISHAN_QUALITY_CERT',
  typeName: '"泰山品质"认证',
  certificateNo: 'TSPZ-2024-0001',
  title: '华源牌有机小米',
  scope: '有机小米、杂粮系列产品',
  issuer: '山东省市场监督管理局',
  issuerLevel: 'province',
  grantedAt: '2024-03-14T16:00:00.000Z',
  validFrom: '2024-03-14T16:00:00.000Z',
  validUntil: '2027-03-14T16:00:00.000Z',
  batch: null,
  renews: null,
  renewedBy: null,
  documents: [{ name: '泰山品质认证证书.pdf', sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }],
  status: 'active',
  version: 1,
  recordedAt: '2024-03-18T02:11:09.412Z',
  updatedAt: '2024-03-18T02:11:09.412Z',
  asOf: '2025-11-26T04:00:00.000Z',
  knownAt: '2025-11-26T04:00:00.000Z',
}

const EVENT_EXAMPLE = {
  seq: 2,
  fromStatus: 'active',
  toStatus: 'revoked',
  reasonCode: 'quality_below_standard',
  reason: '省级监督抽查产品质量不合格，整改不到位',
  occurredAt: '2025-03-09T16:00:00.000Z',
  effectiveAt: '2025-06-30T16:00:00.000Z',
  recordedAt: '2025-07-09T06:42:17.508Z',
  decision: { authority: '山东省市场监督管理局', level: 'province', documentNo: '鲁市监质发〔2025〕12号', decidedAt: '2025-06-19T16:00:00.000Z' },
  actor: { sub: 'city-market-regulation', county: null, dept: 'MARKET_REGULATION', requestId: '5d0c2a8e-51a4-4f4e-9a0f-0b7f3b1f9e02' },
}

const GRANT_EVENT_EXAMPLE = {
  seq: 1,
  fromStatus: null,
  toStatus: 'active',
  reasonCode: 'grant',
  reason: null,
  occurredAt: null,
  effectiveAt: '2024-03-14T16:00:00.000Z',
  recordedAt: '2024-03-18T02:11:09.412Z',
  decision: { authority: '山东省市场监督管理局', level: 'province', documentNo: null, decidedAt: '2024-03-14T16:00:00.000Z' },
  actor: { sub: 'city-market-regulation', county: null, dept: 'MARKET_REGULATION', requestId: '1f7a9c3b-0d2e-4b6a-8c5d-7e9f1a2b3c4d' },
}

export const Qualification = component('Qualification', Type.Object({
  id: Type.String({ format: 'uuid' }),
  uscc: Type.String({ examples: ['91350100M000100Y43'] }),
  enterpriseName: Type.String({ examples: ['德州市华源生态科技有限公司'] }),
  countyCode: Type.String({ examples: ['371402'] }),
  type: Type.String({ examples: ['TAISHAN_QUALITY_CERT'] }),
  typeName: Type.String({ examples: ['"泰山品质"认证'] }),
  certificateNo: Nullable(Type.String()),
  title: Nullable(Type.String()),
  scope: Nullable(Type.String()),
  issuer: Nullable(Type.String()),
  issuerLevel: Nullable(AuthorityLevel),
  grantedAt: Type.String({ format: 'date-time' }),
  validFrom: Type.String({ format: 'date-time' }),
  validUntil: Nullable(Type.String({ format: 'date-time' })),
  batch: Nullable(Type.String()),
  renews: Nullable(Type.String({ format: 'uuid', description: 'The qualification this one renews' })),
  renewedBy: Nullable(Type.String({ format: 'uuid', description: 'The qualification that renews this one (as known at knownAt)' })),
  documents: Type.Array(Document),
  status: EffectiveStatus,
  version: Type.Integer({ description: 'Number of recorded events (grant and status changes)' }),
  recordedAt: Type.String({ format: 'date-time', description: 'When the registry recorded the grant' }),
  updatedAt: Type.String({ format: 'date-time', description: 'When the registry recorded the latest change' }),
  asOf: Type.String({ format: 'date-time', description: 'The moment `status` describes' }),
  knownAt: Type.String({ format: 'date-time', description: 'The registry\'s knowledge `status` is based on: changes recorded by then' }),
}, { examples: [QUALIFICATION_EXAMPLE], description: 'A qualification (资质) with its status at `asOf` as known at `knownAt`' }))

export const QualificationPage = component('QualificationPage', Type.Object({
  items: Type.Array(Qualification),
  nextCursor: NextCursor,
}, { description: 'A page of qualifications', examples: [{ items: [QUALIFICATION_EXAMPLE], nextCursor: 'WyIyMDI0LTAzLTE1VDAwOjAwOjAwLjAwMFoiLCIwYzZiMWQwZS04ZjlhLTRlNGItOWE1MS0yZjBiN2MzZDFlMjUiXQ' }] }))

const Decision = component('Decision', Type.Object(
  {
    authority: Type.String({ minLength: 1, maxLength: 200, description: 'Deciding authority (决定机关)', examples: ['山东省市场监督管理局'] }),
    level: AuthorityLevel,
    documentNo: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Decision document number (文号)', examples: ['鲁市监质发〔2025〕12号'] })),
    decidedAt: Type.Optional(Instant('When the decision was made (决定日期)', '2025-06-20T00:00:00+08:00')),
  },
  { additionalProperties: false, description: 'The decision behind a status change (决定): authority, level, 文号 and date' },
))

export const StatusChange = component('StatusChange', Type.Object(
  {
    to: literalUnion(CHANGE_TARGETS, 'suspended (a hold), active (reinstate a suspended one), revoked (misconduct; needs revocation:decide), annulled (granted in error), withdrawn (given up by the enterprise)'),
    reasonCode: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.:-]{0,63}$', description: 'Machine-readable reason (原因代码)', examples: ['quality_below_standard'] }),
    reason: Type.String({ minLength: 1, maxLength: 2000, description: 'Reason in words (原因)', examples: ['省级监督抽查产品质量不合格，整改不到位'] }),
    effectiveAt: Instant('When the change takes effect (生效时间); may be in the past (decisions are often recorded late), never before the grant or before the last recorded change'),
    occurredAt: Type.Optional(Instant('When the underlying problem happened (发生时间)', '2025-03-10T00:00:00+08:00')),
    decision: Decision,
  },
  {
    additionalProperties: false,
    examples: [
      {
        to: 'revoked',
        reasonCode: 'quality_below_standard',
        reason: '省级监督抽查产品质量不合格，整改不到位',
        effectiveAt: '2025-07-01T00:00:00+08:00',
        occurredAt: '2025-03-10T00:00:00+08:00',
        decision: { authority: '山东省市场监督管理局', level: 'province', documentNo: '鲁市监质发〔2025〕12号', decidedAt: '2025-06-20T00:00:00+08:00' },
      },
      { to: 'suspended', reasonCode: 'rectification_pending', reason: '约谈后限期整改', effectiveAt: '2025-05-01', decision: { authority: '德州市市场监督管理局', level: 'city' } },
    ],
    description: 'A status change to record (状态变更): suspension, reinstatement, revocation, annulment or withdrawal',
  },
))
export type StatusChangeInput = Static<typeof StatusChange>

export const HistoryEvent = component('QualificationEvent', Type.Object({
  seq: Type.Integer({ minimum: 1, description: 'Position in this qualification\'s history; 1 is the grant' }),
  fromStatus: Nullable(literalUnion(CHANGE_TARGETS)),
  toStatus: literalUnion(CHANGE_TARGETS),
  reasonCode: Nullable(Type.String({ examples: ['grant'] })),
  reason: Nullable(Type.String()),
  occurredAt: Nullable(Type.String({ format: 'date-time', description: 'When the underlying problem happened' })),
  effectiveAt: Type.String({ format: 'date-time', description: 'When the change takes effect' }),
  recordedAt: Type.String({ format: 'date-time', description: 'When the registry recorded it (set by the registry)' }),
  decision: Type.Object({
    authority: Nullable(Type.String()),
    level: Nullable(AuthorityLevel),
    documentNo: Nullable(Type.String()),
    decidedAt: Nullable(Type.String({ format: 'date-time' })),
  }),
  actor: Type.Object(
    { sub: Type.String(), county: Nullable(Type.String()), dept: Nullable(Type.String()), requestId: Nullable(Type.String()) },
    { description: 'Who recorded it (from the token)' },
  ),
}, { examples: [EVENT_EXAMPLE], description: 'A recorded event of a qualification: its grant or a status change, with its three times' }))

export const History = component('QualificationHistory', Type.Object({
  qualificationId: Type.String({ format: 'uuid' }),
  knownAt: Type.String({ format: 'date-time', description: 'Events recorded by this moment are listed' }),
  items: Type.Array(HistoryEvent),
}, { examples: [{ qualificationId: QUALIFICATION_EXAMPLE.id, knownAt: '2025-11-26T04:00:00.000Z', items: [GRANT_EVENT_EXAMPLE, EVENT_EXAMPLE] }], description: 'Every event of a qualification recorded by `knownAt`, oldest first' }))

export const StatusChangeResult = component('StatusChangeResult', Type.Object({
  change: HistoryEvent,
  qualification: Qualification,
}, {
  examples: [{
    change: EVENT_EXAMPLE,
    qualification: { ...QUALIFICATION_EXAMPLE, status: 'revoked', version: 2, updatedAt: EVENT_EXAMPLE.recordedAt, asOf: EVENT_EXAMPLE.recordedAt, knownAt: EVENT_EXAMPLE.recordedAt },
  }],
  description: 'The recorded change and the qualification as of now',
}))

export const AsOfQuery = Type.Object(AsOfFields, { additionalProperties: false })
export const KnownAtQuery = Type.Object({ knownAt: AsOfFields.knownAt }, { additionalProperties: false })

const ListFields = {
  type: Type.Optional(TypeCode),
  status: Type.Optional(EffectiveStatus),
  grantedFrom: Type.Optional(Instant('grantedAt ≥ this')),
  grantedTo: Type.Optional(Instant('grantedAt < this', '2025-01-01T00:00:00+08:00')),
  expiringBefore: Type.Optional(Instant('validUntil ≤ this (qualifications without expiry never match)', '2025-12-31T00:00:00+08:00')),
  ...AsOfFields,
  limit: Limit(),
  cursor: Cursor,
}
export const ListQualificationsQuery = withDefaults(Type.Object(
  {
    ...ListFields,
    countyCode: Type.Optional(Type.String({ pattern: '^\\d{6}$', description: 'County of the enterprise', examples: ['371402'] })),
    uscc: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Of this enterprise (统一社会信用代码)', examples: ['91350100M000100Y43'] })),
    ...ExportQueryFields,
  },
  { additionalProperties: false },
))
export type ListQualificationsFilter = Static<typeof ListQualificationsQuery>
export const EnterpriseQualificationsQuery = withDefaults(Type.Object(ListFields, { additionalProperties: false }))

export const IdParams = Type.Object({ id: Type.String({ maxLength: 64, description: 'Qualification id (UUID)' }) })
