// Progress as a spreadsheet: one row per target (per target and county with by=county), written by
// the shared CSV writer (src/lib/export.ts: UTF-8 with a BOM so Excel reads the Chinese, CRLF,
// cells that start like a formula neutralised), with English or Chinese headers and times in UTC
// or Asia/Shanghai.
import { csvText, type CsvOptions, type ExportColumn } from '../../lib/export.ts'
import type { ProgressDto } from './targets.schemas.ts'

const COLUMNS: [string, string, boolean?][] = [
  ['plan_code', '规划代码'], ['as_of', '统计时点', true], ['known_at', '已知时点', true], ['period_state', '期间状态'], ['target_code', '指标代码'],
  ['section', '章节'], ['label', '指标'], ['county_code', '县(市、区)代码'], ['county_name', '县(市、区)'], ['actual', '实际值'], ['target', '目标值'],
  ['comparator', '比较方式'], ['tolerance_percent', '容差(%)'], ['unit', '单位'], ['status', '状态'], ['expected_by_now', '应达进度'],
  ['on_track', '是否正常'], ['definition_version', '定义版本'], ['lead_department', '牵头部门'],
]
const EXPORT_COLUMNS: ExportColumn[] = COLUMNS.map(([key, zh, time]) => ({ key, zh, ...(time ? { time } : {}) }))

export function progressCsv(p: ProgressDto, options: CsvOptions = { header: 'en', timeZone: 'UTC' }): string {
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
  return csvText(rows, EXPORT_COLUMNS, options, true)
}
