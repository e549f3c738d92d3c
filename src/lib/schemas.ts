// TypeBox schemas shared by the routes of several modules: one declaration each.
import { Type } from 'typebox'

/** The schema, or null. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

/** A string enum from a list of literal values. */
export const literalUnion = <V extends string[]>(values: readonly [...V], description?: string) =>
  Type.Enum<V>(values, description ? { description } : {})

/** A date-time input (RFC 3339 with offset). */
export const Instant = (description: string, example = '2024-03-15T00:00:00.000Z') =>
  Type.String({ format: 'date-time', description, examples: [example] })

export const UsccParams = Type.Object({ uscc: Type.String({ maxLength: 64 }) })

export const IfMatchHeaders = (description?: string) =>
  Type.Object({ 'if-match': Type.Optional(Type.String(description ? { maxLength: 512, description } : { maxLength: 512 })) })
export const IfNoneMatchHeaders = Type.Object({ 'if-none-match': Type.Optional(Type.String({ maxLength: 512 })) })
export const NotModified = Type.Null({ description: 'Not modified: If-None-Match names the current ETag' })

/** The two moments of an as-of read. */
export const AsOfFields = {
  asOf: Type.Optional(Instant('Answer for this moment (default: now)')),
  knownAt: Type.Optional(Instant('Answer with what the registry had recorded by this moment (default: now; later moments count as now)')),
}
