// The audit trail's shapes. An entry's `before` and `after` hold the document of the entity it
// names, so each entity type has its own entry shape, told apart by `entityType`.
import { Type, type Static } from 'typebox'
import { changedFieldsOf, component } from '../../lib/components.ts'
import { Cursor, Instant, InstantOut, Limit, Nullable, withDefaults } from '../../lib/schemas.ts'
// The documents' components are registered by their modules' schemas.
import '../enterprises/enterprises.schemas.ts'
import '../qualifications/qualifications.schemas.ts'
import '../reference/reference.schemas.ts'
import '../supervision/supervision.schemas.ts'
import '../incentives/incentives.schemas.ts'

const entryFields = {
  id: Type.String({ description: 'Position in the chain (decimal string): the order in which entries were chained, an order of their commits', examples: ['1024'] }),
  at: InstantOut('When the write was recorded'),
  actor: Type.Object({ sub: Type.String(), county: Nullable(Type.String()), dept: Nullable(Type.String()) }, { description: 'Who wrote (from the token)' }),
  requestId: Nullable(Type.String()),
  operation: Type.String({ examples: ['enterprise.update'] }),
  entityId: Type.String(),
  payloadFormat: Type.Enum(['document', 'legacy'], {
    description:
      '`document`: `before` and `after` are the entity\'s document as its own GET returns it (null before a creation). ' +
      '`legacy`: an entry written before that convention, holding what its operation chose then (the changed fields, or the status and version)',
  }),
  occurredAt: Nullable(InstantOut('When the change happened in the world, where the entity records it')),
  effectiveAt: Nullable(InstantOut('When the change takes effect, where the entity records it')),
  prevHash: Type.String({ description: 'Hash of the previous position' }),
  hash: Type.String({ description: 'SHA-256 (hex) of the previous hash and this entry' }),
}

/**
 * Entities whose writes the trail records: [entityType, entry component, document component].
 * A new domain whose writes are audited adds its line here (an entry of an unlisted type breaks the contract).
 */
const AUDITED: [string, string, string][] = [
  ['enterprise', 'EnterpriseAuditEvent', 'Enterprise'],
  ['qualification', 'QualificationAuditEvent', 'Qualification'],
  ['qualification_event', 'QualificationEventAuditEvent', 'QualificationEvent'],
  ['qualification_type', 'QualificationTypeAuditEvent', 'QualificationType'],
  ['supervision_case', 'SupervisionCaseAuditEvent', 'SupervisionCase'],
  ['supervision_event', 'SupervisionEventAuditEvent', 'SupervisionEvent'],
  ['incentive_program', 'IncentiveProgramAuditEvent', 'IncentiveProgram'],
  ['incentive_rule_set', 'IncentiveRuleSetAuditEvent', 'IncentiveRuleSet'],
]

const variants = AUDITED.map(([entityType, name, document]) =>
  component(name, Type.Object({
    ...entryFields,
    entityType: Type.Literal(entityType),
    before: Nullable(changedFieldsOf(document, `The ${document} before the write (its fields as in ${document}; legacy entries: only the changed ones); null on creation`)),
    after: Nullable(changedFieldsOf(document, `The ${document} after the write (its fields as in ${document}; legacy entries: only the changed ones)`)),
  }, { description: `An audit entry about a ${entityType}` })),
)

export interface AuditEventDto {
  id: string
  at: string
  actor: { sub: string; county: string | null; dept: string | null }
  requestId: string | null
  operation: string
  entityType: string
  entityId: string
  payloadFormat: 'document' | 'legacy'
  before: unknown
  after: unknown
  occurredAt: string | null
  effectiveAt: string | null
  prevHash: string
  hash: string
}

export const AuditEvent = component('AuditEvent', Type.Unsafe<AuditEventDto>({
  oneOf: variants,
  discriminator: {
    propertyName: 'entityType',
    mapping: Object.fromEntries(AUDITED.map(([entityType, name]) => [entityType, `#/components/schemas/${name}`])),
  },
  description: 'An entry of the audit trail; `entityType` tells which document `before` and `after` hold',
}))

export const AuditPage = component('AuditEventPage', Type.Object({
  items: Type.Array(AuditEvent),
  nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page' })),
}, { description: 'A page of the audit trail, oldest first' }))

/**
 * Operations the registry writes to the trail (and so the only values the list's `operation` filter
 * accepts); a module that audits a new operation adds it here. Entity types are their prefixes.
 */
