// The seeded plan as the seed states it: the period, nine tasks with their responsible units in the
// seed's order (lead first), ten targets with the seed's exact words and their definitions.
import { existsSync, readFileSync } from 'node:fs'
import t from 'tap'
import { bearer, build } from '../../helpers/app.ts'

const app = await build(t)
const reader = await bearer(['registry:read'])
const SEED = new URL('../../../../shared/seed/dezhou-haopin-shandong-policy-2021.txt', import.meta.url)

t.test('the plan, its period and its nine tasks with the units in the seed\'s order', async (t) => {
  const list = await app.inject({ method: 'GET', url: '/v1/target-plans', headers: reader })
  t.equal(list.statusCode, 200)
  t.ok(list.json().items.some((p: { code: string }) => p.code === 'DEZHOU_HAOPIN_2025'))
  const res = await app.inject({ method: 'GET', url: '/v1/target-plans/DEZHOU_HAOPIN_2025', headers: reader })
  t.equal(res.statusCode, 200)
  const plan = res.json()
  t.equal(plan.periodStart, '2021-09-01T16:00:00.000Z', '2021-09-02 00:00 in Dezhou')
  t.equal(plan.periodEnd, '2025-12-31T16:00:00.000Z', 'through 2025-12-31 (exclusive end 2026-01-01 00:00 in Dezhou)')
  t.equal(plan.basis.documentNo, '鲁政字〔2021〕25号')
  t.same(plan.tasks.map((x: { taskNo: string }) => x.taskNo), ['二(一)', '二(二)', '二(三)', '二(四)', '二(五)', '二(六)', '三(一)', '三(二)', '三(三)'])
  const names = (taskNo: string) => plan.tasks.find((x: { taskNo: string }) => x.taskNo === taskNo).departments.map((d: { name: string }) => d.name).join('、')
  t.equal(names('二(一)'), '市市场监管局、市发展改革委、市工业和信息化局、市住房城乡建设局、市农业农村局、市商务局')
  t.equal(names('二(二)'), '市市场监管局、市发展改革委、市科技局、市工业和信息化局、市住房城乡建设局、市农业农村局、市商务局')
  t.equal(names('二(三)'), '市科技局、市总工会、市发展改革委、市人力资源社会保障局、市商务局、市市场监管局')
  t.equal(names('二(四)'), '市市场监管局')
  t.equal(names('二(五)'), '市市场监管局、市发展改革委、市工业和信息化局、市住房城乡建设局、市农业农村局、市商务局、德州海关')
  t.equal(names('二(六)'), '市财政局、市总工会、团市委、市发展改革委、市科技局、市工业和信息化局、市自然资源局、市生态环境局、市住房城乡建设局、市农业农村局、市商务局、市市场监管局、德州海关')
  t.equal(names('三(一)'), '市市场监管局、市发展改革委、市科技局、市工业和信息化局、市住房城乡建设局、市农业农村局、市商务局、德州海关')
  t.equal(names('三(二)'), '市市场监管局、市发展改革委、市工业和信息化局、市财政局、市住房城乡建设局、市农业农村局、市商务局、德州海关')
  t.equal(names('三(三)'), '市市场监管局、市发展改革委、市科技局、市工业和信息化局、市住房城乡建设局、市农业农村局、市商务局、德州海关')
  for (const task of plan.tasks) t.same(task.departments.map((d: { lead: boolean }) => d.lead).indexOf(true), 0, `${task.taskNo}: the first is the lead`)
})

t.test('ten targets with the seed\'s words, comparator, number and metric', async (t) => {
  const plan = (await app.inject({ method: 'GET', url: '/v1/target-plans/DEZHOU_HAOPIN_2025', headers: reader })).json()
  const byCode = Object.fromEntries(plan.targets.map((x: { code: string }) => [x.code, x]))
  t.same(Object.keys(byCode), [
    'GOVERNOR_QUALITY_AWARD_NEW', 'HIGH_END_BRAND_CULTIVATION', 'TAISHAN_QUALITY_CERTS', 'CHAMPION_AND_BENCHMARK_NEW', 'STANDARDS',
    'HIGH_TECH_ENTERPRISES', 'ALL_STAFF_INNOVATION', 'PRODUCER_SERVICE_SATISFACTION', 'CONSUMER_SERVICE_SATISFACTION', 'HAOPIN_BRANDS',
  ])
  const def = (code: string) => byCode[code].definition
  t.same([def('GOVERNOR_QUALITY_AWARD_NEW').comparator, def('GOVERNOR_QUALITY_AWARD_NEW').value], ['at_least', 1])
  t.same([def('HIGH_END_BRAND_CULTIVATION').metric.kind, def('HIGH_END_BRAND_CULTIVATION').value], ['activeAt', 60])
  t.same(def('HIGH_END_BRAND_CULTIVATION').alternatives.map((a: { reading: string }) => a.reading), ['newlyGranted'], 'A1: the other reading')
  t.same([def('TAISHAN_QUALITY_CERTS').unit, def('TAISHAN_QUALITY_CERTS').metric.countBy, def('TAISHAN_QUALITY_CERTS').value], ['certificate', 'qualification', 3])
  t.same(def('CHAMPION_AND_BENCHMARK_NEW').metric.types, ['MANUFACTURING_SINGLE_CHAMPION', 'QUALITY_BENCHMARK'])
  t.same([def('STANDARDS').unit, def('STANDARDS').metric.excludeIfStatusAtAsOf], ['standard', []], 'A3: withdrawn or revoked standards were still made')
  t.same([def('HIGH_TECH_ENTERPRISES').comparator, def('HIGH_TECH_ENTERPRISES').value, def('HIGH_TECH_ENTERPRISES').tolerancePercent], ['approximately', 500, 5], 'A4')
  t.same([def('ALL_STAFF_INNOVATION').value, def('ALL_STAFF_INNOVATION').responsibleDepartments[0].name], [200, '市科技局'], 'the task\'s lead, not the type\'s')
  t.same([def('PRODUCER_SERVICE_SATISFACTION').unit, def('PRODUCER_SERVICE_SATISFACTION').value, def('PRODUCER_SERVICE_SATISFACTION').metric.kind], ['percent', 85, 'reported'])
  t.same([def('CONSUMER_SERVICE_SATISFACTION').value], [80])
  t.same([def('HAOPIN_BRANDS').comparator, def('HAOPIN_BRANDS').value, def('HAOPIN_BRANDS').responsibleFrom, def('HAOPIN_BRANDS').responsibleDepartments[0].code], ['indicator', null, 'target', 'MARKET_REGULATION'])
  t.equal(byCode.HAOPIN_BRANDS.section, '一')
  t.equal(byCode.TAISHAN_QUALITY_CERTS.quote, '“泰山品质”产品认证证书3张以上')
  if (!existsSync(SEED)) {
    t.skip(`the seed text is not beside the repository (${SEED.pathname})`, async () => {})
    return
  }
  const seed = readFileSync(SEED, 'utf8')
  for (const target of plan.targets) t.ok(seed.includes(target.quote), `${target.code}: "${target.quote}" is the seed's own words`)
  for (const task of plan.tasks) t.ok(seed.includes(task.title), `${task.taskNo}: the task's title is the seed's`)
})

t.test('unknown plan or target: 404; reading needs registry:read', async (t) => {
  t.equal((await app.inject({ method: 'GET', url: '/v1/target-plans/NOPE', headers: reader })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/v1/targets/NOPE', headers: reader })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/v1/target-plans/NOPE/progress', headers: reader })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/v1/target-plans' })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/v1/target-plans', headers: await bearer(['targets:write']) })).statusCode, 403)
})
