import { ExportQueryFields } from '../../lib/export.ts'
import { Type, type Static } from 'typebox'
import { component } from '../../lib/components.ts'
import { AsOfFields, Cursor, Instant, InstantOut, Limit, NextCursor, Nullable, withDefaults } from '../../lib/schemas.ts'

export const CULTIVATION_STAGES = ['planned', 'cultivating', 'established'] as const
export const BUSINESS_STATUSES = ['operating', 'abnormal', 'revoked', 'deregistered'] as const
export const BRAND_STATUSES = ['listed', 'cultivating', 'none'] as const

const literalUnion = <const T extends readonly string[]>(values: T, description: string) => Type.Enum([...values] as T[number][], { description })

export const CultivationStage = component('CultivationStage', literalUnion(CULTIVATION_STAGES, 'Cultivation stage (培育阶段): planned 规划一批, cultivating 培育一批, established 创建一批'))
export const BusinessStatus = component('BusinessStatus', literalUnion(BUSINESS_STATUSES, 'Business status (登记状态): operating 存续, abnormal 经营异常, revoked 吊销, deregistered 注销'))
export const BrandStatus = component('BrandStatus', literalUnion(BRAND_STATUSES, 'Brand status (品牌状态): listed 已入选好品山东 (an active 好品山东 listing); cultivating 培育中 (another active qualification, a cultivation stage or list); none 无'))

export const UsccField = Type.String({
  minLength: 1,
  maxLength: 32,
  description: '统一社会信用代码 (GB 32100-2015), 18 characters; lower case is accepted and normalised',
  examples: ['91350100M000100Y43'],
})
export const CountyCode = Type.String({ pattern: '^\\d{6}$', description: 'County division code (县区代码, GET /v1/counties)', examples: ['371402'] })

const Contact = Type.Object(
  {
    name: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 40, pattern: '^[0-9+()\\- ]{3,40}$' }))),
    email: Type.Optional(Nullable(Type.String({ maxLength: 254, format: 'email' }))),
  },
  { additionalProperties: false, description: 'Contact person (联系人); never shown publicly' },
)

export const CultivationListEntry = component('CultivationListEntry', Type.Object(
  {
    list: Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,63}$', description: 'Named cultivation list (培育名单), e.g. INDUSTRIAL_TOP50 (工业企业50强)', examples: ['INDUSTRIAL_TOP50'] }),
    year: Type.Integer({ minimum: 1990, maximum: 2200, description: 'Year of the list (年度)', examples: [2024] }),
  },
  { additionalProperties: false, description: 'An entry on a named cultivation list (培育名单)' },
))

const EditableFields = {
  name: Type.String({ minLength: 1, maxLength: 200, description: 'Registered name (企业名称)', examples: ['德州市华源生态科技有限公司'] }),
  countyCode: CountyCode,
  industryCode: Nullable(Type.String({ pattern: '^[A-T](\\d{2}(\\d{1,2})?)?$', description: 'Industry code (行业代码), GB/T 4754, e.g. C or C13 or C1391', examples: ['C1391'] })),
  address: Nullable(Type.String({ maxLength: 500, description: 'Address (地址); never shown publicly' })),
  legalRepresentative: Nullable(Type.String({ maxLength: 100, description: 'Legal representative (法定代表人); never shown publicly' })),
  contact: Nullable(Contact),
  cultivationStage: Nullable(CultivationStage),
  cultivationLists: Type.Array(CultivationListEntry, { maxItems: 100 }),
  businessStatus: BusinessStatus,
}

export const CreateEnterprise = Type.Object(
  {
    uscc: UsccField,
    name: EditableFields.name,
    countyCode: EditableFields.countyCode,
    industryCode: Type.Optional(EditableFields.industryCode),
    address: Type.Optional(EditableFields.address),
    legalRepresentative: Type.Optional(EditableFields.legalRepresentative),
    contact: Type.Optional(EditableFields.contact),
    cultivationStage: Type.Optional(EditableFields.cultivationStage),
    cultivationLists: Type.Optional(EditableFields.cultivationLists),
    businessStatus: Type.Optional(EditableFields.businessStatus),
  },
  {
    additionalProperties: false,
    examples: [
      {
        uscc: '91350100M000100Y43',
        name: '德州市华源生态科技有限公司',
        countyCode: '371402',
        industryCode: 'C1391',
        address: '德州市德城区新华路1号',
        legalRepresentative: '张伟',
        contact: { name: '李娜', phone: '0534-2345678', email: 'lina@example.com' },
        cultivationStage: 'cultivating',
        cultivationLists: [{ list: 'INDUSTRIAL_TOP50', year: 2024 }],
        businessStatus: 'operating',
      },
    ],
  },
)
export type CreateEnterpriseInput = Static<typeof CreateEnterprise>
export const EnterpriseCreate = component('EnterpriseCreate', CreateEnterprise, 'An enterprise to register (登记企业); also each item of a batch upsert')

