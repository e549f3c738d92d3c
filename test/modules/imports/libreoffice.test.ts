// The template and an error report open in a real spreadsheet program: LibreOffice (headless,
// Debian's libreoffice-calc-nogui, installed by .ci/run) converts each to CSV without complaint,
// and the CSV shows what a person would see.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { bearer, build, newUscc } from '../../helpers/app.ts'
import { ENTERPRISE_HEADER, enterpriseRow, XLSX, xlsxFile } from '../../helpers/spreadsheets.ts'

const soffice = spawnSync('sh', ['-c', 'command -v soffice'], { encoding: 'utf8' }).stdout.trim()

/** Converts an .xlsx to CSV (UTF-8) with LibreOffice; its first sheet's text, and what it printed. */
function convert(dir: string, name: string, bytes: Buffer): { status: number | null; output: string; csv: string } {
  const file = join(dir, `${name}.xlsx`)
  writeFileSync(file, bytes)
  const result = spawnSync(
    soffice,
    [`-env:UserInstallation=file://${join(dir, 'profile')}`, '--headless', '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76', '--outdir', dir, file],
    { encoding: 'utf8', timeout: 120_000 },
  )
  let csv = ''
  try {
    csv = readFileSync(join(dir, `${name}.csv`), 'utf8')
  } catch {
    // Reported below: no CSV means the conversion failed.
  }
  // LibreOffice's own note about Java (not installed, not needed for spreadsheets) is not about the file.
  const output = `${result.stdout}${result.stderr}`.split('\n').filter((l) => !/javaldx/.test(l)).join('\n')
  return { status: result.status, output, csv }
}

if (!soffice) {
  t.pass('skipped: LibreOffice (soffice) is not installed here; .ci/run installs libreoffice-calc-nogui')
} else {
  const app = await build(t)
  const auth = await bearer(['registry:read', 'registry:write'], { sub: `lo-${newUscc().slice(-6)}` })
  const dir = mkdtempSync(join(tmpdir(), 'haopin-lo-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))

  t.test('the template opens and shows its Chinese headers', async (t) => {
    const template = await app.inject({ url: '/v1/imports/templates/enterprises.xlsx' })
    const { status, output, csv } = convert(dir, 'template', template.rawPayload)
    t.equal(status, 0, output)
    t.notMatch(output, /error|fail|warn/i, 'no complaint')
    t.equal(csv.split(/\r?\n/)[0], ENTERPRISE_HEADER.join(','))
  })

  t.test('an error report opens and carries each rejected row with its reason', async (t) => {
    const bad = [enterpriseRow({ 统一社会信用代码: '91350100M000100Y44' }), enterpriseRow({ 企业名称: '=1+1', '所属县（市、区）': '999999' })]
    const res = await app.inject({ method: 'POST', url: '/v1/imports?kind=enterprises', headers: { ...auth, 'content-type': XLSX }, payload: await xlsxFile([ENTERPRISE_HEADER, enterpriseRow(), ...bad]) })
    t.equal(res.statusCode, 202)
    let job: Record<string, any> = {}
    for (let i = 0; i < 600 && !['succeeded', 'failed'].includes(job.state); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      job = (await app.inject({ url: res.headers.location as string, headers: auth })).json()
    }
    t.match(job, { state: 'succeeded', rejected: 2 })
    const report = await app.inject({ url: job.errorReport.xlsx, headers: auth })
    const { status, output, csv } = convert(dir, 'report', report.rawPayload)
    t.equal(status, 0, output)
    t.notMatch(output, /error|fail|warn/i, 'no complaint')
    const lines = csv.trim().split(/\r?\n/)
    t.equal(lines.length, 3, 'the header and the two rejected rows')
    t.match(lines[0], /^原行号,出错列,错误原因,统一社会信用代码/)
    t.match(lines[1], /^3,统一社会信用代码,"?统一社会信用代码：校验位不符/)
    t.match(lines[2], /^4,所属县（市、区）/)
    t.match(lines[2], /,=1\+1,/, 'a cell that looks like a formula is shown as sent, not computed')
  })
}
