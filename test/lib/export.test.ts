// The shared export machinery (src/lib/export.ts) through the lists that use it: CSV for Excel
// (BOM, CRLF, Chinese header, formula escaping, time zones), NDJSON equal to the JSON items,
// negotiation (406, cursor with an export), provenance headers and reproducible bytes.
import { createHash } from 'node:crypto'
import t from 'tap'
import { build, newUscc } from '../helpers/app.ts'
import { createEnterprise, grant, reader } from '../helpers/fixtures.ts'
import { cellsOf, csvText, renderInstant } from '../../src/lib/export.ts'
import { QUALIFICATION_COLUMNS } from '../../src/modules/qualifications/qualifications.service.ts'

// Settled at once here: the test pins knownAt a second in the past (the default window is 60 s).
const app = await build(t, { EXPORT_SETTLE_SECONDS: '0' })
const read = await reader()
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

const e = await createEnterprise(app, { uscc: newUscc('371428'), name: '=HYPERLINK("http://x")德州测试有限公司', countyCode: '371428' })
const q1 = await grant(app, e.uscc, { grantedAt: '2024-02-01T00:00:00.000Z', batch: '=1+1' })
await grant(app, e.uscc, { grantedAt: '2024-03-01T00:00:00.000Z' })
const base = `/v1/qualifications?uscc=${e.uscc}`