export const PatchEnterprise = Type.Object(
  {
    name: Type.Optional(EditableFields.name),
    countyCode: Type.Optional(EditableFields.countyCode),
    industryCode: Type.Optional(EditableFields.industryCode),
    address: Type.Optional(EditableFields.address),
    legalRepresentative: Type.Optional(EditableFields.legalRepresentative),
    contact: Type.Optional(EditableFields.contact),
    cultivationStage: Type.Optional(EditableFields.cultivationStage),
    cultivationLists: Type.Optional(Nullable(EditableFields.cultivationLists)),
    businessStatus: Type.Optional(EditableFields.businessStatus),
  },
  {
    additionalProperties: false,
    description: 'JSON Merge Patch (RFC 7396): absent fields stay, null removes, `contact` merges field by field, `cultivationLists` is replaced whole',
    examples: [{ cultivationStage: 'established', contact: { phone: '0534-8765432' } }],
  },
)
export type PatchEnterpriseInput = Static<typeof PatchEnterprise>
export const EnterprisePatch = component('EnterprisePatch', PatchEnterprise)

export const ActiveQualificationSummary = component('ActiveQualification', Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String({ description: 'Catalog code', examples: ['HAOPIN_SHANDONG_BRAND'] }),
  typeName: Type.String({ description: 'Catalog name (资质名称)', examples: ['"好品山东"品牌'] }),
  certificateNo: Nullable(Type.String({ description: 'Certificate number (证书编号)' })),
  validFrom: InstantOut('Start of validity (有效期起)'),
  validUntil: Nullable(InstantOut('End of validity, exclusive (有效期止); null = no expiry')),
}, { description: 'A qualification active at the moment the enterprise document describes' }))

const ENTERPRISE_EXAMPLE = {
  uscc: '91350100M000100Y43',
  name: '德州市华源生态科技有限公司',
  countyCode: '371402',
  countyName: '德城区',
  industryCode: 'C1391',
  address: '德州市德城区新华路1号',
  legalRepresentative: '张伟',
  contact: { name: '李娜', phone: '0534-2345678', email: 'lina@example.com' },
  cultivationStage: 'cultivating',
  cultivationLists: [{ list: 'INDUSTRIAL_TOP50', year: 2024 }],
  businessStatus: 'operating',
  brandStatus: 'listed',
  activeQualifications: [
    { id: '0c6b1d0e-8f9a-4e4b-9a51-2f0b7c3d1e25', type: 'HAOPIN_SHANDONG_BRAND', typeName: '"好品山东"品牌', certificateNo: null, validFrom: '2023-12-19T16:00:00.000Z', validUntil: null },
  ],
  version: 3,
  createdAt: '2024-03-18T02:11:09.412Z',
  updatedAt: '2025-07-09T06:42:17.508Z',
}

const EnterpriseDocument = Type.Object({
  uscc: Type.String({ examples: ['91350100M000100Y43'] }),
  name: Type.String(),
  countyCode: Type.String(),
  countyName: Type.String(),
  industryCode: Nullable(Type.String()),
  address: Nullable(Type.String()),
  legalRepresentative: Nullable(Type.String()),
  contact: Type.Object({ name: Nullable(Type.String()), phone: Nullable(Type.String()), email: Nullable(Type.String()) }),
  cultivationStage: Nullable(CultivationStage),
  cultivationLists: Type.Array(CultivationListEntry),
  businessStatus: BusinessStatus,
  brandStatus: BrandStatus,
  activeQualifications: Type.Array(ActiveQualificationSummary, { description: 'Qualifications active at asOf' }),
  version: Type.Integer({ description: 'Changes recorded to the enterprise itself' }),
  createdAt: InstantOut('When the registry recorded the enterprise'),
  updatedAt: InstantOut('When the registry recorded its latest change'),
}, { description: 'An enterprise (企业) with its brand status and the qualifications active at the moment asked', examples: [ENTERPRISE_EXAMPLE] })
export const Enterprise = component('Enterprise', EnterpriseDocument)

const Summary = Type.Object(
  {
    uscc: Type.String(),
    name: Type.String(),
    countyCode: Type.String(),
    countyName: Type.String(),
    cultivationStage: Nullable(CultivationStage),
    businessStatus: BusinessStatus,
    brandStatus: BrandStatus,
    activeQualificationTypes: Type.Array(Type.String(), { description: 'Catalog codes of the qualifications active now, each once, in code order' }),
    version: Type.Integer(),
    updatedAt: InstantOut(),
  },
  {
    description: 'An enterprise as a list item (view=summary): identity, status and active qualification types; GET /v1/enterprises/{uscc} for the rest',
    examples: [{ uscc: '91350100M000100Y43', name: '德州市华源生态科技有限公司', countyCode: '371402', countyName: '德城区', cultivationStage: 'cultivating', businessStatus: 'operating', brandStatus: 'listed', activeQualificationTypes: ['HAOPIN_SHANDONG_BRAND'], version: 3, updatedAt: '2025-07-09T06:42:17.508Z' }],
  },
)
export const EnterpriseSummary = component('EnterpriseSummary', Summary)

