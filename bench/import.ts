// The import target of npm run bench: one .xlsx of new enterprises (100,000 rows; 2,000 in a smoke
// run), written by exceljs's streaming writer as a county office's spreadsheet would look, uploaded
// to the running registry and followed to the end. Measured end to end: from the start of the
// upload to the job's success, with the registry's VmRSS sampled meanwhile.
import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { completeUscc } from '../src/lib/uscc.ts'
import { ENTERPRISE_COLUMNS } from '../src/modules/imports/columns.ts'
import { withClient } from './dataset.ts'
import { RssSampler, cpuMsOf } from './processes.ts'
import { COUNTIES, GIVEN, INDUSTRIES, ROADS, SURNAMES, TRADE_FIRST, TRADE_SECOND } from './words.ts'

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
/** The imported enterprises' USCCs start so: apart from the dataset's and the write mix's ('91371400W'). */
const PREFIX = '91371400X'

export interface ImportResult {
  rows: number
  fileMb: number
  /** Upload answered (202), then the job's last state. */
  uploadS: number
  totalS: number
  rowsPerS: number
  state: string
  accepted: number
  rejected: number
  peakRssMb: number
  /** CPU the registry's node process used meanwhile, ms per row. */
  nodeCpuMsPerRow: number | null
  /** The job's own figures as it went: rows done at each poll, to show the pace over time. */
  samples: { s: number; rowsDone: number; state: string }[]
}

/** The first free serial after every USCC an earlier run imported. */
async function nextSerial(databaseUrl: string): Promise<number> {
  return withClient(databaseUrl, async (c) => {
    const [row] = (await c.query(`SELECT max(substr(uscc, 10, 8)) AS top FROM enterprise WHERE substr(uscc, 1, 9) = $1`, [PREFIX])).rows
    if (!row?.top) return 0
    return [...(row.top as string)].reduce((n, ch) => n * 31 + ALPHABET.indexOf(ch), 0) + 1
  })
}

const pick = <T>(list: readonly T[], i: number) => list[i % list.length]!

/** Writes the spreadsheet: the template's header and `rows` new enterprises from serial `from`. */
export async function writeImportFile(file: string, rows: number, from: number): Promise<void> {
  mkdirSync(join(file, '..'), { recursive: true })
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: false })
  const sheet = workbook.addWorksheet('企业数据')
  sheet.addRow(ENTERPRISE_COLUMNS.map((c) => c.header)).commit()
  for (let i = 0; i < rows; i++) {
    let n = from + i
    let body = ''
    for (let k = 0; k < 8; k++) {
      body = ALPHABET[n % 31] + body
      n = Math.floor(n / 31)
    }
    const county = pick(COUNTIES, i * 7)
    const [industry, code] = pick(INDUSTRIES, i * 13)
    const person = `${pick(SURNAMES, i * 3)}${pick(GIVEN, i * 5)}`
    sheet
      .addRow([
        completeUscc(`${PREFIX}${body}`),
        `${county.short}${pick(TRADE_FIRST, i)}${pick(TRADE_SECOND, i * 11)}${industry}有限公司`,
        `${county.code} ${county.full}`,
        code,
        `德州市${county.full}${pick(ROADS, i * 17)}${(i % 300) + 1}号`,
        person,
        `${pick(SURNAMES, i * 19)}${pick(GIVEN, i * 23)}`,
        `0534-${String(2_000_000 + (i % 7_000_000)).slice(0, 7)}`,
        `contact${from + i}@example.com`,
        i % 2 === 0 ? '培育一批' : '',
        '存续',
        i % 10 === 0 ? 'INDUSTRIAL_TOP50:2024' : '',
      ])
      .commit()
  }
  sheet.commit()
  await workbook.commit()
}

export async function runImport(o: { baseUrl: string; token: string; pid: number; databaseUrl: string; rows: number; workDir: string; log: (line: string) => void }): Promise<ImportResult> {
  const file = join(o.workDir, `import-${o.rows}.xlsx`)
  await writeImportFile(file, o.rows, await nextSerial(o.databaseUrl))
  const bytes = readFileSync(file)
  o.log(`  import: ${o.rows} rows, ${(statSync(file).size / 1e6).toFixed(1)} MB .xlsx`)
  const sampler = new RssSampler(o.pid)
  const cpuBefore = cpuMsOf(o.pid)
  sampler.start()
  const started = performance.now()
  const elapsed = () => (performance.now() - started) / 1000
  const res = await fetch(`${o.baseUrl}/v1/imports?kind=enterprises`, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
    body: new Uint8Array(bytes),
  })
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${(await res.text()).slice(0, 300)}`)
  const uploadS = elapsed()
  const location = res.headers.get('location')!
  const samples: ImportResult['samples'] = []
  let job: { state: string; rowsDone: number; accepted: number; rejected: number }
  for (;;) {
    job = (await (await fetch(`${o.baseUrl}${location}`, { headers: { authorization: `Bearer ${o.token}` } })).json()) as typeof job
    samples.push({ s: Math.round(elapsed() * 10) / 10, rowsDone: job.rowsDone, state: job.state })
    if (job.state === 'succeeded' || job.state === 'failed') break
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  const totalS = elapsed()
  const mem = sampler.stop()
  const cpuAfter = cpuMsOf(o.pid)
  return {
    rows: o.rows,
    fileMb: Math.round((bytes.length / 1e6) * 10) / 10,
    uploadS: Math.round(uploadS * 100) / 100,
    totalS: Math.round(totalS * 100) / 100,
    rowsPerS: Math.round(o.rows / totalS),
    state: job.state,
    accepted: job.accepted,
    rejected: job.rejected,
    peakRssMb: Math.round(mem.peakMb),
    nodeCpuMsPerRow: cpuBefore !== null && cpuAfter !== null ? Math.round(((cpuAfter - cpuBefore) / o.rows) * 1000) / 1000 : null,
    samples: samples.filter((_, i) => i % 8 === 0 || i === samples.length - 1),
  }
}