t.test('CSV: BOM, CRLF, Chinese header, formulas escaped, Shanghai times', async (t) => {
  const res = await app.inject({ method: 'GET', url: `${base}&header=zh&timeZone=Asia/Shanghai`, headers: { ...read, accept: 'text/csv' } })
  t.equal(res.statusCode, 200, res.body)
  t.match(res.headers['content-type'], /^text\/csv; charset=utf-8; header=present/)
  const bytes = res.rawPayload
  t.same([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the UTF-8 BOM')
  const text = bytes.subarray(3).toString('utf8')
  const lines = text.split('\r\n')
  t.match(lines[0], /^资质编号,统一社会信用代码,企业名称,/)
  t.equal(lines.length, 4, 'header, two rows, and the final CRLF')
  t.match(lines[1], /,"'=HYPERLINK\(""http:\/\/x""\)德州测试有限公司",/, 'a name starting with = is prefixed with \' and quoted')
  t.match(lines[1], /,'=1\+1,/, 'the batch starting with = is escaped')
  t.match(lines[1], /2024-02-01T08:00:00\.000\+08:00/, 'times in Asia/Shanghai')
  t.match(res.headers['content-disposition'], /^attachment; filename="qualifications-[\dTZ-]+\.csv"; filename\*=UTF-8''%E8%B5%84%E8%B4%A8/)
  t.ok(res.headers['registry-known-at'])
})

t.test('NDJSON lines parse and equal the JSON items', async (t) => {
  const json = await app.inject({ method: 'GET', url: base, headers: read })
  const knownAt = json.json().items[0].knownAt
  const pinned = await app.inject({ method: 'GET', url: `${base}&knownAt=${encodeURIComponent(knownAt)}&asOf=${encodeURIComponent(knownAt)}`, headers: read })
  const nd = await app.inject({ method: 'GET', url: `${base}&format=ndjson&knownAt=${encodeURIComponent(knownAt)}`, headers: read })
  t.equal(nd.statusCode, 200)
  t.match(nd.headers['content-type'], /^application\/x-ndjson/)
  t.ok(nd.body.endsWith('\n'))
  const lines = nd.body.trimEnd().split('\n').map((l) => JSON.parse(l))
  t.same(lines, pinned.json().items)
  t.equal(lines[0].id, q1.id)
})

t.test('qualifications: CSV cells selected in SQL equal the JSON items\' fields, in the column order', async (t) => {
  const json = await app.inject({ method: 'GET', url: base, headers: read })
  const knownAt = json.json().items[0].knownAt
  const pinned = `${base}&knownAt=${encodeURIComponent(knownAt)}&asOf=${encodeURIComponent(knownAt)}`
  const items = (await app.inject({ method: 'GET', url: pinned, headers: read })).json().items
  for (const [header, timeZone] of [['en', 'UTC'], ['zh', 'Asia/Shanghai']] as const) {
    const csv = await app.inject({ method: 'GET', url: `${pinned}&format=csv&header=${header}&timeZone=${timeZone}`, headers: read })
    t.equal(csv.body, csvText(cellsOf(items, QUALIFICATION_COLUMNS), QUALIFICATION_COLUMNS, { header, timeZone }, true), `${header}, ${timeZone}`)
  }
})

t.test('same pinned knownAt: the same bytes; provenance headers', async (t) => {
  const knownAt = new Date(Date.now() - 1000).toISOString()
  const url = `${base}&format=csv&knownAt=${encodeURIComponent(knownAt)}`
  const a = await app.inject({ method: 'GET', url, headers: read })
  await grant(app, e.uscc, { grantedAt: '2024-01-01T00:00:00.000Z' })
  const b = await app.inject({ method: 'GET', url, headers: read })
  t.equal(sha(a.rawPayload), sha(b.rawPayload))
  t.equal(a.headers['registry-known-at'], knownAt)
  t.notOk(a.headers['registry-snapshot'], 'settled (EXPORT_SETTLE_SECONDS=0 here)')
  t.match(a.headers['content-location'], /knownAt=/)
  t.match(a.headers['registry-audit-head'], /^\d+:[0-9a-f]{64}$/)
})

t.test('negotiation: 406 for an unsupported Accept, 400 for cursor or limit with an export', async (t) => {
  const r406 = await app.inject({ method: 'GET', url: base, headers: { ...read, accept: 'application/xml' } })
  t.equal(r406.statusCode, 406)
  t.equal(r406.json().code, 'not_acceptable')
  const star = await app.inject({ method: 'GET', url: base, headers: { ...read, accept: 'application/xml, */*;q=0.1' } })
  t.equal(star.statusCode, 200)
  t.match(star.headers['content-type'], /application\/json/)
  const withLimit = await app.inject({ method: 'GET', url: `${base}&format=csv&limit=10`, headers: read })
  t.equal(withLimit.statusCode, 400)
  t.equal(withLimit.json().errors[0].pointer, '/limit')
})

t.test('enterprises export: every matching row, as CSV and NDJSON', async (t) => {
  const county = '371481'
  const made = []
  for (let i = 0; i < 3; i++) made.push(await createEnterprise(app, { uscc: newUscc(county), countyCode: county }))
  await app.documentRefresher.runOnce()
  const page = await app.inject({ method: 'GET', url: `/v1/enterprises?countyCode=${county}&limit=200`, headers: read })
  const nd = await app.inject({ method: 'GET', url: `/v1/enterprises?countyCode=${county}`, headers: { ...read, accept: 'application/x-ndjson' } })
  t.equal(nd.statusCode, 200)
  t.same(nd.body.trimEnd().split('\n').map((l) => JSON.parse(l)), page.json().items)
  t.equal(nd.headers['registry-snapshot'], 'provisional', 'this list answers now only')
  const csv = await app.inject({ method: 'GET', url: `/v1/enterprises?countyCode=${county}&format=csv&header=zh`, headers: read })
  t.match(csv.body, /^\uFEFF统一社会信用代码,企业名称,/)
  t.equal(csv.body.split('\r\n').length, page.json().items.length + 2)
})

t.test('csvText, cellsOf and renderInstant', async (t) => {
  t.equal(renderInstant('2025-06-30T16:00:00.000Z', 'Asia/Shanghai'), '2025-07-01T00:00:00.000+08:00')
  const columns = [
    { key: 'a', zh: '甲' }, { key: 'b_c', path: 'b.c', zh: '乙' }, { key: 'd', zh: '丙' }, { key: 'e', zh: '丁' }, { key: 'f', zh: '戊' },
    { key: 'g', zh: '己', time: true },
  ]
  const rows = cellsOf([{ a: '+1', b: { c: 'x\ny' }, d: [1, 2], e: null, f: true, g: '2025-06-30T16:00:00.000Z' }, { a: '-2', b: null, d: [{ x: 1 }], f: false }], columns)
  t.same(rows, [['+1', 'x\ny', [1, 2], null, true, '2025-06-30T16:00:00.000Z'], ['-2', null, [{ x: 1 }], undefined, false, undefined]])
  t.equal(csvText(rows, columns, { header: 'en', timeZone: 'UTC' }, true), '\uFEFFa,b_c,d,e,f,g\r\n\'+1,"x\ny",1;2,,true,2025-06-30T16:00:00.000Z\r\n\'-2,,"{""x"":1}",,false,\r\n')
  t.equal(csvText(rows.slice(0, 1), columns, { header: 'zh', timeZone: 'Asia/Shanghai' }, false), '\'+1,"x\ny",1;2,,true,2025-07-01T00:00:00.000+08:00\r\n', 'no BOM nor header after the first batch')
  t.equal(csvText([], columns, { header: 'zh', timeZone: 'UTC' }, true), '\uFEFF甲,乙,丙,丁,戊,己\r\n')
})

t.test('target contributors export: NDJSON lines equal the JSON items, CSV in Chinese', async (t) => {
  const knownAt = new Date(Date.now() - 1000).toISOString()
  const q = `asOf=2025-07-01T00:00:00%2B08:00&knownAt=${encodeURIComponent(knownAt)}&includeExcluded=true`
  const items: unknown[] = []
  let cursor: string | null = null
  do {
    const res: Awaited<ReturnType<typeof app.inject>> = await app.inject({ method: 'GET', url: `/v1/targets/HIGH_TECH_ENTERPRISES/contributors?${q}&limit=200${cursor ? `&cursor=${cursor}` : ''}`, headers: read })
    t.equal(res.statusCode, 200, res.body)
    items.push(...res.json().items)
    cursor = res.json().nextCursor
  } while (cursor)
  const nd = await app.inject({ method: 'GET', url: `/v1/targets/HIGH_TECH_ENTERPRISES/contributors?${q}&format=ndjson`, headers: read })
  t.equal(nd.statusCode, 200)
  t.same(nd.body === '' ? [] : nd.body.trimEnd().split('\n').map((l) => JSON.parse(l)), items)
  const csv = await app.inject({ method: 'GET', url: `/v1/targets/HIGH_TECH_ENTERPRISES/contributors?${q}&format=csv&header=zh`, headers: read })
  t.match(csv.body, /^\uFEFF资质编号,统一社会信用代码,企业名称,/)
  t.equal(csv.headers['registry-known-at'], knownAt)
})
