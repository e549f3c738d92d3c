// Issue 14's bench targets: a program with five conditions for the explanation of one enterprise,
// and the whole eligible list of a seeded program exported as NDJSON (rows per second end to end).
import { withClient } from './dataset.ts'

/** A city program with five conditions (the shape of a county subsidy: listing, operating, clean record). */
export const BENCH_PROGRAM = 'BENCH_FIVE_CONDITIONS'
export const SEEDED_PROGRAM = 'OVERSEAS_TRADEMARK_SUPPORT'
/** Issue 14: the whole eligible list exported at ≥ 10,000 rows/s. */
export const EXPORT_ROWS_PER_S_GOAL = 10_000

const RULES = {
  id: 'root',
  allOf: [
    { id: 'listed', kind: 'listed', params: {} },
    { id: 'operating', kind: 'businessStatusIn', params: { statuses: ['operating'] } },
    { id: 'clean3y', kind: 'noRevocationWithin', params: { months: 36 } },
    { id: 'noInterview2y', kind: 'noInterviewWithin', params: { months: 24 } },
    { id: 'noSeriousCase', kind: 'noOpenCase', params: { minSeverity: 'serious' } },
  ],
}

/** Adds the five-condition program once (the dataset is reused between runs). */
export async function ensureBenchProgram(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, async (c) => {
    await c.query('BEGIN')
    const inserted = await c.query(
      `INSERT INTO incentive_program (code, name, kind, benefit, basis, level, valid_from)
       VALUES ($1, '基准测试：五项条件的奖补', 'subsidy', '{"summary":"基准测试用"}', '{"title":"基准测试"}', 'city', '2021-09-02T00:00:00+08:00')
       ON CONFLICT (code) DO NOTHING RETURNING code`,
      [BENCH_PROGRAM],
    )
    if (inserted.rows.length) {
      await c.query(`INSERT INTO incentive_program_department (program_code, position, department_code) VALUES ($1, 1, 'FINANCE')`, [BENCH_PROGRAM])
      await c.query(
        `INSERT INTO incentive_rule_set (program_code, version, rules, effective_from, recorded_at, actor_sub) VALUES ($1, 1, $2::jsonb, '2021-09-02T00:00:00+08:00', '2021-09-02T00:00:00+08:00', 'bench')`,
        [BENCH_PROGRAM, JSON.stringify(RULES)],
      )
    }
    await c.query('COMMIT')
  })
}

export interface ExportResult {
  rows: number
  totalS: number
  rowsPerS: number
  bytes: number
}

/** The whole answer for every enterprise (result=all) of the seeded program, as NDJSON, timed end to end. */
export async function runEligibilityExport(baseUrl: string, token: string): Promise<ExportResult> {
  const started = performance.now()
  const res = await fetch(`${baseUrl}/v1/incentive-programs/${SEEDED_PROGRAM}/eligibility?result=all&format=ndjson`, { headers: { authorization: `Bearer ${token}` } })
  if (!res.ok || !res.body) throw new Error(`export answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
  let rows = 0
  let bytes = 0
  const reader = res.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    bytes += value.length
    for (const b of value) if (b === 10) rows++
  }
  const totalS = (performance.now() - started) / 1000
  return { rows, totalS: Number(totalS.toFixed(2)), rowsPerS: Math.round(rows / totalS), bytes }
}
