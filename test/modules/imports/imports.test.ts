// Imports through the API with real files made here: .xlsx and CSV (UTF-8 and GBK), per-row and
// atomic, county tokens, qualifications, the error report, idempotent uploads, and every way a file
// can be wrong as a whole.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { bearer, build, newUscc } from '../../helpers/app.ts'
import { createEnterprise, certificateNo } from '../../helpers/fixtures.ts'
import { csvFile, ENTERPRISE_HEADER, enterpriseRow, QUALIFICATION_HEADER, readXlsx, XLSX, xlsxFile, type Value } from '../../helpers/spreadsheets.ts'

const app = await build(t, { IMPORT_MAX_ROWS: '50' })
const auth = await bearer(['registry:read', 'registry:write', 'qualifications:write'], { sub: `importer-${newUscc().slice(-6)}` })

const upload = (body: Buffer, query: string, headers: Record<string, string> = {}, contentType = XLSX) =>
  app.inject({ method: 'POST', url: `/v1/imports?${query}`, headers: { ...auth, 'content-type': contentType, ...headers }, payload: body })

/** Polls the job until it stops moving (the worker runs in the background). */
async function finished(app: FastifyInstance, location: string, headers = auth): Promise<Record<string, any>> {
  for (let i = 0; i < 600; i++) {
    const job = (await app.inject({ url: location, headers })).json()
    if (job.state === 'succeeded' || job.state === 'failed') return job
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`import ${location} did not finish`)
}

const usccOf = (row: Value[]) => row[0] as string
const exists = async (uscc: string) => (await app.db.query('SELECT 1 FROM enterprise WHERE uscc = $1', [uscc])).length > 0
const auditOf = (requestId: string) =>
  app.db.query<{ operation: string; entity_id: string; actor_sub: string }>('SELECT operation, entity_id, actor_sub FROM audit_event WHERE request_id = $1 ORDER BY id', [requestId])

t.test('per-row .xlsx: good rows written and audited under the upload\'s request id, bad rows reported as sent', async (t) => {
  const good = [enterpriseRow(), enterpriseRow({ 统一社会信用代码: ` ${newUscc().toLowerCase().replace(/(.{6})/, '$1 ')} ` }), enterpriseRow({ 授予日期: null })]
  const badUscc = enterpriseRow({ 统一社会信用代码: '91350100M000100Y44' })
  const badCounty = enterpriseRow({ '所属县（市、区）': '999999' })
  const duplicate = [...good[0]!]
  const file = await xlsxFile([ENTERPRISE_HEADER, good[0]!, badUscc, good[1]!, [], badCounty, good[2]!, duplicate])
  const res = await upload(file, 'kind=enterprises', { 'x-request-id': `import-${newUscc()}`, 'content-disposition': 'attachment; filename="德城区企业.xlsx"' })
  t.equal(res.statusCode, 202, res.body)
  t.match(res.headers.location, /^\/v1\/imports\/[0-9a-f-]{36}$/)
  const created = res.json()
  t.match(created, { kind: 'enterprises', mode: 'per-row', state: 'queued', format: 'xlsx', fileName: '德城区企业.xlsx', totalRows: 6 })
  const job = await finished(app, res.headers.location as string)
  t.match(job, { state: 'succeeded', totalRows: 6, rowsDone: 6, accepted: 3, rejected: 3, problem: null })
  for (const row of good) t.ok(await exists(usccOf(row).replace(/\s/g, '').toUpperCase()), `${usccOf(row)} written`)
  t.notOk(await exists(usccOf(badUscc)))
  const audit = await auditOf(created.requestId)
  t.equal(audit.length, 3, 'one audit entry per written row, under the upload\'s request id')
  t.ok(audit.every((a) => a.operation === 'enterprise.create' && a.actor_sub === job.requestId.replace(/.*/, a.actor_sub)))

  const report = await app.inject({ url: `${res.headers.location}/errors.xlsx`, headers: auth })
  t.equal(report.statusCode, 200)
  t.equal(report.headers['content-type'], XLSX)
  t.match(report.headers['content-disposition'], /filename\*=UTF-8''%E5%BE%B7/)
  const { rows } = await readXlsx(report.rawPayload)
  t.same(rows[0], ['原行号', '出错列', '错误原因', ...ENTERPRISE_HEADER])
  t.equal(rows.length, 4, 'the header and each rejected row')
  t.same(rows.slice(1).map((r) => r[0]), ['3', '6', '8'], 'rows numbered as in the sheet (the blank row counts)')
  t.match(rows[1]![2], /统一社会信用代码：校验位不符/)
  t.equal(rows[1]![3], '91350100M000100Y44', 'the cells as sent')
  t.match(rows[2]![1], '所属县（市、区）')
  t.match(rows[3]![2], /与第2行是同一企业/)

  const csv = await app.inject({ url: `${res.headers.location}/errors.csv`, headers: auth })
  t.equal(csv.headers['content-type'], 'text/csv; charset=utf-8')
  t.ok(csv.body.startsWith('\ufeff原行号,出错列,错误原因,统一社会信用代码'))
  t.equal(csv.body.trim().split('\r\n').length, 4)
})

