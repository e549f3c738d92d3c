import { Type, type Static } from 'typebox'
import { AsOfFields, Nullable } from '../../lib/schemas.ts'

export const CULTIVATION_STAGES = ['planned', 'cultivating', 'established'] as const
export const BUSINESS_STATUSES = ['operating', 'abnormal', 'revoked', 'deregistered'] as const
export const BRAND_STATUSES = ['listed', 'cultivating', 'none'] as const

const literalUnion = <const T extends readonly string[]>(values: T, description: string) => Type.Enum([...values] as T[number][], { description })

export const CultivationStage = literalUnion(CULTIVATION_STAGES, 'planned 规划一批, cultivating 培育一批, established 创建一批')
export const BusinessStatus = literalUnion(BUSINESS_STATUSES, 'operating 存续, abnormal 经营异常, revoked 吊销, deregistered 注销')
export const BrandStatus = literalUnion(BRAND_STATUSES, 'listed: active 好品山东 listing; cultivating: other active qualification, cultivation stage or list; none')

export const UsccField = Type.String({
  minLength: 1,
  maxLength: 32,
  description: '统一社会信用代码 (GB 32100-2015), 18 characters; lower case is accepted and normalised',
  examples: ['91350100M000100Y43'],
})
export const CountyCode = Type.String({ pattern: '^\\d{6}$', description: 'County division code (GET /v1/counties)', examples: ['371402'] })

const Contact = Type.Object(
  {
    name: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 40, pattern: '^[0-9+()\\- ]{3,40}$' }))),
    email: Type.Optional(Nullable(Type.String({ maxLength: 254, format: 'email' }))),
  },
  { additionalProperties: false, description: 'Contact person; never shown publicly' },
)

export const CultivationListEntry = Type.Object(
  {
    list: Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,63}$', description: 'Named cultivation list, e.g. INDUSTRIAL_TOP50 (工业企业50强)', examples: ['INDUSTRIAL_TOP50'] }),
    year: Type.Integer({ minimum: 1990, maximum: 2200, examples: [2024] }),
  },
  { additionalProperties: false },
)

const EditableFields = {
  name: Type.String({ minLength: 1, maxLength: 200, examples: ['德州市华源生态科技有限公司'] }),
  countyCode: CountyCode,
  industryCode: Nullable(Type.String({ pattern: '^[A-T](\\d{2}(\\d{1,2})?)?$', description: 'GB/T 4754 industry code, e.g. C or C13 or C1391', examples: ['C1391'] })),
  address: Nullable(Type.String({ maxLength: 500 })),
  legalRepresentative: Nullable(Type.String({ maxLength: 100 })),
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

export const ActiveQualificationSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String({ examples: ['HAOPIN_SHANDONG_BRAND'] }),
  typeName: Type.String(),
  certificateNo: Nullable(Type.String()),
  validFrom: Type.String({ format: 'date-time' }),
  validUntil: Nullable(Type.String({ format: 'date-time' })),
})

export const Enterprise = Type.Object({
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
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

export const EnterpriseSummary = Type.Object(
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
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { description: 'An enterprise as a list item (view=summary): identity, status and active qualification types; GET /v1/enterprises/{uscc} for the rest' },
)

export const EnterprisePage = Type.Object({
  items: Type.Array(Type.Union([EnterpriseSummary, Enterprise]), {
    description: 'Enterprise summaries, or whole enterprise documents with `view=full`',
  }),
  nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page' })),
})

export const EnterpriseAsOfQuery = Type.Object({ asOf: AsOfFields.asOf }, { additionalProperties: false })

export const ListEnterprisesQuery = Type.Object(
  {
    countyCode: Type.Optional(CountyCode),
    cultivationStage: Type.Optional(CultivationStage),
    list: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,63}(:\\d{4})?$', description: 'On a cultivation list: LIST or LIST:YEAR', examples: ['INDUSTRIAL_TOP50:2024'] })),
    brandStatus: Type.Optional(BrandStatus),
    businessStatus: Type.Optional(BusinessStatus),
    qualificationType: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]{2,63}$', description: 'Holds an active qualification of this type' })),
    updatedSince: Type.Optional(Type.String({ format: 'date-time' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Substring of the name; one or more characters, e.g. 德州' })),
    view: Type.Union([Type.Literal('summary'), Type.Literal('full')], {
      default: 'summary',
      description: '`summary` (default): each item is an EnterpriseSummary; `full`: the whole document, as GET /v1/enterprises/{uscc} returns it',
    }),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
)
export type ListEnterprisesFilter = Static<typeof ListEnterprisesQuery>

const BatchItemResult = Type.Object({
  index: Type.Integer(),
  uscc: Nullable(Type.String()),
  status: Type.Integer({ description: 'HTTP status this item would have had on its own: 201 created, 200 updated, 4xx rejected' }),
  outcome: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged'), Type.Literal('rejected')]),
  problem: Type.Optional(Type.Ref('Problem')),
})

export const BatchBody = Type.Object(
  { items: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000, description: 'Enterprises in the create shape; upserted by USCC' }) },
  { additionalProperties: false },
)
export const BatchQuery = Type.Object(
  { atomic: Type.Boolean({ default: false, description: 'All or nothing: one rejected item rejects the batch and writes nothing' }) },
  { additionalProperties: false },
)
export const BatchResult = Type.Object({
  atomic: Type.Boolean(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Integer(),
  items: Type.Array(BatchItemResult),
})
