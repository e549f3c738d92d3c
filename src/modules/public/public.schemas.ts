// Public (no token) shapes. They list only public fields; the serializer drops anything else,
// and the SQL behind them never selects contact persons, phones, e-mails, addresses or
// legal representatives in the first place.
import { Type, type Static } from 'typebox'
import { component } from '../../lib/components.ts'
import { Cursor, Instant, InstantOut, Limit, NextCursor, Nullable, withDefaults } from '../../lib/schemas.ts'
import { BRAND_STATUSES } from '../enterprises/enterprises.schemas.ts'
import { UsccParams } from '../../lib/schemas.ts'
import { EFFECTIVE_STATUSES } from '../qualifications/lifecycle.ts'

export const VERDICTS = [...BRAND_STATUSES, ...EFFECTIVE_STATUSES, 'unknown'] as const

const BrandStatus = Type.Enum([...BRAND_STATUSES], {
  description: 'listed: an active 好品山东 listing; cultivating: another active catalog qualification, or a cultivation stage or list; none',
})
const QualificationStatus = Type.Enum([...EFFECTIVE_STATUSES], { description: 'Status at asOf; expired follows from validUntil' })
const TypeCode = Type.String({ pattern: '^[A-Z][A-Z0-9_]{2,63}$', examples: ['TAISHAN_QUALITY_CERT'] })
const Usccish = Type.String({ minLength: 1, maxLength: 32, description: '统一社会信用代码 (lower case is accepted)', examples: ['91350100M000100Y43'] })

export const PublicEnterprise = component('PublicEnterprise', Type.Object({
  uscc: Type.String({ examples: ['91350100M000100Y43'] }),
  name: Type.String({ examples: ['德州市华源生态科技有限公司'] }),
  countyCode: Type.String({ examples: ['371402'] }),
  countyName: Type.String({ examples: ['德城区'] }),
  brandStatus: BrandStatus,
}, { description: 'The public face of an enterprise: name, county and brand status' }))

export const PublicDecision = component('PublicDecision', Type.Object({
  effectiveAt: InstantOut('When the change took effect'),
  authority: Nullable(Type.String({ description: 'Deciding authority', examples: ['山东省市场监督管理局'] })),
  level: Nullable(Type.Enum(['county', 'city', 'province', 'national'])),
  documentNo: Nullable(Type.String({ description: 'Decision document number (文号)', examples: ['鲁市监质发〔2025〕12号'] })),
  decidedAt: Nullable(InstantOut('When the decision was made')),
}, { description: 'The decision that suspended, revoked or withdrew a qualification (null for any other status)' }))

export const PublicQualification = component('PublicQualification', Type.Object({
  type: Type.String({ examples: ['TAISHAN_QUALITY_CERT'] }),
  typeName: Type.String({ examples: ['"泰山品质"认证'] }),
  certificateNo: Nullable(Type.String({ examples: ['TSPZ-2024-0001'] })),
  title: Nullable(Type.String({ examples: ['华源牌有机小米'] })),
  issuer: Nullable(Type.String({ examples: ['山东省市场监督管理局'] })),
  batch: Nullable(Type.String()),
  status: QualificationStatus,
  validFrom: InstantOut('Start of validity'),
  validUntil: Nullable(InstantOut('End of validity, exclusive; null = no expiry')),
  decision: Nullable(PublicDecision),
}, { description: 'A qualification as public verification shows it' }))