t.test('atomic: one bad row and nothing is written, the job fails with the rows reported', async (t) => {
  const good = [enterpriseRow(), enterpriseRow()]
  const file = await xlsxFile([ENTERPRISE_HEADER, good[0]!, enterpriseRow({ 企业名称: null }), good[1]!])
  const res = await upload(file, 'kind=enterprises&mode=atomic')
  t.equal(res.statusCode, 202)
  const job = await finished(app, res.headers.location as string)
  t.match(job, { state: 'failed', mode: 'atomic', accepted: 0, rejected: 1, problem: { code: 'import_rejected', status: 422 } })
  t.match(job.problem.detail, /全部未导入/)
  for (const row of good) t.notOk(await exists(usccOf(row)))
  t.same(await auditOf(job.requestId), [], 'no audit entry')
  const { rows } = await readXlsx((await app.inject({ url: `${res.headers.location}/errors.xlsx`, headers: auth })).rawPayload)
  t.same(rows.slice(1).map((r) => [r[0], r[1], r[2]]), [['3', '企业名称', '企业名称：必填']])

  const clean = [enterpriseRow(), enterpriseRow()]
  const ok = await finished(app, (await upload(await xlsxFile([ENTERPRISE_HEADER, ...clean]), 'kind=enterprises&mode=atomic')).headers.location as string)
  t.match(ok, { state: 'succeeded', accepted: 2, rejected: 0, rowsDone: 2 })
  for (const row of clean) t.ok(await exists(usccOf(row)))
})

t.test('atomic: a row the registry refuses at write time rolls back every row', async (t) => {
  const other = await createEnterprise(app, { countyCode: '371425' })
  const county = await bearer(['registry:read', 'registry:write'], { county: '371402', sub: `county-${newUscc().slice(-6)}` })
  const fresh = enterpriseRow()
  // The row names its county as the token's, but the enterprise is registered in another county.
  const takeover = enterpriseRow({ 统一社会信用代码: other.uscc })
  const res = await app.inject({ method: 'POST', url: '/v1/imports?kind=enterprises&mode=atomic', headers: { ...county, 'content-type': XLSX }, payload: await xlsxFile([ENTERPRISE_HEADER, fresh, takeover]) })
  const job = await finished(app, res.headers.location as string, county)
  t.match(job, { state: 'failed', accepted: 0, rejected: 1 })
  t.notOk(await exists(usccOf(fresh)))
  const [row] = await app.db.query<{ county_code: string; name: string }>('SELECT county_code, name FROM enterprise WHERE uscc = $1', [other.uscc])
  t.same(row, { county_code: '371425', name: other.name }, 'the other county\'s enterprise is untouched')
  const csv = (await app.inject({ url: `${res.headers.location}/errors.csv`, headers: county })).body
  t.match(csv, /该企业登记在齐河县，本令牌只能修改德城区的企业/)
})