export const EnterpriseSummaryPage = component('EnterpriseSummaryPage', Type.Object({
  view: Type.Literal('summary', { description: 'The items are EnterpriseSummary (the default `view`)' }),
  items: Type.Array(EnterpriseSummary),
  nextCursor: NextCursor,
}, { description: 'A page of enterprise summaries (`view=summary`)' }))

export const EnterpriseFullPage = component('EnterpriseFullPage', Type.Object({
  view: Type.Literal('full', { description: 'The items are whole Enterprise documents' }),
  items: Type.Array(Enterprise),
  nextCursor: NextCursor,
}, { description: 'A page of whole enterprise documents (`view=full`)' }))

/** A list page; `view` says which kind of item it holds. */
export const EnterpriseListPage = component('EnterpriseListPage', Type.Unsafe<Static<typeof EnterpriseSummaryPage> | Static<typeof EnterpriseFullPage>>({
  oneOf: [{ $ref: 'EnterpriseSummaryPage#' }, { $ref: 'EnterpriseFullPage#' }],
  discriminator: { propertyName: 'view', mapping: { summary: '#/components/schemas/EnterpriseSummaryPage', full: '#/components/schemas/EnterpriseFullPage' } },
  description: 'A page of enterprises: summaries, or whole documents with `view=full`; `view` tells which',
}))

export const EnterpriseAsOfQuery = Type.Object({ asOf: AsOfFields.asOf }, { additionalProperties: false })

const ListEnterprisesQueryAll = Type.Object(
  {
    countyCode: Type.Optional(CountyCode),
    cultivationStage: Type.Optional(CultivationStage),
    list: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,63}(:\\d{4})?$', description: 'On a cultivation list: LIST or LIST:YEAR', examples: ['INDUSTRIAL_TOP50:2024'] })),
    brandStatus: Type.Optional(BrandStatus),
    businessStatus: Type.Optional(BusinessStatus),
    qualificationType: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]{2,63}$', description: 'Holds an active qualification of this type' })),
    updatedSince: Type.Optional(Instant('Changed (as recorded) at or after this moment')),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Substring of the name (企业名称关键字); one or more characters, e.g. 德州' })),
    view: Type.Enum(['summary', 'full'], {
      default: 'summary',
      description: '`summary` (default): each item is an EnterpriseSummary; `full`: the whole document, as GET /v1/enterprises/{uscc} returns it',
    }),
    limit: Limit(),
    cursor: Cursor,
    ...ExportQueryFields,
  },
  { additionalProperties: false },
)
export const ListEnterprisesQuery = withDefaults(ListEnterprisesQueryAll)
export type ListEnterprisesFilter = Static<typeof ListEnterprisesQuery>

const BatchItemResult = component('EnterpriseBatchItemResult', Type.Object({
  index: Type.Integer({ minimum: 0, description: 'Position of the item in the request' }),
  uscc: Nullable(Type.String({ description: 'The item\'s USCC, normalised, when it is a valid one; null otherwise' })),
  status: Type.Integer({ description: 'HTTP status this item would have had on its own: 201 created, 200 updated, 4xx rejected' }),
  outcome: Type.Enum(['created', 'updated', 'unchanged', 'rejected'], { description: 'What happened to this item' }),
  problem: Type.Optional(Type.Ref('Problem', { description: 'Why the item was rejected' })),
}, { description: 'The result of one item of a batch upsert' }))

/** What validation checks of a batch: the envelope; each item is checked on its own (see the route). */
export const BatchEnvelope = Type.Object(
  { items: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
)
export const BatchBody = component('EnterpriseBatch', Type.Object(
  { items: Type.Array(EnterpriseCreate, { minItems: 1, maxItems: 1000, description: 'Enterprises in the create shape; upserted by USCC. An item that fails validation is rejected on its own (or rejects the batch with `atomic=true`)' }) },
  { additionalProperties: false, description: 'Up to 1000 enterprises to create or update', examples: [{ items: [{ uscc: '91350100M000100Y43', name: '德州市华源生态科技有限公司', countyCode: '371402', cultivationStage: 'cultivating' }] }] },
))
export const BatchQuery = withDefaults(Type.Object(
  { atomic: Type.Boolean({ default: false, description: 'All or nothing: one rejected item rejects the batch and writes nothing (default false)' }) },
  { additionalProperties: false },
))
export const BatchResult = component('EnterpriseBatchResult', Type.Object({
  atomic: Type.Boolean(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Integer(),
  items: Type.Array(BatchItemResult, { description: 'One result per item, in request order' }),
}, { description: 'Counts and per-item results of a batch upsert' }))
