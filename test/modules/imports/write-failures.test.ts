// A row the database refuses while its batch is written (checks before the write cannot see
// everything): per row, the batch is undone and each row written alone, and the refused row leaves
// no audit entry behind; atomic, nothing of the file stays. On a database of its own, where a
// trigger refuses rows by a marker in their text.
import t from 'tap'
import { bearer, buildOwn } from '../../helpers/app.ts'
import { createEnterprise } from '../../helpers/fixtures.ts'
import { ENTERPRISE_HEADER, enterpriseRow, QUALIFICATION_HEADER, XLSX, xlsxFile, type Value } from '../../helpers/spreadsheets.ts'

const { app, db } = await buildOwn(t)
await app.ready()
await db.query(`CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF to_jsonb(NEW)::text LIKE '%拒收%' THEN RAISE EXCEPTION 'refused by the test' USING ERRCODE = 'check_violation'; END IF;
    RETURN NEW;
  END $$`)
await db.query('CREATE TRIGGER refuse_marked BEFORE INSERT ON enterprise FOR EACH ROW EXECUTE FUNCTION refuse_marked()')
await db.query('CREATE TRIGGER refuse_marked BEFORE INSERT ON qualification FOR EACH ROW EXECUTE FUNCTION refuse_marked()')

const auth = await bearer(['registry:read', 'registry:write', 'qualifications:write'])

async function importFile(kind: string, mode: string, file: Buffer) {
  const res = await app.inject({ method: 'POST', url: `/v1/imports?kind=${kind}&mode=${mode}`, headers: { ...auth, 'content-type': XLSX }, payload: file })
  t.equal(res.statusCode, 202, res.body)
  for (let i = 0; i < 600; i++) {
    const job = (await app.inject({ url: res.headers.location as string, headers: auth })).json()
    if (job.state === 'succeeded' || job.state === 'failed') return job
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the import did not finish')
}

const audited = async (requestId: string) =>
  (await db.query<{ entity_id: string; operation: string }>('SELECT entity_id, operation FROM audit_event WHERE request_id = $1', [requestId]))

t.test('enterprises, per row: the refused row is reported, the others written and audited once', async (t) => {
  const rows = [enterpriseRow(), enterpriseRow({ 地址: '拒收路1号' }), enterpriseRow()]
  const job = await importFile('enterprises', 'per-row', await xlsxFile([ENTERPRISE_HEADER, ...rows]))
  t.match(job, { state: 'succeeded', accepted: 2, rejected: 1 })
  const entries = await audited(job.requestId)
  t.same(entries.map((e) => e.entity_id).sort(), [rows[0]![0], rows[2]![0]].sort() as string[], 'one entry for each written row, none for the refused one')
  t.match((await app.inject({ url: job.errorReport.csv, headers: auth })).body, /3,,数据与已登记的记录冲突，未能写入/)
})

t.test('grants, per row: a refused grant in a batch leaves no audit entry and no history', async (t) => {
  const e = await createEnterprise(app)
  const row = (title: string): Value[] => {
    const cells: Record<string, Value> = { 统一社会信用代码: e.uscc, 资质类型: 'HAOPIN_SHANDONG_BRAND', 认证产品或品牌: title, 发证机关: '山东省人民政府', 发证机关级别: '省级', 授予日期: '2023-12-20' }
    return QUALIFICATION_HEADER.map((h) => cells[h] ?? null)
  }
  const titles = ['甲', '拒收', '丙']
  const rows = titles.map(row)
  rows[2]![QUALIFICATION_HEADER.indexOf('授予日期')] = '2023-12-21'
  rows[0]![QUALIFICATION_HEADER.indexOf('授予日期')] = '2023-12-19'
  const job = await importFile('qualifications', 'per-row', await xlsxFile([QUALIFICATION_HEADER, ...rows]))
  t.match(job, { state: 'succeeded', accepted: 2, rejected: 1 })
  const [counts] = await db.query<{ q: number; ev: number }>(
    `SELECT (SELECT count(*)::int FROM qualification WHERE uscc = $1) AS q,
            (SELECT count(*)::int FROM qualification_event ev JOIN qualification q ON q.id = ev.qualification_id WHERE q.uscc = $1) AS ev`, [e.uscc])
  t.same(counts, { q: 2, ev: 2 })
  const entries = await audited(job.requestId)
  t.same(entries.map((x) => x.operation).sort(), ['qualification.grant', 'qualification.grant', 'qualification_event.create', 'qualification_event.create'], 'audit entries of the two written grants only')
})

t.test('atomic: a row refused while writing undoes the whole file', async (t) => {
  const rows = [enterpriseRow(), enterpriseRow(), enterpriseRow({ 法定代表人: '拒收' })]
  const job = await importFile('enterprises', 'atomic', await xlsxFile([ENTERPRISE_HEADER, ...rows]))
  t.match(job, { state: 'failed', accepted: 0, rejected: 1, problem: { code: 'import_rejected' } })
  const [left] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM enterprise WHERE uscc = ANY($1::bpchar[])', [rows.map((r) => r[0])])
  t.equal(left!.n, 0)
  t.same(await audited(job.requestId), [])
})