t.test('CSV in UTF-8 with BOM and in GBK: the same rows, the same result', async (t) => {
  for (const encoding of ['utf8', 'gbk'] as const) {
    const rows = [enterpriseRow({ 企业名称: '德州市“华源”生态科技有限公司, 分公司' }), enterpriseRow({ 地址: '德州市德城区\n新华路1号' })]
    const res = await upload(csvFile([ENTERPRISE_HEADER, ...rows], encoding), 'kind=enterprises', {}, 'text/csv')
    t.equal(res.statusCode, 202, `${encoding}: ${res.body}`)
    t.equal(res.json().format, 'csv')
    const job = await finished(app, res.headers.location as string)
    t.match(job, { state: 'succeeded', accepted: 2, rejected: 0 }, encoding)
    const [stored] = await app.db.query<{ name: string }>('SELECT name FROM enterprise WHERE uscc = $1', [usccOf(rows[0]!)])
    t.equal(stored?.name, '德州市“华源”生态科技有限公司, 分公司', `${encoding}: Chinese read correctly`)
    const [address] = await app.db.query<{ address: string }>('SELECT address FROM enterprise WHERE uscc = $1', [usccOf(rows[1]!)])
    t.equal(address?.address, '德州市德城区\n新华路1号', `${encoding}: a quoted line break stays in its cell`)
  }
})

t.test('an upsert keeps what blank cells leave out, and a county token imports its own county only', async (t) => {
  const existing = await createEnterprise(app, { countyCode: '371402', address: '德州市德城区原地址' })
  const county = await bearer(['registry:read', 'registry:write'], { county: '371402', sub: `county-${newUscc().slice(-6)}` })
  const update = enterpriseRow({ 统一社会信用代码: existing.uscc, 企业名称: '德州市改名后有限公司', 地址: null })
  const elsewhere = enterpriseRow({}, '371425 齐河县')
  const res = await app.inject({ method: 'POST', url: '/v1/imports?kind=enterprises', headers: { ...county, 'content-type': XLSX }, payload: await xlsxFile([ENTERPRISE_HEADER, update, elsewhere]) })
  const job = await finished(app, res.headers.location as string, county)
  t.match(job, { state: 'succeeded', accepted: 1, rejected: 1 })
  const [row] = await app.db.query<{ name: string; address: string }>('SELECT name, address FROM enterprise WHERE uscc = $1', [existing.uscc])
  t.same(row, { name: '德州市改名后有限公司', address: '德州市德城区原地址' })
  t.notOk(await exists(usccOf(elsewhere)))
  const [audit] = await auditOf(job.requestId)
  t.match(audit, { operation: 'enterprise.update', entity_id: existing.uscc })
  t.match((await app.inject({ url: `${res.headers.location}/errors.csv`, headers: county })).body, /本令牌只能导入371402（德城区）的数据，此行属于371425（齐河县）/)
  t.equal((await app.inject({ url: res.headers.location as string, headers: auth })).statusCode, 404, 'another subject does not see the import')
})

