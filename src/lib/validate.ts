// Request validation with Ajv. JSON bodies are validated as sent (no type coercion: `null` stays
// null, "5" is not a number); query strings, path parameters and headers arrive as text and are
// coerced to their declared types.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { fullFormats } from 'ajv-formats/dist/formats.js'
import { fieldErrorsFromAjv } from '../plugins/errors.ts'
import { components } from './components.ts'
import type { FieldError } from './problems.ts'
import { REGISTRY_OFFSET, representable } from './time.ts'

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv
const options = { removeAdditional: false, useDefaults: true, allErrors: true, strict: false } as const

export const bodyAjv = addFormats(new Ajv({ ...options, coerceTypes: false }))
export const textAjv = addFormats(new Ajv({ ...options, coerceTypes: 'array' }))

// RFC 3339 allows a leap second (23:59:60), which neither JavaScript dates nor PostgreSQL
// timestamps can hold: a date-time must also be an instant `Date` can represent, and fall in UTC
// years 0001–9999, which PostgreSQL stores and the registry writes back as RFC 3339
// (`0001-01-01T00:00:00+23:59` is in year 0 UTC, i.e. 1 BC; `9999-12-31T23:59:59-23:59` in 10000).
const rfc3339 = fullFormats['date-time'] as { validate: (value: string) => boolean }
const calendarDate = fullFormats.date as { validate: (value: string) => boolean }
for (const ajv of [bodyAjv, textAjv]) {
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => rfc3339.validate(value) && representable(Date.parse(value)) })
  // A calendar date: the start of that day in Asia/Shanghai (see src/lib/time.ts), within the same years.
  ajv.addFormat('date', { type: 'string', validate: (value: string) => calendarDate.validate(value) && representable(Date.parse(`${value}T00:00:00${REGISTRY_OFFSET}`)) })
}

/** The named schemas (src/lib/components.ts) that route schemas refer to, added once. */
const added = new WeakMap<Ajv, Set<string>>()
function withComponents(ajv: Ajv): Ajv {
  const ids = added.get(ajv) ?? new Set<string>()
  added.set(ajv, ids)
  for (const schema of components()) {
    const id = schema.$id as string
    if (!ids.has(id)) {
      ajv.addSchema(schema)
      ids.add(id)
    }
  }
  return ajv
}

/**
 * Fastify validator compiler: the request part decides which Ajv instance validates it. Each
 * validator is compiled on its first request, not at start (start-up time, docs/performance.md).
 */
export function compileForPart({ schema, httpPart }: { schema: object; httpPart?: string }) {
  let compiled: ValidateFunction | undefined
  const validate = (data: unknown) => {
    compiled ??= withComponents(httpPart === 'body' ? bodyAjv : textAjv).compile(schema)
    const valid = compiled(data)
    validate.errors = compiled.errors
    return valid
  }
  validate.errors = null as ValidateFunction['errors']
  return validate
}

/** A body schema compiled with the named schemas it refers to, for callers that read Ajv's own errors. */
export const compileBody = (schema: object): ValidateFunction => withComponents(bodyAjv).compile(schema)

export function validator<T>(schema: object): (value: unknown, pointerPrefix?: string) => { ok: true; value: T } | { ok: false; errors: FieldError[] } {
  const check = withComponents(bodyAjv).compile(schema)
  return (value, pointerPrefix = '') => {
    if (check(value)) return { ok: true, value: value as T }
    const errors = fieldErrorsFromAjv((check.errors ?? []) as ErrorObject[], 'body')
    return { ok: false, errors: errors.map((e) => ({ ...e, pointer: `${pointerPrefix}${e.pointer}` })) }
  }
}
