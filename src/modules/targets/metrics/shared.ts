// Parameter schemas and SQL pieces used by more than one metric.
import { Type } from 'typebox'
import type { SqlParams } from './types.ts'

export const TypeCode = Type.String({ pattern: '^[A-Z][A-Z0-9_]{2,63}$', description: 'Qualification type (catalog code)', examples: ['HIGH_TECH_ENTERPRISE'] })
export const TypeList = Type.Array(TypeCode, { minItems: 1, maxItems: 20, uniqueItems: true })
export const CountBy = Type.Union([Type.Literal('enterprise'), Type.Literal('qualification')], {
  description: '`enterprise`: each enterprise once (家); `qualification`: each certificate or standard (张, 项)',
})

/** SQL text[] of the metric's types: the named ones, or every type that counts as a listing. */
export function typesSql(metric: { types?: string[] | undefined; listingTypes?: true | undefined }, p: SqlParams): string {
  if (metric.listingTypes) return 'ARRAY(SELECT lt.code FROM qualification_type lt WHERE lt.counts_as_listing)'
  return p.add(metric.types ?? [], '::text[]')
}
