// Request validation with Ajv. JSON bodies are validated as sent (no type coercion: `null` stays
// null, "5" is not a number); query strings, path parameters and headers arrive as text and are
// coerced to their declared types.
import { Ajv, type ErrorObject } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { fullFormats } from 'ajv-formats/dist/formats.js'
import { fieldErrorsFromAjv } from '../plugins/errors.ts'
import type { FieldError } from './problems.ts'

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv
const options = { removeAdditional: false, useDefaults: true, allErrors: true, strict: false } as const

export const bodyAjv = addFormats(new Ajv({ ...options, coerceTypes: false }))
export const textAjv = addFormats(new Ajv({ ...options, coerceTypes: 'array' }))

// RFC 3339 allows a leap second (23:59:60), which neither JavaScript dates nor PostgreSQL
// timestamps can hold: a date-time must also be an instant `Date` can represent. Year 0000
// is refused too: PostgreSQL would store it as 1 BC.
const rfc3339 = fullFormats['date-time'] as { validate: (value: string) => boolean }
for (const ajv of [bodyAjv, textAjv]) {
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => rfc3339.validate(value) && !Number.isNaN(Date.parse(value)) && !value.startsWith('0000') })
}

/** Fastify validator compiler: the request part decides which Ajv instance validates it. */
export function compileForPart({ schema, httpPart }: { schema: object; httpPart?: string }) {
  return (httpPart === 'body' ? bodyAjv : textAjv).compile(schema)
}

export function validator<T>(schema: object): (value: unknown, pointerPrefix?: string) => { ok: true; value: T } | { ok: false; errors: FieldError[] } {
  const check = bodyAjv.compile(schema)
  return (value, pointerPrefix = '') => {
    if (check(value)) return { ok: true, value: value as T }
    const errors = fieldErrorsFromAjv((check.errors ?? []) as ErrorObject[], 'body')
    return { ok: false, errors: errors.map((e) => ({ ...e, pointer: `${pointerPrefix}${e.pointer}` })) }
  }
}
