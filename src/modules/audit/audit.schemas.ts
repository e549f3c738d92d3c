import { Type, type Static } from 'typebox'
import { Instant, Nullable } from '../../lib/schemas.ts'

export const AuditEvent = Type.Object({
  id: Type.String({ description: 'Position in the chain (decimal string): the order in which entries were chained, an order of their commits' }),
  at: Type.String({ format: 'date-time', description: 'When the write was recorded' }),
  actor: Type.Object({ sub: Type.String(), county: Nullable(Type.String()), dept: Nullable(Type.String()) }),
  requestId: Nullable(Type.String()),
  operation: Type.String({ examples: ['enterprise.update'] }),
  entityType: Type.String({ examples: ['enterprise'] }),
  entityId: Type.String(),
  payloadFormat: Type.Union([Type.Literal('document'), Type.Literal('legacy')], {
    description:
      '`document`: `before` and `after` are the entity\'s public document as its own GET returns it (null before a creation). ' +
      '`legacy`: an entry written before that convention, holding what its operation chose then (the changed fields, or the status and version)',
  }),
  before: Type.Unknown({ description: 'The entity before the write (see payloadFormat); null on creation' }),
  after: Type.Unknown({ description: 'The entity after the write (see payloadFormat)' }),
  occurredAt: Nullable(Type.String({ format: 'date-time', description: 'When the change happened in the world, where the entity records it' })),
  effectiveAt: Nullable(Type.String({ format: 'date-time', description: 'When the change takes effect, where the entity records it' })),
  prevHash: Type.String(),
  hash: Type.String(),
})
export type AuditEventDto = Static<typeof AuditEvent>

export const AuditPage = Type.Object({ items: Type.Array(AuditEvent), nextCursor: Nullable(Type.String()) })

export const AuditQuery = Type.Object(
  {
    entityType: Type.Optional(Type.String({ maxLength: 64 })),
    entityId: Type.Optional(Type.String({ maxLength: 128 })),
    actor: Type.Optional(Type.String({ maxLength: 256, description: 'The `sub` of the token that wrote' })),
    operation: Type.Optional(Type.String({ maxLength: 64 })),
    from: Type.Optional(Instant('Recorded at or after this moment')),
    to: Type.Optional(Instant('Recorded before this moment')),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
)
export type AuditQueryInput = Static<typeof AuditQuery>

export const ChainReport = Type.Object({
  valid: Type.Boolean(),
  entries: Type.Integer({ description: 'Entries in the chain' }),
  pending: Type.Integer({ description: 'Entries written but not chained yet: writes that committed while this verification ran' }),
  head: Nullable(Type.Object({ id: Type.String(), hash: Type.String() }, { description: 'Record this pair elsewhere: a later verification proves nothing before it was rewritten or cut off' })),
  firstBroken: Nullable(Type.Object({ id: Type.String(), reason: Type.Union([Type.Literal('hash_mismatch'), Type.Literal('link_mismatch')]) })),
  checkedAt: Type.String({ format: 'date-time' }),
})
