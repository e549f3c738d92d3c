// The closed vocabulary of metrics a target definition may use (data in target_definition.metric),
// and the check of a metric sent by a client: JSON pointers into the request for every problem.
import { Type, type Static } from 'typebox'
import { validator } from '../../../lib/validate.ts'
import type { FieldError } from '../../../lib/problems.ts'
import { ActiveAtMetric, type ActiveAt } from './active-at.ts'
import { NewlyGrantedMetric, type NewlyGranted } from './newly-granted.ts'
import { ReportedMetric, type Reported } from './reported.ts'

export type Metric = ActiveAt | NewlyGranted | Reported
export const METRIC_KINDS = ['activeAt', 'newlyGranted', 'reported'] as const

export const MetricSchema = Type.Union([ActiveAtMetric, NewlyGrantedMetric, ReportedMetric], {
  description: 'How the figure is computed: `activeAt` (held at asOf), `newlyGranted` (new in the period) or `reported` (measurements)',
})
export type MetricDto = Static<typeof MetricSchema>

const checks = {
  activeAt: validator<ActiveAt>(ActiveAtMetric),
  newlyGranted: validator<NewlyGranted>(NewlyGrantedMetric),
  reported: validator<Reported>(ReportedMetric),
}

/** Metrics computed from qualifications (the others are reported). */
export const isComputed = (m: Metric): m is ActiveAt | NewlyGranted => m.kind !== 'reported'

/**
 * Field errors of `value` as a metric at `pointer`: its kind, its parameters, and type codes that
 * are not in the catalog (`knownTypes`).
 */
export function checkMetric(value: unknown, pointer: string, knownTypes: ReadonlySet<string>): { metric: Metric; errors: [] } | { errors: FieldError[] } {
  const kind = value !== null && typeof value === 'object' ? (value as { kind?: unknown }).kind : undefined
  if (typeof kind !== 'string' || !(METRIC_KINDS as readonly string[]).includes(kind)) {
    return { errors: [{ in: 'body', pointer: `${pointer}/kind`, message: `unknown metric kind ${JSON.stringify(kind ?? null)}; allowed: ${METRIC_KINDS.join(', ')}` }] }
  }
  const checked = checks[kind as Metric['kind']](value, pointer)
  if (!checked.ok) return { errors: checked.errors.map((e) => ({ ...e, in: 'body' as const })) }
  const metric = checked.value as Metric
  const errors: FieldError[] = []
  if (metric.kind === 'activeAt' && (metric.types === undefined) === (metric.listingTypes === undefined)) {
    errors.push({ in: 'body', pointer, message: 'give either types or listingTypes: true' })
  }
  if (metric.kind !== 'reported') {
    ;(metric.types ?? []).forEach((code, i) => {
      if (!knownTypes.has(code)) errors.push({ in: 'body', pointer: `${pointer}/types/${i}`, message: `unknown qualification type "${code}" (see GET /v1/qualification-types)` })
    })
  }
  return errors.length ? { errors } : { metric, errors: [] }
}
