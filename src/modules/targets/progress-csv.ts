// Progress as a spreadsheet: one row per target (per target and county with by=county), UTF-8 with
// a BOM so Excel reads the Chinese, cells that start like a formula neutralised (csv-stringify).
import { stringify } from 'csv-stringify/sync'
import type { ProgressDto } from './targets.schemas.ts'

const COLUMNS = [
  'plan_code', 'as_of', 'known_at', 'period_state', 'target_code', 'section', 'label', 'county_code', 'county_name', 'actual', 'target',
  'comparator', 'tolerance_percent', 'unit', 'status', 'expected_by_now', 'on_track', 'definition_version', 'lead_department',
] as const

export function progressCsv(p: ProgressDto): string {
  const rows: unknown[][] = []
  for (const item of p.items) {
    const common = (county: { code: string | null; name: string | null }, actual: number | null, judged: boolean) => [
      p.plan.code, p.asOf, p.knownAt, p.periodState, item.code, item.section, item.label, county.code, county.name, actual, item.target,
      item.comparator, item.tolerancePercent, item.unit, judged ? item.status : null, judged ? item.expectedByNow : null, judged ? item.onTrack : null,
      item.definitionVersion, item.responsibleDepartments[0]?.name ?? null,
    ]
    rows.push(common({ code: p.countyCode, name: null }, item.actual, true))
    for (const c of item.counties ?? []) rows.push(common({ code: c.countyCode, name: c.countyName }, c.actual, false))
  }
  return stringify(rows, { header: true, columns: [...COLUMNS], bom: true, record_delimiter: '\r\n', escape_formulas: true, cast: { boolean: (b) => String(b) } })
}
