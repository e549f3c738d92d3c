// Progress computed from a 2020–2026 history on a database of its own, so every figure is exact:
// each metric's city and county figures at several dates, the sum of counties equal to the city,
// a county move, a retired county code, a back-dated revocation against knownAt, annulments,
// renewals, enterprises that held a designation before the period, and the contributors behind
// each figure.
import t from 'tap'
import { bearer, buildOwn } from '../../helpers/app.ts'
import { seedHistory, day } from './fixture.ts'

const { db, app } = await buildOwn(t)
await app.ready()
const fx = await seedHistory(db)
const reader = await bearer(['registry:read'])

const A = day('2023-01-01') // 2022 done
const X = day('2024-06-30') // after the move (2023-07) and the revocation's effect (2024-06-01)
const B = day('2025-01-01') // 2024 done
const C = day('2026-01-01') // the end of the period

async function progress(query: Record<string, string>) {
  const res = await app.inject({ method: 'GET', url: `/v1/target-plans/DEZHOU_HAOPIN_2025/progress?${new URLSearchParams(query)}`, headers: reader })
  if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`)
  return res.json() as { items: any[]; periodState: string; elapsed: number }
}
const figures = async (asOf: Date, extra: Record<string, string> = {}) =>
  Object.fromEntries((await progress({ asOf: asOf.toISOString(), ...extra })).items.map((i) => [i.code, i]))
const countiesOf = (item: any) => Object.fromEntries(item.counties.filter((c: any) => c.actual).map((c: any) => [c.countyCode, c.actual]))

t.test('each metric\'s city figure at several dates', async (t) => {
  const expected: Record<string, [number, number, number]> = {
    HIGH_TECH_ENTERPRISES: [3, 1, 2],
    HIGH_END_BRAND_CULTIVATION: [1, 0, 0],
    TAISHAN_QUALITY_CERTS: [2, 3, 2],
    GOVERNOR_QUALITY_AWARD_NEW: [1, 1, 1],
    CHAMPION_AND_BENCHMARK_NEW: [1, 2, 2],
    STANDARDS: [1, 2, 3],
    ALL_STAFF_INNOVATION: [1, 0, 0],
    HAOPIN_BRANDS: [2, 2, 2],
  }
  const [a, b, c] = await Promise.all([figures(A), figures(B), figures(C)])
  for (const [code, [fa, fb, fc]] of Object.entries(expected)) {
    t.same([a[code].actual, b[code].actual, c[code].actual], [fa, fb, fc], `${code} at 2023-01-01, 2025-01-01, 2026-01-01`)
  }
  t.equal(b.HIGH_TECH_ENTERPRISES.status, 'not_met')
  t.equal(b.HAOPIN_BRANDS.status, 'indicator')
  t.equal(b.HAOPIN_BRANDS.expectedByNow, null)
  t.equal(b.PRODUCER_SERVICE_SATISFACTION.status, 'no_data', 'no measurement yet')
  t.equal(a.GOVERNOR_QUALITY_AWARD_NEW.status, 'met', '1家以上')
  t.equal(b.GOVERNOR_QUALITY_AWARD_NEW.expectedByNow, Math.round(((B.getTime() - day('2021-09-02').getTime()) / (C.getTime() - day('2021-09-02').getTime())) * 100) / 100)
  t.equal(b.HIGH_TECH_ENTERPRISES.baseline, 1, 'a stock\'s path starts from what was held at the period start')
  t.equal(b.HIGH_TECH_ENTERPRISES.expectedByNow, Math.round((1 + 499 * ((B.getTime() - day('2021-09-02').getTime()) / (C.getTime() - day('2021-09-02').getTime()))) * 100) / 100)
  t.same(b.CHAMPION_AND_BENCHMARK_NEW.breakdown.byType, { MANUFACTURING_SINGLE_CHAMPION: 1, QUALITY_BENCHMARK: 1 }, 'each enterprise once, by the qualification it counted through')
  t.same(c.STANDARDS.responsibleDepartments.map((d: any) => d.code).slice(0, 3), ['MARKET_REGULATION', 'DEVELOPMENT_REFORM', 'SCIENCE_TECH'])
  t.equal((await progress({ asOf: day('2021-06-01').toISOString() })).periodState, 'before')
  t.equal((await progress({ asOf: C.toISOString() })).periodState, 'ended')
})

t.test('A1: the stock and the other reading (new in the period) side by side', async (t) => {
  const b = await figures(B)
  t.same(b.HIGH_END_BRAND_CULTIVATION.alternatives.map((x: any) => [x.reading, x.actual]), [['newlyGranted', 1]])
  t.same(b.TAISHAN_QUALITY_CERTS.alternatives.map((x: any) => [x.reading, x.actual]), [['newlyGranted', 2]], 'a renewal is not a new certificate')
})

t.test('per county at the date: the sum of counties is the city, a move counts where the enterprise was', async (t) => {
  for (const asOf of [A, X, B, C, day('2023-03-01'), day('2023-08-01')]) {
    const items = (await progress({ asOf: asOf.toISOString(), by: 'county' })).items
    for (const item of items.filter((i) => i.metric.kind !== 'reported')) {
      t.equal(item.counties.reduce((n: number, c: any) => n + c.actual, 0), item.actual, `${item.code} at ${asOf.toISOString()}: counties add up`)
      t.equal(item.cityTotal, item.actual)
    }
  }
  const a = await figures(A, { by: 'county' })
  t.same(countiesOf(a.HIGH_TECH_ENTERPRISES), { '371402': 1, '371403': 1, '371425': 1 }, 'before the move: 齐河县')
  const x = await figures(X, { by: 'county' })
  t.same(countiesOf(x.HIGH_TECH_ENTERPRISES), { '371402': 2 }, 'after the move: 德城区; the revoked one is gone')
  t.same(countiesOf((await figures(day('2023-03-01'), { by: 'county' })).CHAMPION_AND_BENCHMARK_NEW), { '371403': 1, '371425': 1 })
  t.same(countiesOf((await figures(day('2023-08-01'), { by: 'county' })).CHAMPION_AND_BENCHMARK_NEW), { '371403': 1, '371402': 1 })
  const lingcheng = a.HIGH_END_BRAND_CULTIVATION.counties.find((c: any) => c.countyCode === '371403')
  t.same(lingcheng.mergedFrom, [{ countyCode: '371421', countyName: '陵县', actual: 1 }], 'the retired code counts in its successor')
  t.notOk(a.HIGH_END_BRAND_CULTIVATION.counties.some((c: any) => c.countyCode === '371421'), 'a retired county is not listed itself')
  const one = await figures(A, { countyCode: '371403' })
  t.equal(one.HIGH_END_BRAND_CULTIVATION.actual, 1, 'one county (with what was recorded under its retired code)')
  t.equal(one.HIGH_END_BRAND_CULTIVATION.status, 'indicator', 'a county\'s count has no goal of its own')
})

t.test('a back-dated revocation lowers the stock only for a knownAt after it was recorded', async (t) => {
  t.equal((await figures(X)).HIGH_TECH_ENTERPRISES.actual, 2, 'known now: revoked from 2024-06-01')
  t.equal((await figures(X, { knownAt: day('2024-08-01').toISOString() })).HIGH_TECH_ENTERPRISES.actual, 3, 'as known before it was recorded (2024-09-01)')
  t.equal((await figures(day('2024-05-31'))).HIGH_TECH_ENTERPRISES.actual, 3, 'before its effective time')
})

t.test('an annulled award never counts once the annulment is known; renewals and earlier holders are not new', async (t) => {
  t.equal((await figures(day('2023-12-01'))).GOVERNOR_QUALITY_AWARD_NEW.actual, 1, 'E5\'s award was annulled (recorded 2024-01-05): it never counted')
  t.equal((await figures(day('2023-12-01'), { knownAt: day('2023-12-01').toISOString() })).GOVERNOR_QUALITY_AWARD_NEW.actual, 2, 'before the annulment was known it did')
  t.equal((await figures(day('2023-06-01'))).CHAMPION_AND_BENCHMARK_NEW.actual, 2, 'E5 (champion since 2019) is not new with its 2023 benchmark')
})

t.test('contributors: exactly what was counted, and what was left out and why', async (t) => {
  const all = async (code: string, query: Record<string, string>) => {
    const items: any[] = []
    let cursor: string | null = null
    do {
      const res: { statusCode: number; body: string; json(): any } = await app.inject({ method: 'GET', url: `/v1/targets/${code}/contributors?${new URLSearchParams({ ...query, limit: '2', ...(cursor ? { cursor } : {}) })}`, headers: reader })
      t.equal(res.statusCode, 200, res.body)
      items.push(...res.json().items)
      cursor = res.json().nextCursor
    } while (cursor)
    return items
  }
  for (const asOf of [A, B, C]) {
    const b = await figures(asOf)
    for (const item of Object.values(b).filter((i: any) => i.metric.kind !== 'reported') as any[]) {
      const counted = await all(item.code, { asOf: asOf.toISOString() })
      t.equal(counted.length, item.actual, `${item.code} at ${asOf.toISOString()}: contributors = figure`)
      t.ok(counted.every((c) => c.counted && c.excludedBecause === null))
    }
  }
  const reasons = async (code: string, query: Record<string, string> = {}) =>
    Object.fromEntries((await all(code, { asOf: B.toISOString(), includeExcluded: 'true', ...query })).map((c) => [`${c.enterpriseName}:${c.grantedAt.slice(0, 10)}`, c.excludedBecause]))
  t.same(await reasons('GOVERNOR_QUALITY_AWARD_NEW'), { '德州恒瑞机械制造有限公司:2022-04-30': null, '禹城宏达生物科技有限公司:2023-07-31': 'annulled' })
  t.same(await reasons('TAISHAN_QUALITY_CERTS', { reading: 'newlyGranted' }), {
    '陵县泰瑞食品有限公司:2022-02-28': null,
    '陵县泰瑞食品有限公司:2024-04-30': null,
    '德州金源调味品有限公司:2020-04-30': 'granted_before_period',
    '德州金源调味品有限公司:2023-04-30': 'renewal',
  })
  const champion = await reasons('CHAMPION_AND_BENCHMARK_NEW')
  t.equal(champion['禹城宏达生物科技有限公司:2023-04-30'], 'held_before_period')
  t.equal(champion['齐河华宇新材料科技有限公司:2024-01-31'], 'enterprise_already_counted')
  const hightech = await all('HIGH_TECH_ENTERPRISES', { asOf: B.toISOString(), includeExcluded: 'true' })
  t.same(hightech.find((c) => c.qualificationId === fx.revoked), { ...hightech.find((c) => c.qualificationId === fx.revoked), statusAtAsOf: 'revoked', counted: false, excludedBecause: 'not_active_at_as_of' })
  const lingcheng = await all('TAISHAN_QUALITY_CERTS', { asOf: B.toISOString(), countyCode: '371403' })
  t.same([lingcheng.length, lingcheng[0].countyCode, lingcheng[0].countyName], [2, '371403', '陵城区'], 'filtered by the county at the date, retired code folded')
})

t.test('CSV of progress: one row per target and county, UTF-8 with BOM', async (t) => {
  const res = await app.inject({ method: 'GET', url: `/v1/target-plans/DEZHOU_HAOPIN_2025/progress?asOf=${encodeURIComponent(B.toISOString())}&by=county&format=csv`, headers: reader })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/csv; charset=utf-8/)
  t.same([...res.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the BOM')
  const lines = res.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n')
  t.match(lines[0], /^plan_code,as_of,known_at,period_state,target_code,section,label,county_code,county_name,actual,target/)
  const json = await figures(B, { by: 'county' })
  const rows = Object.values(json).reduce((n: number, i: any) => n + 1 + i.counties.length, 0)
  t.equal(lines.length, 1 + rows, 'a header and one row per target and county')
  const hightech = lines.find((l) => l.includes(',HIGH_TECH_ENTERPRISES,') && l.includes(',,,'))
  t.ok(hightech, 'the city row')
  const viaAccept = await app.inject({ method: 'GET', url: `/v1/target-plans/DEZHOU_HAOPIN_2025/progress?asOf=${encodeURIComponent(B.toISOString())}`, headers: { ...reader, accept: 'text/csv' } })
  t.match(viaAccept.headers['content-type'], /^text\/csv/)
  const zh = await app.inject({ method: 'GET', url: `/v1/target-plans/DEZHOU_HAOPIN_2025/progress?asOf=${encodeURIComponent(B.toISOString())}&format=csv&header=zh&timeZone=Asia/Shanghai`, headers: reader })
  const [zhHeader, zhFirst] = zh.body.replace(/^\uFEFF/, '').split('\r\n')
  t.match(zhHeader, /^规划代码,统计时点,已知时点,期间状态,指标代码,章节,指标,县\(市、区\)代码/, 'header=zh: the Chinese header row')
  const asOfShanghai = new Date(B.getTime() + 8 * 3600_000).toISOString().replace('Z', '+08:00')
  t.equal(zhFirst!.split(',')[1], asOfShanghai, 'timeZone=Asia/Shanghai: times with +08:00')
})

t.test('bad input', async (t) => {
  const get = (q: string) => app.inject({ method: 'GET', url: `/v1/target-plans/DEZHOU_HAOPIN_2025/progress?${q}`, headers: reader })
  const both = await get('by=county&countyCode=371402')
  t.equal(both.statusCode, 400)
  t.equal(both.json().errors[0].pointer, '/by')
  t.equal((await get('countyCode=999999')).json().errors[0].pointer, '/countyCode')
  t.equal((await get('target=NOPE,STANDARDS')).json().errors[0].pointer, '/target')
  t.same((await progress({ target: 'STANDARDS,HAOPIN_BRANDS' })).items.map((i) => i.code), ['STANDARDS', 'HAOPIN_BRANDS'])
  const reported = await app.inject({ method: 'GET', url: '/v1/targets/PRODUCER_SERVICE_SATISFACTION/contributors', headers: reader })
  t.equal(reported.statusCode, 409)
  t.equal((await app.inject({ method: 'GET', url: '/v1/targets/STANDARDS/contributors?reading=other', headers: reader })).json().errors[0].pointer, '/reading')
  t.equal((await app.inject({ method: 'GET', url: '/v1/targets/STANDARDS/contributors?cursor=abc', headers: reader })).json().errors[0].pointer, '/cursor')
})