t.test('qualifications: each row a grant, with the registry\'s rules and a check for a repeated import', async (t) => {
  const holder = await createEnterprise(app)
  const taken = certificateNo()
  const seed = await app.inject({ method: 'POST', url: `/v1/enterprises/${holder.uscc}/qualifications`, headers: auth, payload: { type: 'TAISHAN_QUALITY_CERT', certificateNo: taken, issuer: '山东省市场监督管理局', issuerLevel: 'province', grantedAt: '2024-01-01T00:00:00.000Z' } })
  t.equal(seed.statusCode, 201)
  const e = await createEnterprise(app)
  const cert = certificateNo()
  const row = (cells: Record<string, Value>) => QUALIFICATION_HEADER.map((h) => cells[h] ?? null)
  const rows = [
    row({ 统一社会信用代码: e.uscc, 资质类型: 'TAISHAN_QUALITY_CERT "泰山品质"认证', 证书编号: cert.toLowerCase(), 发证机关: '山东省市场监督管理局', 发证机关级别: '省级', 授予日期: new Date(Date.UTC(2024, 2, 15)), 有效期至: '2027-03-14' }),
    row({ 统一社会信用代码: e.uscc, 资质类型: 'HAOPIN_SHANDONG_BRAND', 发证机关: '山东省人民政府', 发证机关级别: '省级', 授予日期: '2023年12月20日', 公告批次: '2023年第二批' }),
    row({ 统一社会信用代码: e.uscc, 资质类型: 'TAISHAN_QUALITY_CERT', 证书编号: taken, 发证机关: '山东省市场监督管理局', 发证机关级别: '省级', 授予日期: '2024-02-01' }),
    row({ 统一社会信用代码: newUscc(), 资质类型: 'HAOPIN_SHANDONG_BRAND', 发证机关: '山东省人民政府', 发证机关级别: '省级', 授予日期: '2023-12-20' }),
  ]
  const file = await xlsxFile([QUALIFICATION_HEADER, ...rows])
  const res = await upload(file, 'kind=qualifications')
  t.equal(res.statusCode, 202, res.body)
  const job = await finished(app, res.headers.location as string)
  t.match(job, { state: 'succeeded', accepted: 2, rejected: 2 })
  const granted = await app.db.query<{ type_code: string; certificate_no: string | null; granted_at: Date; valid_until: Date | null; batch: string | null }>(
    'SELECT type_code, certificate_no, granted_at, valid_until, batch FROM qualification WHERE uscc = $1 ORDER BY type_code', [e.uscc])
  t.equal(granted.length, 2)
  t.equal(granted[1]!.certificate_no, cert, 'certificate number normalised')
  t.equal(new Date(granted[1]!.granted_at).toISOString(), '2024-03-14T16:00:00.000Z', 'an Excel date is an Asia/Shanghai day')
  t.equal(new Date(granted[1]!.valid_until!).toISOString(), '2027-03-14T16:00:00.000Z', '有效期至 is the last valid day')
  t.equal(granted[0]!.batch, '2023年第二批')
  const audit = await auditOf(job.requestId)
  t.same(audit.map((a) => a.operation).sort(), ['qualification.grant', 'qualification.grant', 'qualification_event.create', 'qualification_event.create'], 'each grant and its first event')
  const csv = (await app.inject({ url: `${res.headers.location}/errors.csv`, headers: auth })).body
  t.match(csv, /证书编号已被资质 [0-9a-f-]{36} 使用/)
  t.match(csv, /企业未登记，请先导入企业/)

  const again = await finished(app, (await upload(file, 'kind=qualifications')).headers.location as string)
  t.match(again, { state: 'succeeded', accepted: 0, rejected: 4 }, 'the same file again writes nothing twice')
  t.match((await app.inject({ url: `${again.errorReport.csv}`, headers: auth })).body, /可能是重复导入/)
})

t.test('the same file with the same Idempotency-Key answers the same job', async (t) => {
  const file = await xlsxFile([ENTERPRISE_HEADER, enterpriseRow()])
  const key = `import-${newUscc()}`
  const first = await upload(file, 'kind=enterprises', { 'idempotency-key': key })
  t.equal(first.statusCode, 202)
  const replay = await upload(file, 'kind=enterprises', { 'idempotency-key': key })
  t.equal(replay.statusCode, 202)
  t.equal(replay.headers['idempotency-replayed'], 'true')
  t.equal(replay.headers.location, first.headers.location)
  t.equal(replay.headers['content-type'], first.headers['content-type'])
  t.same(replay.json(), first.json())
  const other = await upload(await xlsxFile([ENTERPRISE_HEADER, enterpriseRow()]), 'kind=enterprises', { 'idempotency-key': key })
  t.equal(other.statusCode, 422)
  t.equal(other.json().code, 'idempotency_key_reused')
  const [count] = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_job WHERE request_id = $1', [first.json().requestId])
  t.equal(count!.n, 1)
  await finished(app, first.headers.location as string)
})

t.test('a multipart upload is the same as the file as the body', async (t) => {
  const row = enterpriseRow()
  const boundary = 'haopinboundary'
  const file = await xlsxFile([ENTERPRISE_HEADER, row])
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.xlsx"\r\nContent-Type: ${XLSX}\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  const res = await upload(body, 'kind=enterprises', {}, `multipart/form-data; boundary=${boundary}`)
  t.equal(res.statusCode, 202, res.body)
  t.match(await finished(app, res.headers.location as string), { state: 'succeeded', accepted: 1 })
  t.ok(await exists(usccOf(row)))
})

