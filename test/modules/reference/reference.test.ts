import t from 'tap'
import { bearer, build } from '../../helpers/app.ts'

const app = await build(t)
const admin = await bearer(['admin'])
const MERGE = { 'content-type': 'application/merge-patch+json' }

t.test('counties are data with validity, retired codes kept', async (t) => {
  const res = await app.inject({ url: '/v1/counties' })
  t.equal(res.statusCode, 200)
  const items = res.json().items
  t.equal(items.length, 13)
  const ling = items.find((c: { code: string }) => c.code === '371421')
  t.match(ling, { name: '陵县', retired: true, successorCode: '371403', validUntil: '2014-10-19' })
  t.match(items.find((c: { code: string }) => c.code === '371471'), { name: '德州天衢新区', kind: 'functional_zone', retired: false })
})

t.test('departments and the seeded catalog', async (t) => {
  const departments = (await app.inject({ url: '/v1/departments' })).json().items
  t.equal(departments.length, 14)
  t.ok(departments.some((d: { code: string; name: string }) => d.code === 'DEZHOU_CUSTOMS' && d.name === '德州海关'))
  const types = (await app.inject({ url: '/v1/qualification-types' })).json().items
  const codes = types.map((x: { code: string }) => x.code)
  for (const code of ['HAOPIN_SHANDONG_BRAND', 'TAISHAN_QUALITY_CERT', 'GOVERNOR_QUALITY_AWARD', 'HIGH_END_BRAND_CULTIVATION', 'MANUFACTURING_SINGLE_CHAMPION', 'QUALITY_BENCHMARK', 'CHINA_QUALITY_AWARD', 'CHINA_INDUSTRY_AWARD', 'CHINA_INDUSTRIAL_DESIGN_AWARD', 'GOVERNOR_CUP_DESIGN_AWARD', 'HIGH_TECH_ENTERPRISE', 'ALL_STAFF_INNOVATION', 'IP_ADVANTAGE_ENTERPRISE', 'IP_DEMONSTRATION_ENTERPRISE', 'ENTERPRISE_STANDARD', 'GROUP_STANDARD']) {
    t.ok(codes.includes(code), code)
  }
  const listing = types.filter((x: { countsAsListing: boolean }) => x.countsAsListing).map((x: { code: string }) => x.code)
  t.same(listing, ['HAOPIN_SHANDONG_BRAND'])
  t.match(types.find((x: { code: string }) => x.code === 'TAISHAN_QUALITY_CERT'), { certificateBased: true, level: 'provincial', leadDepartmentCode: 'MARKET_REGULATION' })
})

t.test('an admin extends and changes the catalog', async (t) => {
  const code = `GREEN_FOOD_${Date.now()}`
  const body = { code, name: '绿色食品认证', level: 'national', domain: 'product', leadDepartmentCode: 'AGRICULTURE_RURAL', certificateBased: true, defaultValidityMonths: 36 }
  const created = await app.inject({ method: 'POST', url: '/v1/qualification-types', headers: admin, payload: body })
  t.equal(created.statusCode, 201)
  t.equal(created.headers.location, `/v1/qualification-types/${code}`)
  t.match(created.json(), { ...body, countsAsListing: false, isStandard: false, version: 1 })
  const dup = await app.inject({ method: 'POST', url: '/v1/qualification-types', headers: admin, payload: body })
  t.equal(dup.statusCode, 409)
  t.equal(dup.json().code, 'qualification_type_exists')
  const badDept = await app.inject({ method: 'POST', url: '/v1/qualification-types', headers: admin, payload: { ...body, code: `${code}_X`, leadDepartmentCode: 'NOPE' } })
  t.equal(badDept.statusCode, 400)
  t.equal(badDept.json().errors[0].pointer, '/leadDepartmentCode')

  const etag = created.headers.etag as string
  const patched = await app.inject({ method: 'PATCH', url: `/v1/qualification-types/${code}`, headers: { ...admin, ...MERGE, 'if-match': etag }, payload: '{"defaultValidityMonths":null}' })
  t.equal(patched.statusCode, 200)
  t.equal(patched.json().defaultValidityMonths, null)
  t.equal(patched.json().version, 2)
  const stale = await app.inject({ method: 'PATCH', url: `/v1/qualification-types/${code}`, headers: { ...admin, ...MERGE, 'if-match': etag }, payload: '{"name":"x"}' })
  t.equal(stale.statusCode, 412)
  const codeChange = await app.inject({ method: 'PATCH', url: `/v1/qualification-types/${code}`, headers: { ...admin, ...MERGE }, payload: '{"code":"OTHER"}' })
  t.equal(codeChange.statusCode, 400)
  t.equal((await app.inject({ method: 'PATCH', url: '/v1/qualification-types/NOPE_NOPE', headers: { ...admin, ...MERGE }, payload: '{}' })).statusCode, 404)
})