export const AUDIT_OPERATIONS = [
  'enterprise.create',
  'enterprise.update',
  'qualification.grant',
  'qualification.change_status',
  'qualification_event.create',
  'qualification_type.create',
  'qualification_type.update',
  'supervision_case.open',
  'supervision_case.event',
  'supervision_event.create',
  'target.update',
  'target_definition.create',
  'target_measurement.create',
  'incentive_program.create',
  'incentive_program.update',
  'incentive_rule_set.create',
] as const
export const AUDIT_ENTITY_TYPES = [...new Set(AUDIT_OPERATIONS.map((o) => o.split('.')[0]!))]

export const AuditQuery = withDefaults(Type.Object(
  {
    entityType: Type.Optional(Type.String({ maxLength: 64, description: `One of: ${AUDIT_ENTITY_TYPES.join(', ')} (400 for any other)`, examples: ['enterprise'] })),
    entityId: Type.Optional(Type.String({ maxLength: 128 })),
    actor: Type.Optional(Type.String({ maxLength: 256, description: 'The `sub` of the token that wrote' })),
    operation: Type.Optional(Type.String({ maxLength: 64, description: `One of: ${AUDIT_OPERATIONS.join(', ')} (400 for any other)`, examples: ['qualification.change_status'] })),
    countyCode: Type.Optional(Type.String({
      pattern: '^\\d{6}$',
      description: 'Entries about enterprises of this county, their qualifications and their history events, by the county when the entry was written (entries about city-wide things, such as the catalog or targets, have no county)',
      examples: ['371402'],
    })),
    from: Type.Optional(Instant('Recorded at or after this moment')),
    to: Type.Optional(Instant('Recorded before this moment')),
    limit: Limit(500, 100),
    cursor: Cursor,
  },
  { additionalProperties: false },
))
export type AuditQueryInput = Static<typeof AuditQuery>

const HASH = { pattern: '^[0-9a-f]{64}$', examples: ['9f2c4e0a7d1b3c5e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e'] }

export const ChainReport = component('AuditChainReport', Type.Object({
  valid: Type.Boolean({ description: 'True when no link is broken, no entry is missing from the trail and every checkpoint agrees with the chain' }),
  entries: Type.Integer({ description: 'Entries in the chain' }),
  pending: Type.Integer({ description: 'Entries written but not chained yet: writes that committed while this verification ran' }),
  unchained: Type.Integer({ description: 'Entries recorded but neither chained nor pending: writes that were taken out of the trail (should be 0)' }),
  firstUnchained: Nullable(Type.Object({ eventId: Type.String({ description: 'The internal id of the first such entry' }) })),
  head: Nullable(Type.Object({ id: Type.String(), hash: Type.String() }, { description: 'Record this pair elsewhere: a later verification proves nothing before it was rewritten or cut off' })),
  firstBroken: Nullable(Type.Object({ id: Type.String(), reason: Type.Enum(['hash_mismatch', 'link_mismatch']) })),
  checkpoints: Type.Object({
    checked: Type.Integer({ description: 'Signed checkpoints compared with the chain' }),
    firstMismatch: Nullable(Type.Object({
      id: Type.String({ description: 'The checkpoint\'s position in the chain' }),
      reason: Type.Enum(['truncated', 'rewritten', 'bad_signature'], {
        description: '`truncated`: the chain no longer reaches this position; `rewritten`: it holds another hash there; `bad_signature`: the stored checkpoint is not signed by the registry\'s key',
      }),
    })),
  }, { description: 'The chain against its signed checkpoints (GET /v1/audit-checkpoints)' }),
  checkedAt: InstantOut(),
}, { description: 'The result of recomputing the hash chain' }))

export const AuditCheckpoint = component('AuditCheckpoint', Type.Object({
  id: Type.String({ description: 'The chain position whose hash was signed (an audit entry id)', examples: ['1024'] }),
  hash: Type.String({ description: 'The hash of the entry at that position', ...HASH }),
  signedAt: InstantOut('When the registry signed it'),
  jws: Type.String({
    description:
      'Compact JWS (header `typ: audit-checkpoint+jws`, key in /.well-known/jwks.json) over the JSON text ' +
      '`{"typ":"audit-checkpoint","seq":"<id>","hash":"<hash>","signedAt":"<signedAt>"}`: keep it to check the chain later, offline',
  }),
}, { description: 'A signed checkpoint of the audit chain\'s head' }))

export const AuditCheckpointPage = component('AuditCheckpointPage', Type.Object({
  items: Type.Array(AuditCheckpoint),
  nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next (older) page; null on the last page' })),
}, { description: 'Signed checkpoints, newest first' }))

export const CheckpointQuery = withDefaults(Type.Object(
  { limit: Limit(500, 100), cursor: Cursor },
  { additionalProperties: true },
))
export type CheckpointQueryInput = Static<typeof CheckpointQuery>
