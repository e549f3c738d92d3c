// Case list exports through the shared machinery (src/lib/export.ts): CSV for Excel (BOM, Chinese
// header, a formula-like title neutralised), NDJSON lines equal to the JSON items, a county token's
// export holding its own county's cases only, the same bytes for the same pinned knownAt, and the
// enterprise's own case list exporting the same way.
import { createHash, randomInt } from 'node:crypto'
import t from 'tap'
import { build, newUscc } from '../../helpers/app.ts'
import { createEnterprise, reader } from '../../helpers/fixtures.ts'
import { city, county, openCase, record } from './helpers.ts'

const app = await build(t)

// Cases of this file are opened in a minute of their own (the server database is shared), found by openedFrom/openedTo.
const base = Date.UTC(2016 + randomInt(7), randomInt(12), 1 + randomInt(28), randomInt(24), randomInt(60))
const at = (seconds: number) => new Date(base + seconds * 1000).toISOString()
const window = `openedFrom=${encodeURIComponent(at(0))}&openedTo=${encodeURIComponent(at(60))}`
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

const here = await createEnterprise(app)
const there = await createEnterprise(app, { countyCode: '371425' })
const formula = await openCase(app, here.uscc, { title: '=SUM(A1:A9) 抽查不合格', occurredAt: at(1), problemOccurredAt: at(0) })
const plain = await openCase(app, here.uscc, { title: '监督抽查不合格, "有机小米"', occurredAt: at(2), problemOccurredAt: at(0), severity: 'minor' })
const theirs = await openCase(app, there.uscc, { occurredAt: at(3), problemOccurredAt: at(0) })
const noted = await record(app, plain.id, { type: 'note', occurredAt: at(4), payload: { text: '企业已提交说明材料' } }, await city())
if (noted.statusCode !== 201) throw new Error(`note failed: ${noted.statusCode} ${noted.body}`)
// Everything above is recorded by now.
const knownAt = new Date().toISOString()
const pinned = `knownAt=${encodeURIComponent(knownAt)}&asOf=${encodeURIComponent(knownAt)}`

