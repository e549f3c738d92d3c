// Cells and rows as people fill them in: codes, dates, drop-down values, and the Chinese reasons
// a row is refused. Pure functions, no database.
import t from 'tap'
import { cellDay, codeText, shanghaiDayOf, shanghaiDayStart, nextDay } from '../../../src/modules/imports/cells.ts'
import { matchHeader } from '../../../src/modules/imports/columns.ts'
import { enterpriseFromRow, grantFromRow, rowReader, type Reference } from '../../../src/modules/imports/rows.ts'
import { ENTERPRISE_HEADER, QUALIFICATION_HEADER } from '../../helpers/spreadsheets.ts'

const ref: Reference = {
  counties: [
    { code: '371402', name: '德城区', retired: false, successor: null },
    { code: '371403', name: '陵城区', retired: false, successor: null },
    { code: '371421', name: '陵县', retired: true, successor: '371403' },
    { code: '371425', name: '齐河县', retired: false, successor: null },
  ],
  types: [
    { code: 'HAOPIN_SHANDONG_BRAND', name: '"好品山东"品牌', certificateBased: false },
    { code: 'TAISHAN_QUALITY_CERT', name: '"泰山品质"认证', certificateBased: true },
  ],
}

const enterprise = (cells: Record<string, unknown>, county?: string) =>
  enterpriseFromRow(rowReader(matchHeader('enterprises', ENTERPRISE_HEADER).columns, ENTERPRISE_HEADER.map((h) => (cells[h] ?? null) as never)), ref, county)
const grant = (cells: Record<string, unknown>, today = '2025-06-01') =>
  grantFromRow(rowReader(matchHeader('qualifications', QUALIFICATION_HEADER).columns, QUALIFICATION_HEADER.map((h) => (cells[h] ?? null) as never)), ref, today)

t.test('codes: spaces, lower case and full-width characters are normalised', async (t) => {
  t.equal(codeText(' 9135 0100 m000 100y43 '), '91350100M000100Y43')
  t.equal(codeText('９１３５０１００Ｍ０００１００Ｙ４３'), '91350100M000100Y43')
  t.equal(codeText('ＴＳＰＺ－２０２４－０００１'), 'TSPZ-2024-0001')
  t.equal(codeText('\u300091350100M000100Y43\u00a0'), '91350100M000100Y43', 'ideographic and no-break spaces')
  const r = enterprise({ 统一社会信用代码: '９１３５０１００ｍ０００ １００ｙ４３', 企业名称: '德州市华源生态科技有限公司', '所属县（市、区）': '３７１４０２ 德城区' })
  t.ok(r.ok)
  if (r.ok) {
    t.equal(r.value.uscc, '91350100M000100Y43')
    t.equal(r.value.input.countyCode, '371402')
  }
})

t.test('dates: Excel serials and the text forms people type, as Asia/Shanghai days', async (t) => {
  t.same(cellDay(45366), { ok: true, day: '2024-03-15' }, 'Excel serial number')
  t.same(cellDay(45366.75), { ok: true, day: '2024-03-15' }, 'a time of day is dropped')
  t.same(cellDay(20240315), { ok: true, day: '2024-03-15' }, 'yyyymmdd typed as a number')
  for (const text of ['2024-03-15', '2024/3/15', '2024.3.15', '2024年3月15日', '２０２４年３月１５日', '20240315', '2024-03-15 08:30:00', '2024-3-15T00:00']) {
    t.same(cellDay(text), { ok: true, day: '2024-03-15' }, text)
  }
  for (const bad of ['2024-02-30', '15/03/2024', '明天', '2024-13-01']) {
    const r = cellDay(bad)
    t.notOk(r.ok, bad)
    if (!r.ok) t.match(r.message, /日期/)
  }
  t.equal(shanghaiDayStart('2024-03-15').toISOString(), '2024-03-14T16:00:00.000Z', 'midnight in Dezhou is 16:00 UTC the day before')
  t.equal(shanghaiDayStart('1988-07-01').toISOString(), '1988-06-30T15:00:00.000Z', 'China kept summer time (UTC+9) in 1986–1991')
  t.equal(nextDay('2024-02-28'), '2024-02-29')
  t.equal(shanghaiDayOf(new Date('2024-03-14T16:00:00Z')), '2024-03-15')
})

t.test('an enterprise row: drop-down labels or codes, blank cells left out', async (t) => {
  const r = enterprise({
    统一社会信用代码: '91350100M000100Y43',
    企业名称: ' 德州市华源生态科技有限公司 ',
    '所属县（市、区）': '德城区',
    培育阶段: '创建一批',
    经营状态: 'abnormal',
    培育名单: 'INDUSTRIAL_TOP50:2024；ｔｏｐ１０：２０２３',
    联系电话: '０５３４－２３４５６７８',
  })
  t.ok(r.ok)
  if (!r.ok) return
  t.same(r.value.input, {
    uscc: '91350100M000100Y43',
    name: '德州市华源生态科技有限公司',
    countyCode: '371402',
    contact: { phone: '0534-2345678' },
    cultivationStage: 'established',
    businessStatus: 'abnormal',
    cultivationLists: [{ list: 'INDUSTRIAL_TOP50', year: 2024 }, { list: 'TOP10', year: 2023 }],
  })
})

