// The one mapping of target rows to their public documents (GET /v1/targets/{code}, the plan's
// targets, measurements), so every response and audit entry shows the same shape.
import type { Metric } from './metrics/index.ts'
import type { DefinitionDto, MeasurementDto, TargetDto } from './targets.schemas.ts'
import type { DepartmentRef, MeasurementRow, TargetRow } from './targets.repository.ts'

const num = (v: string | null) => (v === null ? null : Number(v))

export function departmentsOf(row: TargetRow): { list: DefinitionDto['responsibleDepartments']; from: 'task' | 'target' } {
  const own = row.own_departments
  const list: DepartmentRef[] = own ?? row.task_departments ?? []
  return { list: list.map((d, i) => ({ code: d.code, name: d.name, lead: i === 0 })), from: own ? 'target' : 'task' }
}

export function definitionOf(row: TargetRow): DefinitionDto {
  const departments = departmentsOf(row)
  return {
    version: row.version,
    label: row.label,
    unit: row.unit,
    comparator: row.comparator,
    value: num(row.value),
    tolerancePercent: num(row.tolerance_percent),
    metric: row.metric as Metric,
    alternatives: row.alternatives,
    responsibleDepartments: departments.list,
    responsibleFrom: departments.from,
    effectiveFrom: new Date(row.effective_from).toISOString(),
    recordedAt: new Date(row.definition_recorded_at).toISOString(),
    changeNote: row.change_note,
    recordedBy: row.actor_sub,
  }
}

export function targetOf(row: TargetRow, asOf: Date, knownAt: Date, history?: TargetRow[]): TargetDto {
  return {
    code: row.code,
    planCode: row.plan_code,
    section: row.section,
    taskNo: row.task_no,
    quote: row.quote,
    version: row.target_version,
    definition: definitionOf(row),
    ...(history ? { history: history.map(definitionOf) } : {}),
    asOf: asOf.toISOString(),
    knownAt: knownAt.toISOString(),
  }
}

/** What the ETag of a target covers: its identity and how many definitions it has. */
export const targetState = (row: Pick<TargetRow, 'code' | 'target_version'>) => ({ code: row.code, version: row.target_version })

export function measurementOf(m: MeasurementRow): MeasurementDto {
  return {
    id: m.id,
    targetCode: m.target_code,
    countyCode: m.county_code,
    periodFrom: new Date(m.period_from).toISOString(),
    periodTo: new Date(m.period_to).toISOString(),
    value: Number(m.value),
    source: m.source,
    method: m.method,
    documentNo: m.document_no,
    supersedes: m.supersedes,
    supersededBy: m.superseded_by,
    recordedAt: new Date(m.recorded_at).toISOString(),
    recordedBy: m.actor_sub,
  }
}
