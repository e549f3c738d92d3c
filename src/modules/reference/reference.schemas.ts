import { Type, type Static } from 'typebox'
import { component } from '../../lib/components.ts'
import { InstantOut } from '../../lib/schemas.ts'

export const County = component('County', Type.Object({
  code: Type.String({ pattern: '^\\d{6}$', examples: ['371402'] }),
  name: Type.String({ examples: ['德城区'] }),
  kind: Type.Union([Type.Literal('district'), Type.Literal('county'), Type.Literal('county_city'), Type.Literal('functional_zone')]),
  validFrom: Type.String({ format: 'date' }),
  validUntil: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  successorCode: Type.Union([Type.String(), Type.Null()], { description: 'For a retired code, the code that replaced it' }),
  retired: Type.Boolean(),
}, { description: 'A county-level division of 德州市 (县市区、功能区)' }))

export const Department = component('Department', Type.Object({
  code: Type.String({ examples: ['MARKET_REGULATION'] }),
  name: Type.String({ examples: ['市市场监管局'] }),
}, { description: 'A responsible department (责任单位)' }))

const Level = Type.Union([Type.Literal('national'), Type.Literal('provincial'), Type.Literal('municipal')])
const Domain = Type.Union([Type.Literal('product'), Type.Literal('engineering'), Type.Literal('service'), Type.Literal('enterprise')])
const TypeCode = Type.String({ pattern: '^[A-Z][A-Z0-9_]{2,63}$', examples: ['TAISHAN_QUALITY_CERT'] })

const TypeFields = {
  name: Type.String({ minLength: 1, maxLength: 200, examples: ['"泰山品质"认证'] }),
  level: Level,
  domain: Domain,
  leadDepartmentCode: Type.String({ minLength: 1, maxLength: 64, examples: ['MARKET_REGULATION'] }),
  certificateBased: Type.Boolean({ description: 'Each qualification of this type carries a certificate (or standard) number' }),
  defaultValidityMonths: Type.Union([Type.Integer({ minimum: 1, maximum: 1200 }), Type.Null()], { description: 'Validity applied when a grant gives no validUntil; null = no expiry' }),
  countsAsListing: Type.Boolean({ description: 'An active qualification of this type is a 好品山东 listing' }),
  isStandard: Type.Boolean({ description: 'Records an enterprise or group standard (certificateNo holds the standard number)' }),
}

const QualificationTypeSchema = Type.Object({
  code: TypeCode,
  ...TypeFields,
  version: Type.Integer(),
  createdAt: InstantOut(),
  updatedAt: InstantOut(),
}, { description: 'A catalog entry: a brand, certificate, award or standard type (资质类型)' })
export type QualificationTypeDto = Static<typeof QualificationTypeSchema>
export const QualificationType = component('QualificationType', QualificationTypeSchema)

export const CreateQualificationType = component('QualificationTypeCreate', Type.Object(
  {
    code: TypeCode,
    name: TypeFields.name,
    level: Level,
    domain: Domain,
    leadDepartmentCode: TypeFields.leadDepartmentCode,
    certificateBased: TypeFields.certificateBased,
    defaultValidityMonths: Type.Optional(TypeFields.defaultValidityMonths),
    countsAsListing: Type.Optional(TypeFields.countsAsListing),
    isStandard: Type.Optional(TypeFields.isStandard),
  },
  {
    additionalProperties: false,
    examples: [{ code: 'GREEN_FOOD_CERT', name: '绿色食品认证', level: 'national', domain: 'product', leadDepartmentCode: 'AGRICULTURE_RURAL', certificateBased: true, defaultValidityMonths: 36 }],
    description: 'A catalog entry to add',
  },
))
export type CreateQualificationTypeInput = Static<typeof CreateQualificationType>

export const PatchQualificationType = component('QualificationTypePatch', Type.Object(
  {
    name: Type.Optional(TypeFields.name),
    level: Type.Optional(Level),
    domain: Type.Optional(Domain),
    leadDepartmentCode: Type.Optional(TypeFields.leadDepartmentCode),
    certificateBased: Type.Optional(TypeFields.certificateBased),
    defaultValidityMonths: Type.Optional(TypeFields.defaultValidityMonths),
    countsAsListing: Type.Optional(TypeFields.countsAsListing),
    isStandard: Type.Optional(TypeFields.isStandard),
  },
  { additionalProperties: false, examples: [{ defaultValidityMonths: 24 }], description: 'JSON Merge Patch of a catalog entry (the code cannot change)' },
))
export type PatchQualificationTypeInput = Static<typeof PatchQualificationType>

export const TypeCodeParams = Type.Object({ code: Type.String({ maxLength: 64 }) })
export const CountyList = component('CountyList', Type.Object({ items: Type.Array(County) }, { description: 'Every county' }))
export const DepartmentList = component('DepartmentList', Type.Object({ items: Type.Array(Department) }, { description: 'Every department' }))
export const QualificationTypeList = component('QualificationTypeList', Type.Object({ items: Type.Array(QualificationType) }, { description: 'The catalog' }))