const StatementSchema = Type.Object(
  {
    statementId: Type.String({ format: 'uuid', description: 'Unique id of this statement; quote it when relying on it' }),
    iss: Type.String({ description: 'The registry that made the statement', examples: ['urn:haopin-registry:dezhou'] }),
    iat: Type.Integer({ description: 'When the statement was made (seconds since 1970, as in JWT)' }),
    asOf: Type.String({ format: 'date-time', description: 'The moment the statement describes' }),
    subject: Type.Object(
      { uscc: Type.Optional(Type.String()), type: Type.Optional(Type.String()), certificateNo: Type.Optional(Type.String()) },
      { description: 'What was asked: an enterprise (uscc), or a certificate (type and certificateNo)' },
    ),
    status: Type.Enum([...VERDICTS], {
      description:
        'The answer. For an enterprise: its brand status (listed, cultivating, none). For a certificate: its status at asOf. ' +
        '`unknown`: the registry holds no such enterprise or certificate — never treat that as genuine.',
    }),
    enterprise: Nullable(PublicEnterprise),
    qualifications: Type.Array(PublicQualification, {
      description: 'For an enterprise: its qualifications known to the registry except annulled ones, listings first. For a certificate: that certificate.',
    }),
  },
  {
    examples: [
      {
        statementId: '6f1c1f3e-2b8e-4c59-9b1e-3c2a4f0d9a11',
        iss: 'urn:haopin-registry:dezhou',
        iat: 1764129600,
        asOf: '2025-11-26T04:00:00.000Z',
        subject: { uscc: '91350100M000100Y43' },
        status: 'listed',
        enterprise: { uscc: '91350100M000100Y43', name: '德州市华源生态科技有限公司', countyCode: '371402', countyName: '德城区', brandStatus: 'listed' },
        qualifications: [
          { type: 'HAOPIN_SHANDONG_BRAND', typeName: '"好品山东"品牌', certificateNo: null, title: '华源', issuer: '山东省人民政府', batch: '2023年第二批', status: 'active', validFrom: '2023-12-19T16:00:00.000Z', validUntil: null, decision: null },
          { type: 'TAISHAN_QUALITY_CERT', typeName: '"泰山品质"认证', certificateNo: 'TSPZ-2024-0001', title: '华源牌有机小米', issuer: '山东省市场监督管理局', batch: null, status: 'active', validFrom: '2024-03-14T16:00:00.000Z', validUntil: '2027-03-14T16:00:00.000Z', decision: null },
          { type: 'TAISHAN_QUALITY_CERT', typeName: '"泰山品质"认证', certificateNo: 'TSPZ-2021-0107', title: '华源牌杂粮礼盒', issuer: '山东省市场监督管理局', batch: null, status: 'revoked', validFrom: '2021-05-09T16:00:00.000Z', validUntil: '2024-05-09T16:00:00.000Z',
            decision: { effectiveAt: '2023-06-30T16:00:00.000Z', authority: '山东省市场监督管理局', level: 'province', documentNo: '鲁市监质发〔2023〕31号', decidedAt: '2023-06-19T16:00:00.000Z' } },
        ],
      },
      {
        statementId: '0b8f5a4e-7d0c-4d5e-8f7a-1e2d3c4b5a69',
        iss: 'urn:haopin-registry:dezhou',
        iat: 1764129600,
        asOf: '2025-11-26T04:00:00.000Z',
        subject: { type: 'TAISHAN_QUALITY_CERT', certificateNo: 'TSPZ-2099-9999' },
        status: 'unknown',
        enterprise: null,
        qualifications: [],
      },
    ],
    description: 'What the registry says about an enterprise or a certificate at a moment (核验声明)',
  },
)
export type StatementDto = Static<typeof StatementSchema>
export const Statement = component('VerificationStatement', StatementSchema)

// Unknown parameters are accepted and ignored: links shared in WeChat gain `from=singlemessage&isappinstalled=0`.
export const VerifyQuery = Type.Object(
  {
    uscc: Type.Optional(Usccish),
    certificateNo: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'With `type`', examples: ['TSPZ-2024-0001'] })),
    type: Type.Optional(TypeCode),
    asOf: Type.Optional(Instant('Answer for this moment (default: now)')),
    format: Type.Optional(Type.Enum(['json', 'jws'], { description: 'jws: the same statement as a compact JWS (also chosen by `Accept: application/jose`)' })),
  },
  { additionalProperties: true, description: 'Other parameters (such as WeChat\'s `from`, `isappinstalled`) are ignored' },
)
export type VerifyQueryInput = Static<typeof VerifyQuery>

export const CompactJws = component('VerificationStatementJws', Type.String({
  pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
  description: `Compact JWS (RFC 7515) of the statement JSON; header \`alg\` EdDSA or ES256, \`kid\` from /.well-known/jwks.json, \`typ\` verification-statement+jws`,
  examples: ['eyJhbGciOiJFZERTQSIsImtpZCI6ImRldi1zaWduaW5nLWtleSIsInR5cCI6InZlcmlmaWNhdGlvbi1zdGF0ZW1lbnQrandzIn0.eyJzdGF0ZW1lbnRJZCI6Ii4uLiJ9.c2lnbmF0dXJl'],
}))

