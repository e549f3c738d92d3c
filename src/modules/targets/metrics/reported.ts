// reported: a figure the registry does not hold (a survey's customer satisfaction), recorded as
// measurements. The figure at asOf is the latest measurement whose period ended by asOf, among
// those recorded by knownAt and not superseded by a correction recorded by then; every such
// measurement forms the series (so a reader can judge "稳定在…以上").
import { Type, type Static } from 'typebox'

export const ReportedMetric = Type.Object(
  {
    kind: Type.Literal('reported'),
    aggregate: Type.Optional(Type.Literal('latest', { description: 'The latest measurement whose period ended by asOf' })),
  },
  { additionalProperties: false, description: 'Reported by measurements (POST /v1/targets/{code}/measurements)' },
)
export type Reported = Static<typeof ReportedMetric>

export interface MeasurementFact {
  id: string
  countyCode: string | null
  periodFrom: Date
  periodTo: Date
  value: number
  recordedAt: Date
  supersedes: string | null
}

/**
 * The series of one area (city-wide or a county) at asOf as known at knownAt, oldest period first;
 * its last item is the figure. Facts are the measurements of that area recorded by knownAt.
 */
export function series(facts: MeasurementFact[], asOf: Date): MeasurementFact[] {
  const superseded = new Set(facts.map((m) => m.supersedes).filter((id): id is string => id !== null))
  return facts
    .filter((m) => !superseded.has(m.id) && m.periodTo.getTime() <= asOf.getTime())
    .sort((a, b) => a.periodTo.getTime() - b.periodTo.getTime() || a.recordedAt.getTime() - b.recordedAt.getTime())
}