t.test('a file wrong as a whole is a 422 problem in Chinese, and no job is made', async (t) => {
  // Every request below carries a request id of its own, which a job would record: other test files
  // share the database and make jobs meanwhile, so a count of all jobs would not say whether these made one.
  const requestIds: string[] = []
  const refused = () => {
    const id = `refused-upload-${newUscc()}`
    requestIds.push(id)
    return { 'x-request-id': id }
  }
  const header = ENTERPRISE_HEADER
  const xlsx = await xlsxFile([header, enterpriseRow()])
  const cases: [string, Buffer, string, RegExp, string?][] = [
    ['a 0-byte upload', Buffer.alloc(0), 'import_file_empty', /为空/],
    ['a PDF', Buffer.from('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\u0000'), 'import_file_unreadable', /既不是 \.xlsx 也不是 CSV/],
    ['an old .xls', Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]), 'import_file_unreadable', /另存为/],
    ['a zip that is not a workbook', await (async () => { const b = Buffer.from(xlsx); return b.subarray(0, 30) })(), 'import_file_unreadable', /损坏或不完整/],
    ['a truncated upload', xlsx.subarray(0, Math.floor(xlsx.length * 0.6)), 'import_file_unreadable', /截断/],
    ['an empty sheet', await xlsxFile([]), 'import_file_empty', /没有任何内容/],
    ['a header and no rows', await xlsxFile([header]), 'import_file_empty', /没有数据行/],
    ['a missing required column', await xlsxFile([header.filter((h) => h !== '企业名称'), enterpriseRow().filter((_, i) => i !== 1)]), 'import_columns_invalid', /缺少必填列：企业名称/],
    ['an unknown column', await xlsxFile([[...header, '备注'], [...enterpriseRow(), 'x']]), 'import_columns_invalid', /模板中没有的列：备注/],
    ['a header in another language', await xlsxFile([['USCC', 'Name', 'County'], [newUscc(), 'x', '371402']]), 'import_columns_invalid', /表头无法识别/],
    ['a sheet over the row limit', await xlsxFile([header, ...Array.from({ length: 51 }, () => enterpriseRow())]), 'import_too_many_rows', /最多可有50行数据，此文件有51行/],
    ['merged cells', await xlsxFile([header, enterpriseRow(), enterpriseRow()], { merge: 'B2:B3' }), 'import_file_unreadable', /合并单元格（B2:B3）/],
    ['a CSV cut inside a quote', Buffer.from(`${header.join(',')}\r\n${newUscc()},"德州`), 'import_file_unreadable', /不完整/, 'text/csv'],
    ['a CSV in an encoding that is neither UTF-8 nor GBK', Buffer.concat([Buffer.from(`${header.join(',')}\r\n`), Buffer.from([0x81, 0x30, 0xff, 0xff, 0x0a])]), 'import_file_unreadable', /文字编码/, 'text/csv'],
  ]
  for (const [what, body, code, detail, type] of cases) {
    const res = await upload(body, 'kind=enterprises', refused(), type ?? XLSX)
    t.equal(res.statusCode, 422, `${what}: ${res.body}`)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', what)
    t.equal(res.json().code, code, what)
    t.match(res.json().detail, detail, what)
  }
  const wrongType = await app.inject({ method: 'POST', url: '/v1/imports?kind=enterprises', headers: { ...auth, ...refused(), 'content-type': 'application/json' }, payload: '{"items":[]}' })
  t.equal(wrongType.statusCode, 415)
  const noKind = await upload(xlsx, 'mode=atomic', refused())
  t.equal(noKind.statusCode, 400)
  t.equal(noKind.json().errors[0].pointer, '/kind')
  const scope = await app.inject({ method: 'POST', url: '/v1/imports?kind=qualifications', headers: { ...(await bearer(['registry:read', 'registry:write'])), ...refused(), 'content-type': XLSX }, payload: xlsx })
  t.equal(scope.statusCode, 403)
  t.equal(scope.json().code, 'insufficient_scope')
  t.equal(requestIds.length, cases.length + 3, 'every request carried its own id')
  const [made] = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_job WHERE request_id = ANY($1::text[])', [requestIds])
  t.equal(made!.n, 0, 'no job was made')
})