export const ShowcaseItem = component('ShowcaseItem', Type.Object({
  uscc: Type.String({ examples: ['91350100M000100Y43'] }),
  name: Type.String({ examples: ['德州市华源生态科技有限公司'] }),
  countyCode: Type.String({ examples: ['371402'] }),
  countyName: Type.String({ examples: ['德城区'] }),
  brandStatus: BrandStatus,
  qualifications: Type.Array(
    Type.Object({
      type: Type.String(),
      typeName: Type.String(),
      listing: Type.Boolean({ description: 'A 好品山东 listing' }),
      certificateNo: Nullable(Type.String()),
      title: Nullable(Type.String()),
      batch: Nullable(Type.String()),
      validFrom: InstantOut(),
      validUntil: Nullable(InstantOut()),
    }),
    { description: 'Active qualifications, listings first' },
  ),
}, { description: 'A listed enterprise with its active qualifications' }))

export const ShowcasePage = component('ShowcasePage', Type.Object({
  asOf: InstantOut('The moment the page describes'),
  items: Type.Array(ShowcaseItem),
  nextCursor: NextCursor,
}, {
  description: 'A page of the 好品山东 showcase',
  examples: [{
    asOf: '2025-11-26T04:00:00.000Z',
    items: [{
      uscc: '91350100M000100Y43',
      name: '德州市华源生态科技有限公司',
      countyCode: '371402',
      countyName: '德城区',
      brandStatus: 'listed',
      qualifications: [
        { type: 'HAOPIN_SHANDONG_BRAND', typeName: '"好品山东"品牌', listing: true, certificateNo: null, title: '华源', batch: '2023年第二批', validFrom: '2023-12-19T16:00:00.000Z', validUntil: null },
        { type: 'TAISHAN_QUALITY_CERT', typeName: '"泰山品质"认证', listing: false, certificateNo: 'TSPZ-2024-0001', title: '华源牌有机小米', batch: null, validFrom: '2024-03-14T16:00:00.000Z', validUntil: '2027-03-14T16:00:00.000Z' },
      ],
    }],
    nextCursor: null,
  }],
}))

export const ShowcaseQuery = withDefaults(Type.Object(
  {
    countyCode: Type.Optional(Type.String({ pattern: '^\\d{6}$', examples: ['371402'] })),
    type: Type.Optional(Type.String({ pattern: '^[A-Z][A-Z0-9_]{2,63}$', description: 'Only enterprises that also hold an active qualification of this type', examples: ['TAISHAN_QUALITY_CERT'] })),
    limit: Limit(),
    cursor: Cursor,
  },
  { additionalProperties: true, description: 'Other parameters are ignored' },
))
export type ShowcaseQueryInput = Static<typeof ShowcaseQuery>

export const Jwks = component('JsonWebKeySet', Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          kty: Type.String({ examples: ['OKP'] }),
          crv: Type.String({ examples: ['Ed25519'] }),
          x: Type.String(),
          y: Type.Optional(Type.String()),
          kid: Type.String(),
          alg: Type.String({ examples: ['EdDSA'] }),
          use: Type.String({ examples: ['sig'] }),
        },
        { description: 'A public key; private members are never published' },
      ),
    ),
  },
  { examples: [{ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'dev-signing-key-2025-11-26', alg: 'EdDSA', use: 'sig' }] }], description: 'The public keys that verify signed statements (RFC 7517 JWK Set)' },
))

/** The page for people: path parameters and the (ignored) parameters a shared link may carry. */
export const VerifyPageUsccParams = UsccParams
export const VerifyPageCertificateParams = Type.Object({
  type: Type.String({ maxLength: 64, description: 'Catalog code of the certificate\'s type', examples: ['TAISHAN_QUALITY_CERT'] }),
  certificateNo: Type.String({ maxLength: 100, description: 'Certificate number (证书编号)', examples: ['TSPZ-2024-0001'] }),
})
export const VerifyPageQuery = Type.Object(
  { asOf: Type.Optional(Instant('Answer for this moment (default: now)')) },
  { additionalProperties: true, description: 'Other parameters (such as WeChat\'s `from`, `isappinstalled`) are ignored' },
)
export const VerifyPage = component('VerifyPage', Type.String({
  description: 'A mobile-friendly page in Chinese: the enterprise, its county and each qualification with its validity, or who revoked it when (文号), or that the registry holds no such record; with links to the signed statement',
}))
