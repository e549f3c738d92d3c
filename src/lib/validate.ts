// Validates a value against a route-style JSON schema with the same Ajv settings Fastify uses,
// for payloads checked item by item (batch endpoints) rather than by the route.
import { Ajv, type ErrorObject } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { fieldErrorsFromAjv } from '../plugins/errors.ts'
import type { FieldError } from './problems.ts'

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv
const ajv = addFormats(new Ajv({ removeAdditional: false, useDefaults: true, allErrors: true, coerceTypes: false, strict: false }))

export function validator<T>(schema: object): (value: unknown, pointerPrefix?: string) => { ok: true; value: T } | { ok: false; errors: FieldError[] } {
  const check = ajv.compile(schema)
  return (value, pointerPrefix = '') => {
    if (check(value)) return { ok: true, value: value as T }
    const errors = fieldErrorsFromAjv((check.errors ?? []) as ErrorObject[], 'body')
    return { ok: false, errors: errors.map((e) => ({ ...e, pointer: `${pointerPrefix}${e.pointer}` })) }
  }
}
