// TypeBox schemas shared by the routes of several modules: one declaration each.
import { Type, type TObject } from 'typebox'
import { INSTANT_FORMS } from './time.ts'

/** The schema, or null. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

/** A string enum from a list of literal values. */
export const literalUnion = <V extends string[]>(values: readonly [...V], description?: string) =>
  Type.Enum<V>(values, description ? { description } : {})

/**
 * A date-time input: RFC 3339 with its offset, or a calendar date meaning the start of that day in
 * Asia/Shanghai (src/lib/time.ts reads both). The contract says so, so that validating proxies and
 * generated clients accept calendar dates too.
 */
export const Instant = (description: string, example = '2025-07-01T00:00:00+08:00') =>
  Type.Unsafe<string>({
    type: 'string',
    anyOf: [{ format: 'date-time' }, { format: 'date' }],
    description: `${description}. Accepts ${INSTANT_FORMS}`,
    examples: [example, example.slice(0, 10)],
  })

/** A date-time the registry answers with: always UTC, with milliseconds. */
export const InstantOut = (description?: string) =>
  Type.String({ format: 'date-time', ...(description ? { description } : {}), examples: ['2025-06-30T16:00:00.000Z'] })

export const UsccParams = Type.Object({ uscc: Type.String({ maxLength: 64, description: '统一社会信用代码 (lower case is accepted)', examples: ['91350100M000100Y43'] }) })

export const IfMatchHeaders = (description = 'ETag of the resource as you read it; 412 when it has changed since') =>
  Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 512, description })) })
export const IfNoneMatchHeaders = Type.Object({
  'if-none-match': Type.Optional(Type.String({ maxLength: 512, description: 'The ETag you hold: 304 (no body) when it is still current' })),
})

/**
 * An object schema (a query string, usually) whose properties with a `default` are optional on the
 * wire; its static type stays the value after validation, when Ajv has filled the defaults in.
 */
export function withDefaults<T extends TObject>(schema: T): T {
  const required = (schema.required ?? []).filter((key: string) => !('default' in (schema.properties[key] as object)))
  const { required: _all, ...rest } = schema as T & { required?: string[] }
  return (required.length > 0 ? { ...rest, required } : rest) as T
}

/** Page size of a list, defaulted (see withDefaults). */
export const Limit = (max = 200, fallback = 50) =>
  Type.Integer({ minimum: 1, maximum: max, default: fallback, description: `Items per page (1–${max}, default ${fallback})` })
export const Cursor = Type.Optional(Type.String({ maxLength: 512, description: 'The `nextCursor` of the previous page' }))
export const NextCursor = Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last page' }))

/** The two moments of an as-of read. */
export const AsOfFields = {
  asOf: Type.Optional(Instant('Answer for this moment (default: now)')),
  knownAt: Type.Optional(Instant('Answer with what the registry had recorded by this moment (default: now; later moments count as now)')),
}