t.test('a refused enterprise row says why in Chinese, on each column concerned', async (t) => {
  const r = enterprise({
    统一社会信用代码: '91350100M000100Y44',
    '所属县（市、区）': '371421 陵县',
    培育阶段: '第一批',
    电子邮箱: 'not-an-email',
    行业代码: 'C1391',
    地址: 'x'.repeat(501),
  })
  t.notOk(r.ok)
  if (r.ok) return
  const by = Object.fromEntries(r.errors.map((e) => [e.column, e.message]))
  t.match(by['统一社会信用代码'], /校验位不符：按GB 32100应为“3”，实际为“4”/)
  t.equal(by['企业名称'], '必填')
  t.match(by['所属县（市、区）'], /371421（陵县）已撤销，请改用 371403（陵城区）/)
  t.match(by['培育阶段'], /“第一批”不是可选值（可选：规划一批、培育一批、创建一批）/)
  const schema = enterprise({ 统一社会信用代码: '91350100M000100Y43', 企业名称: '企业', '所属县（市、区）': '371402', 电子邮箱: 'not-an-email', 地址: 'x'.repeat(501) })
  t.notOk(schema.ok)
  if (!schema.ok) {
    const errors = Object.fromEntries(schema.errors.map((e) => [e.column, e.message]))
    t.equal(errors['电子邮箱'], '不是有效的电子邮箱', 'the write\'s own schema, in Chinese')
    t.equal(errors['地址'], '不能超过500个字符')
  }
})

t.test('a county token imports its own county only', async (t) => {
  const r = enterprise({ 统一社会信用代码: '91350100M000100Y43', 企业名称: '齐河县企业', '所属县（市、区）': '371425 齐河县' }, '371402')
  t.notOk(r.ok)
  if (!r.ok) t.match(r.errors[0]!.message, /本令牌只能导入371402（德城区）的数据，此行属于371425（齐河县）/)
})

t.test('formulas and error values are row errors on their column', async (t) => {
  const r = enterprise({ 统一社会信用代码: '91350100M000100Y43', 企业名称: { f: 'A1&"公司"' }, '所属县（市、区）': { e: '#N/A' } })
  t.notOk(r.ok)
  if (r.ok) return
  t.same(r.errors, [
    { column: '企业名称', message: '单元格含公式（=A1&"公司"），请复制后“粘贴为数值”再导入' },
    { column: '所属县（市、区）', message: '单元格是错误值 #N/A' },
  ])
})

t.test('a grant row: type by code or name, days in Asia/Shanghai, 有效期至 the last valid day', async (t) => {
  const r = grant({
    统一社会信用代码: '91350100m000100y43',
    资质类型: 'TAISHAN_QUALITY_CERT "泰山品质"认证',
    证书编号: 'ｔｓｐｚ－２０２４－０００１',
    发证机关: '山东省市场监督管理局',
    发证机关级别: '省级',
    授予日期: 45366,
    有效期至: '2027年3月14日',
  })
  t.ok(r.ok)
  if (!r.ok) return
  t.same(r.value.input, {
    type: 'TAISHAN_QUALITY_CERT',
    issuer: '山东省市场监督管理局',
    issuerLevel: 'province',
    grantedAt: '2024-03-14T16:00:00.000Z',
    certificateNo: 'TSPZ-2024-0001',
    validUntil: '2027-03-14T16:00:00.000Z',
  })
  const byName = grant({ 统一社会信用代码: '91350100M000100Y43', 资质类型: '“好品山东”品牌', 发证机关: '山东省人民政府', 发证机关级别: 'province', 授予日期: '2023-12-20' })
  t.ok(byName.ok && byName.value.input.type === 'HAOPIN_SHANDONG_BRAND', 'a type by its name, whatever the quotes')
})

t.test('a refused grant row', async (t) => {
  const r = grant({ 统一社会信用代码: '91350100M000100Y43', 资质类型: 'TAISHAN_QUALITY_CERT', 发证机关级别: '乡级', 授予日期: '2025-06-02', 有效期至: '2024-01-01' })
  t.notOk(r.ok)
  if (r.ok) return
  const by = Object.fromEntries(r.errors.map((e) => [e.column, e.message]))
  t.match(by['证书编号'], /证书类资质，必须填写证书编号/)
  t.equal(by['发证机关'], '必填')
  t.match(by['发证机关级别'], /“乡级”不是可选值/)
  t.equal(by['授予日期'], '不得晚于今天（2025-06-01）')
  t.match(by['有效期至'], /不得早于有效期起/)
  const unknown = grant({ 统一社会信用代码: '91350100M000100Y43', 资质类型: '驰名商标', 发证机关: '国家知识产权局', 发证机关级别: '国家级', 授予日期: '2020-01-01' })
  t.notOk(unknown.ok)
  if (!unknown.ok) t.match(unknown.errors[0]!.message, /未知的资质类型“驰名商标”/)
})

t.test('headers: marks, spaces and full-width forms match; other languages do not', async (t) => {
  const m = matchHeader('enterprises', ['统一社会信用代码*', ' 企业名称 ', '所属县(市、区)', '', '备注'])
  t.same(m.columns.map((c) => c?.key), ['uscc', 'name', 'county', undefined, undefined])
  t.same(m.unknown, ['备注'])
  t.same(m.missing, [])
  const english = matchHeader('enterprises', ['USCC', 'Name', 'County'])
  t.same(english.unknown, ['USCC', 'Name', 'County'])
  t.same(english.missing.map((c) => c.header), ['统一社会信用代码', '企业名称', '所属县（市、区）'])
  t.same(matchHeader('enterprises', ['统一社会信用代码', '信用代码', '企业名称', '所属县区']).duplicated, ['信用代码'])
})
