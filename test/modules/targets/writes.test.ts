// Changing a target's definition (a new version from effectiveFrom, city-level and department
// rules, If-Match, checked metrics, audited) and recording measurements of reported targets
// (append-only, corrections supersede, county tokens for their own county).
import t from 'tap'
import { bearer, buildOwn } from '../../helpers/app.ts'
import { day } from './fixture.ts'

const { app } = await buildOwn(t)
await app.ready()
const city = await bearer(['registry:read', 'targets:write'], { sub: 'city-market-regulation' })
const reader = await bearer(['registry:read', 'audit:read'])
const mergePatch = (code: string, body: unknown, headers: Record<string, string> = city) =>
  app.inject({ method: 'PATCH', url: `/v1/targets/${code}`, headers: { ...headers, 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify(body) })
const measure = (code: string, body: Record<string, unknown>, headers: Record<string, string> = city) =>
  app.inject({ method: 'POST', url: `/v1/targets/${code}/measurements`, headers, payload: { source: '德州市质量发展研究中心顾客满意度测评', ...body } })
const progressOf = async (code: string, query: Record<string, string> = {}) => {
  const res = await app.inject({ method: 'GET', url: `/v1/target-plans/DEZHOU_HAOPIN_2025/progress?${new URLSearchParams({ target: code, ...query })}`, headers: reader })
  return res.json().items[0]
}

t.test('a Merge Patch records a new definition version that takes effect at effectiveFrom', async (t) => {
  const before = await app.inject({ method: 'GET', url: '/v1/targets/HIGH_TECH_ENTERPRISES', headers: reader })
  t.equal(before.statusCode, 200)
  const stale = await mergePatch('HIGH_TECH_ENTERPRISES', { tolerancePercent: 10 }, { ...city, 'if-match': '"stale"' })
  t.equal(stale.statusCode, 412)
  const res = await mergePatch('HIGH_TECH_ENTERPRISES', { tolerancePercent: 10, effectiveFrom: '2025-01-01T00:00:00+08:00', changeNote: '“左右”按10%掌握' }, { ...city, 'if-match': before.headers.etag as string })
  t.equal(res.statusCode, 200, res.body)
  const doc = res.json()
  t.same([doc.version, doc.definition.version, doc.definition.tolerancePercent, doc.definition.value], [2, 2, 10, 500])
  t.not(res.headers.etag, before.headers.etag)
  t.same(doc.history, undefined)
  const read = (await app.inject({ method: 'GET', url: '/v1/targets/HIGH_TECH_ENTERPRISES', headers: reader })).json()
  t.same(read.history.map((d: any) => [d.version, d.tolerancePercent]), [[1, 5], [2, 10]])
  t.equal((await progressOf('HIGH_TECH_ENTERPRISES', { asOf: day('2024-12-31').toISOString() })).tolerancePercent, 5, 'before effectiveFrom: version 1')
  t.equal((await progressOf('HIGH_TECH_ENTERPRISES', { asOf: day('2025-06-01').toISOString() })).tolerancePercent, 10, 'from effectiveFrom: version 2')
  const earlier = new Date(Date.parse(read.history[1].recordedAt) - 1).toISOString()
  t.equal((await progressOf('HIGH_TECH_ENTERPRISES', { asOf: day('2025-06-01').toISOString(), knownAt: earlier })).tolerancePercent, 5, 'as known before it was recorded: version 1')
  const audit = await app.inject({ method: 'GET', url: '/v1/audit-events?entityType=target&entityId=HIGH_TECH_ENTERPRISES', headers: reader })
  t.same(audit.json().items.map((e: any) => [e.operation, e.after?.definition?.version]), [['target.update', 2]])
  const history = await app.inject({ method: 'GET', url: '/v1/audit-events?entityType=target_definition&entityId=HIGH_TECH_ENTERPRISES:2', headers: reader })
  t.equal(history.json().items.length, 1, 'the appended definition has its own entry')
  const back = await mergePatch('HIGH_TECH_ENTERPRISES', { tolerancePercent: 5, effectiveFrom: '2024-01-01T00:00:00+08:00' })
  t.equal(back.statusCode, 409)
  t.equal(back.json().code, 'out_of_order_change')
})

t.test('who may change a definition: city-level tokens; a department only for its own targets', async (t) => {
  const county = await mergePatch('STANDARDS', { label: '标准' }, await bearer(['targets:write'], { county: '371402' }))
  t.same([county.statusCode, county.json().code], [403, 'city_level_required'])
  const other = await mergePatch('ALL_STAFF_INNOVATION', { label: '全员创新企业' }, await bearer(['targets:write'], { dept: 'FINANCE' }))
  t.same([other.statusCode, other.json().code, other.json().department], [403, 'forbidden_department', 'FINANCE'])
  const own = await mergePatch('ALL_STAFF_INNOVATION', { changeNote: '市总工会确认口径' }, await bearer(['targets:write'], { dept: 'TRADE_UNION' }))
  t.equal(own.statusCode, 200, '市总工会 is among 二(三)\'s units')
  t.equal((await mergePatch('STANDARDS', { label: 'x' }, await bearer(['registry:read']))).statusCode, 403)
})

t.test('metrics and numbers are checked with pointers; nothing is written on a bad request', async (t) => {
  const kind = await mergePatch('STANDARDS', { metric: { kind: 'countAll' } })
  t.same([kind.statusCode, kind.json().errors[0].pointer], [400, '/metric/kind'])
  const type = await mergePatch('STANDARDS', { metric: { kind: 'newlyGranted', types: ['ENTERPRISE_STANDARD', 'NOPE'], countBy: 'qualification' } })
  t.same([type.statusCode, type.json().errors[0].pointer], [400, '/metric/types/1'])
  const field = await mergePatch('STANDARDS', { metric: { kind: 'activeAt', types: ['ENTERPRISE_STANDARD'], countBy: 'each' } })
  t.same([field.statusCode, field.json().errors[0].pointer], [400, '/metric/countBy'])
  const indicator = await mergePatch('STANDARDS', { comparator: 'indicator' })
  t.same([indicator.statusCode, indicator.json().errors[0].pointer], [400, '/value'])
  const dept = await mergePatch('STANDARDS', { responsibleDepartments: ['MARKET_REGULATION', 'NO_SUCH_UNIT'] })
  t.same([dept.statusCode, dept.json().errors[0].pointer], [400, '/responsibleDepartments/1'])
  const media = await app.inject({ method: 'PATCH', url: '/v1/targets/STANDARDS', headers: { ...city, 'content-type': 'text/plain' }, payload: '{"label":"x"}' })
  t.equal(media.statusCode, 415, 'a merge patch is JSON')
  const read = (await app.inject({ method: 'GET', url: '/v1/targets/STANDARDS', headers: reader })).json()
  t.equal(read.version, 1, 'still one version')
  const approx = await mergePatch('STANDARDS', { comparator: 'approximately', responsibleDepartments: ['MARKET_REGULATION', 'SCIENCE_TECH'] })
  t.equal(approx.statusCode, 200)
  t.same([approx.json().definition.tolerancePercent, approx.json().definition.responsibleFrom, approx.json().definition.responsibleDepartments[1].name], [5, 'target', '市科技局'], '左右 defaults to 5 %')
})

t.test('measurements: append-only, a correction supersedes, the latest measurement decides (A6)', async (t) => {
  const m2023 = await measure('PRODUCER_SERVICE_SATISFACTION', { periodFrom: '2023-01-01T00:00:00+08:00', periodTo: '2024-01-01T00:00:00+08:00', value: 84 })
  t.equal(m2023.statusCode, 201, m2023.body)
  const m2024 = await measure('PRODUCER_SERVICE_SATISFACTION', { periodFrom: '2024-01-01T00:00:00+08:00', periodTo: '2025-01-01T00:00:00+08:00', value: 86.5, documentNo: '德质发〔2025〕3号' })
  t.equal(m2024.statusCode, 201)
  let item = await progressOf('PRODUCER_SERVICE_SATISFACTION', { asOf: day('2025-06-01').toISOString() })
  t.same([item.actual, item.status, item.series.length], [86.5, 'met', 2])
  const beforeCorrection = new Date().toISOString()
  const fix = await measure('PRODUCER_SERVICE_SATISFACTION', { periodFrom: '2024-01-01T00:00:00+08:00', periodTo: '2025-01-01T00:00:00+08:00', value: 84.5, supersedes: m2024.json().id, method: '复核后更正' })
  t.equal(fix.statusCode, 201)
  item = await progressOf('PRODUCER_SERVICE_SATISFACTION', { asOf: day('2025-06-01').toISOString() })
  t.same([item.actual, item.status, item.series.map((s: any) => s.value)], [84.5, 'not_met', [84, 84.5]], 'the correction replaces what it supersedes')
  item = await progressOf('PRODUCER_SERVICE_SATISFACTION', { asOf: day('2025-06-01').toISOString(), knownAt: beforeCorrection })
  t.equal(item.actual, 86.5, 'as known before the correction')
  t.equal((await progressOf('PRODUCER_SERVICE_SATISFACTION', { asOf: day('2024-06-01').toISOString() })).actual, 84, 'only periods ended by asOf')
  const again = await measure('PRODUCER_SERVICE_SATISFACTION', { periodFrom: '2024-01-01T00:00:00+08:00', periodTo: '2025-01-01T00:00:00+08:00', value: 85, supersedes: m2024.json().id })
  t.same([again.statusCode, again.json().code], [409, 'conflict'], 'a measurement is corrected once; correct the correction')
  const list = (await app.inject({ method: 'GET', url: '/v1/targets/PRODUCER_SERVICE_SATISFACTION/measurements', headers: reader })).json()
  t.same(list.items.map((m: any) => [m.value, m.supersededBy === fix.json().id]), [[84, false], [86.5, true], [84.5, false]])
  const audit = await app.inject({ method: 'GET', url: `/v1/audit-events?entityType=target_measurement&entityId=${fix.json().id}`, headers: reader })
  t.equal(audit.json().items[0].operation, 'target_measurement.create')
})

t.test('measurements: bad input and county tokens', async (t) => {
  const base = { periodFrom: '2024-01-01T00:00:00+08:00', periodTo: '2025-01-01T00:00:00+08:00', value: 81 }
  t.same([(await measure('STANDARDS', base)).statusCode, (await measure('STANDARDS', base)).json().code], [409, 'conflict'], 'a computed target takes no measurements')
  t.equal((await measure('CONSUMER_SERVICE_SATISFACTION', { ...base, value: 101 })).json().errors[0].pointer, '/value')
  t.equal((await measure('CONSUMER_SERVICE_SATISFACTION', { ...base, periodTo: base.periodFrom })).json().errors[0].pointer, '/periodTo')
  t.equal((await measure('CONSUMER_SERVICE_SATISFACTION', { ...base, periodTo: '2099-01-01T00:00:00+08:00' })).json().errors[0].pointer, '/periodTo')
  const other = await measure('PRODUCER_SERVICE_SATISFACTION', { ...base, value: 90 })
  t.equal((await measure('CONSUMER_SERVICE_SATISFACTION', { ...base, supersedes: other.json().id })).json().errors[0].pointer, '/supersedes', 'supersedes of another target')
  t.equal((await measure('NOPE', base)).statusCode, 404)
  const decheng = await bearer(['targets:write', 'registry:read'], { county: '371402' })
  const own = await measure('CONSUMER_SERVICE_SATISFACTION', { ...base, countyCode: '371402' }, decheng)
  t.equal(own.statusCode, 201)
  t.same([(await measure('CONSUMER_SERVICE_SATISFACTION', { ...base, countyCode: '371425' }, decheng)).json().code], ['forbidden_county'])
  t.same([(await measure('CONSUMER_SERVICE_SATISFACTION', base, decheng)).json().code], ['forbidden_county'], 'city-wide figures are for city-level tokens')
  const item = await progressOf('CONSUMER_SERVICE_SATISFACTION', { asOf: day('2025-06-01').toISOString(), by: 'county' })
  t.equal(item.counties.find((c: any) => c.countyCode === '371402').actual, 81)
  const county = await progressOf('CONSUMER_SERVICE_SATISFACTION', { asOf: day('2025-06-01').toISOString(), countyCode: '371402' })
  t.same([county.actual, county.status], [81, 'met'], 'a rate is judged in every county')
})