t.test('formulas in cells are row errors: per row they are reported, atomic writes nothing', async (t) => {
  const good = enterpriseRow()
  const formula = enterpriseRow({ 企业名称: { formula: 'CONCAT("德州","公司")', result: '德州公司' } })
  const perRow = await finished(app, (await upload(await xlsxFile([ENTERPRISE_HEADER, good, formula]), 'kind=enterprises')).headers.location as string)
  t.match(perRow, { state: 'succeeded', accepted: 1, rejected: 1 })
  t.match((await app.inject({ url: perRow.errorReport.csv, headers: auth })).body, /单元格含公式（=CONCAT\(""德州"",""公司""\)），请复制后“粘贴为数值”再导入/)
  const fresh = enterpriseRow()
  const atomic = await finished(app, (await upload(await xlsxFile([ENTERPRISE_HEADER, fresh, formula]), 'kind=enterprises&mode=atomic')).headers.location as string)
  t.match(atomic, { state: 'failed', accepted: 0 })
  t.notOk(await exists(usccOf(fresh)))
})

t.test('templates: Chinese headers, drop-downs, an explanation sheet; CSV with BOM', async (t) => {
  for (const kind of ['enterprises', 'qualifications'] as const) {
    const res = await app.inject({ url: `/v1/imports/templates/${kind}.xlsx` })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], XLSX)
    const { sheets, rows, workbook } = await readXlsx(res.rawPayload)
    t.same(sheets, [kind === 'enterprises' ? '企业数据' : '资质数据', '选项', '填写说明'])
    t.same(rows[0], kind === 'enterprises' ? ENTERPRISE_HEADER : QUALIFICATION_HEADER)
    // exceljs reads each validated range back cell by cell.
    const validations = (workbook.worksheets[0] as unknown as { dataValidations: { model: Record<string, { type: string; formulae: string[] } | undefined> } }).dataValidations.model
    const listed = (column: string) => validations[`${column}2`]?.type === 'list' && validations[`${column}51`]?.type === 'list' && !validations[`${column}52`]
    const columns = (kind === 'enterprises' ? ENTERPRISE_HEADER : QUALIFICATION_HEADER).map((_, i) => String.fromCharCode(65 + i))
    if (kind === 'enterprises') {
      t.same(columns.filter(listed), ['C', 'J', 'K'], 'county, cultivation stage and business status, rows 2 to IMPORT_MAX_ROWS + 1')
      t.equal(validations.C2!.formulae[0], "'选项'!$A$1:$A$12", 'the twelve current counties')
    } else {
      t.same(columns.filter(listed), ['B', 'G'], 'qualification type and issuer level')
    }
    const options = workbook.getWorksheet('选项')!
    t.equal(options.state, 'hidden')
    t.equal(options.getCell('A1').value, '371402 德城区')
    t.ok((workbook.getWorksheet('填写说明')!.getCell('C2').value as string).length > 10)
    const csv = await app.inject({ url: `/v1/imports/templates/${kind}.csv` })
    t.equal(csv.rawPayload.subarray(0, 3).toString('hex'), 'efbbbf', 'UTF-8 byte order mark')
  }
  t.equal((await app.inject({ url: '/v1/imports/templates/people.xlsx' })).statusCode, 400)
})

t.test('an import the caller cannot see, or that does not exist, is 404', async (t) => {
  t.equal((await app.inject({ url: '/v1/imports/not-a-uuid', headers: auth })).statusCode, 404)
  t.equal((await app.inject({ url: '/v1/imports/5c1f6a2e-0d4b-4e8a-9f3c-2b7d1e6a4c90/errors.xlsx', headers: auth })).statusCode, 404)
})