t.test('CSV for Excel: BOM, Chinese header, a title starting with = escaped, quoting, provenance headers', async (t) => {
  const res = await app.inject({ method: 'GET', url: `/v1/supervision-cases?${window}&${pinned}&format=csv&header=zh`, headers: await city() })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/csv; charset=utf-8/)
  t.same([...res.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'BOM')
  const lines = res.rawPayload.subarray(3).toString('utf8').split('\r\n')
  t.match(lines[0], /^案件ID,案件编号,外部文号,统一社会信用代码,企业名称,县\(市、区\)代码,县\(市、区\),案件来源,问题类别,严重程度,案件名称,问题描述,/)
  t.equal(lines.length, 5, 'header, three cases, and the final CRLF')
  t.same(lines.slice(1, 4).map((l) => l.slice(0, 36)), [formula.id, plain.id, theirs.id], 'in openedAt order')
  t.match(lines[1], /,'=SUM\(A1:A9\) 抽查不合格,/, 'a title starting with = is escaped')
  t.match(lines[2], /,"监督抽查不合格, ""有机小米""",/, 'RFC 4180 quoting')
  t.equal(res.headers['registry-known-at'], knownAt)
  t.match(res.headers['content-disposition'], /^attachment; filename="supervision-cases-[0-9TZ-]+\.csv"; filename\*=UTF-8''/)
  t.match(decodeURIComponent(String(res.headers['content-disposition']).split("''")[1]!), /^监管案件-/)
  t.match(res.headers['content-location'], /format=csv/)

  const en = await app.inject({ method: 'GET', url: `/v1/supervision-cases?${window}&${pinned}&format=csv&timeZone=Asia/Shanghai`, headers: await city() })
  t.match(en.body.split('\r\n')[0], /^\uFEFFid,case_no,external_ref,uscc,enterprise_name,county_code,/)
  t.ok(en.body.includes(`,${new Date(base + 8 * 3600_000 + 1000).toISOString().replace('Z', '+08:00')},`), 'openedAt in Asia/Shanghai')
})

t.test('NDJSON lines equal the JSON items for the same filters; asOf defaults to the export\'s knownAt', async (t) => {
  for (const filter of [window, `${window}&severity=serious`, `${window}&uscc=${here.uscc}`]) {
    const json = await app.inject({ method: 'GET', url: `/v1/supervision-cases?${filter}&${pinned}&limit=200`, headers: await city() })
    const nd = await app.inject({ method: 'GET', url: `/v1/supervision-cases?${filter}&${pinned}`, headers: { ...(await city()), accept: 'application/x-ndjson' } })
    t.equal(nd.statusCode, 200)
    t.match(nd.headers['content-type'], /^application\/x-ndjson/)
    const items = json.json().items
    t.ok(items.length > 0)
    t.same(nd.body.trimEnd().split('\n').map((l) => JSON.parse(l)), items, `NDJSON lines are the JSON items (${filter.split('&').slice(2).join('&') || 'window'})`)
  }
  const nd = await app.inject({ method: 'GET', url: `/v1/supervision-cases?${window}&knownAt=${encodeURIComponent(knownAt)}&format=ndjson`, headers: await city() })
  t.same(nd.body.trimEnd().split('\n').map((l) => JSON.parse(l).asOf), [knownAt, knownAt, knownAt])
})

t.test('a county token\'s export holds its own county\'s cases only', async (t) => {
  for (const format of ['csv', 'ndjson']) {
    const mine = await app.inject({ method: 'GET', url: `/v1/supervision-cases?${window}&${pinned}&format=${format}`, headers: await county('371402') })
    t.equal(mine.statusCode, 200)
    const body = mine.body
    t.ok(body.includes(formula.id) && body.includes(plain.id), `${format}: its own county's cases`)
    t.notOk(body.includes(theirs.id), `${format}: not another county's`)
    t.notOk(body.includes('371425'))
  }
  const other = await app.inject({ method: 'GET', url: `/v1/supervision-cases?${window}&format=ndjson`, headers: await county('371425') })
  t.same(other.body.trimEnd().split('\n').map((l) => JSON.parse(l).id), [theirs.id])
  const asked = await app.inject({ method: 'GET', url: `/v1/supervision-cases?${window}&countyCode=371425&format=csv`, headers: await county('371402') })
  t.same([asked.statusCode, asked.json().code], [403, 'forbidden_county'])
  const enterprise = await app.inject({ method: 'GET', url: `/v1/enterprises/${there.uscc}/supervision-cases?format=csv`, headers: await county('371402') })
  t.equal(enterprise.statusCode, 200)
  t.equal(enterprise.body.split('\r\n').length, 2, 'another county\'s enterprise: the header only, as its JSON list is empty')
  const noScope = await app.inject({ method: 'GET', url: `/v1/supervision-cases?${window}&format=csv`, headers: await reader() })
  t.equal(noScope.statusCode, 403, 'supervision:read is needed, as for the page')
})

t.test('the same pinned knownAt gives the same bytes after later changes', async (t) => {
  const url = `/v1/supervision-cases?${window}&knownAt=${encodeURIComponent(knownAt)}&format=csv&header=zh`
  const first = await app.inject({ method: 'GET', url, headers: await city() })
  const later = await record(app, formula.id, { type: 'note', occurredAt: at(5), payload: { text: '补充说明' } }, await city())
  t.equal(later.statusCode, 201)
  const added = await openCase(app, here.uscc, { occurredAt: at(6), problemOccurredAt: at(0) })
  const again = await app.inject({ method: 'GET', url, headers: await city() })
  t.equal(sha(again.rawPayload), sha(first.rawPayload), 'same SHA-256')
  const now = await app.inject({ method: 'GET', url: `/v1/supervision-cases?${window}&format=csv&header=zh`, headers: await city() })
  t.ok(now.body.includes(added.id), 'an unpinned export sees the later case')
  t.equal(now.headers['registry-snapshot'], 'provisional')
})

t.test('the enterprise\'s case list exports the same way', async (t) => {
  const url = `/v1/enterprises/${here.uscc}/supervision-cases?${pinned}`
  const json = await app.inject({ method: 'GET', url: `${url}&limit=200`, headers: await city() })
  const nd = await app.inject({ method: 'GET', url: `${url}&format=ndjson`, headers: await city() })
  t.same(nd.body.trimEnd().split('\n').map((l) => JSON.parse(l)), json.json().items)
  t.same(json.json().items.map((c: any) => c.id), [formula.id, plain.id])
  const csv = await app.inject({ method: 'GET', url, headers: { ...(await county('371402')), accept: 'text/csv' } })
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-disposition'], new RegExp(`filename="supervision-cases-${here.uscc}-`))
  t.equal(csv.body.split('\r\n').length, 4)
  t.equal((await app.inject({ method: 'GET', url: `/v1/enterprises/${newUscc()}/supervision-cases?format=csv`, headers: await city() })).statusCode, 404)
  const paged = await app.inject({ method: 'GET', url: `${url}&format=csv&limit=10`, headers: await city() })
  t.same([paged.statusCode, paged.json().errors[0].pointer], [400, '/limit'])
  const refused = await app.inject({ method: 'GET', url: `/v1/supervision-cases?${window}`, headers: { ...(await city()), accept: 'application/pdf' } })
  t.same([refused.statusCode, refused.json().code], [406, 'not_acceptable'])
})
