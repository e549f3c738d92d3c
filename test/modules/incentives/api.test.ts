// Incentive programs through the API: the seeded programs in the seed's words; eligibility around a
// back-dated revocation (asOf and knownAt); rule set versions switching at effectiveFrom; county and
// department isolation; rule validation with pointers; the set answer; supervision facts shown only
// to supervision:read; byte-identical explanations.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { bearer, buildOwn } from '../../helpers/app.ts'
import { changeStatus, createEnterprise, grant } from '../../helpers/fixtures.ts'

const { app } = await buildOwn(t)
await app.ready()
const reader = await bearer(['registry:read'])
const city = await bearer(['registry:read', 'incentives:write'], { sub: 'city-finance' })
const finance = await bearer(['registry:read', 'incentives:write'], { dept: 'FINANCE' })
const customs = await bearer(['registry:read', 'incentives:write'], { dept: 'DEZHOU_CUSTOMS' })
const education = await bearer(['registry:read', 'incentives:write'], { dept: 'EDUCATION' })
const qihe = await bearer(['registry:read', 'incentives:write'], { county: '371425' })
const SEED = 'OVERSEAS_TRADEMARK_SUPPORT'

const get = (url: string, headers: Record<string, string> = reader) => app.inject({ method: 'GET', url, headers })
const explain = async (code: string, uscc: string, q: Record<string, string> = {}, headers: Record<string, string> = reader) => {
  const res = await get(`/v1/incentive-programs/${code}/eligibility/${uscc}?${new URLSearchParams(q)}`, headers)
  if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`)
  return res.json()
}
const brand = (uscc: string, grantedAt = '2024-01-01T00:00:00+08:00') =>
  grant(app, uscc, { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, title: '“好品山东”品牌', batch: '2023年第二批', grantedAt })

t.test('the seven seeded programs, in the seed\'s words, with its one condition', async (t) => {
  const res = await get('/v1/incentive-programs?limit=50')
  t.equal(res.statusCode, 200, res.body)
  const items = res.json().items
  t.same(items.map((p: any) => p.code).sort(), ['AWARD_NOMINATION_SUPPORT', 'CUSTOMS_FACILITATION', 'IP_SERVICE_SUPPORT', 'OVERSEAS_ADVERTISING_SUPPORT',
    'OVERSEAS_EXHIBITION_SUPPORT', 'OVERSEAS_TRADEMARK_SUPPORT', 'TRADE_FAIR_PARTICIPATION'])
  const byCode = Object.fromEntries(items.map((p: any) => [p.code, p]))
  t.equal(byCode.OVERSEAS_TRADEMARK_SUPPORT.name, '境外商标注册扶持')
  t.equal(byCode.OVERSEAS_TRADEMARK_SUPPORT.benefit.summary, '对“好品山东”市场主体境外的商标注册、广告、展览等项目,给予相关政策扶持。')
  t.equal(byCode.AWARD_NOMINATION_SUPPORT.name, '参评中国质量奖、中国工业大奖、中国优秀工业设计奖、省长质量奖、“省长杯”工业设计奖支持')
  t.equal(byCode.CUSTOMS_FACILITATION.benefit.summary, '享受进出口货物通关一体化等优惠措施。')
  t.equal(byCode.CUSTOMS_FACILITATION.deliveredBy, 'DEZHOU_CUSTOMS')
  t.same(byCode.CUSTOMS_FACILITATION.sponsorDepartments[0], { code: 'FINANCE', name: byCode.CUSTOMS_FACILITATION.sponsorDepartments[0].name, lead: true })
  t.equal(byCode.IP_SERVICE_SUPPORT.sponsorDepartments[0].code, 'SCIENCE_TECH')
  t.equal(byCode.TRADE_FAIR_PARTICIPATION.sponsorDepartments[0].code, 'MARKET_REGULATION')
  t.equal(byCode.TRADE_FAIR_PARTICIPATION.kind, 'opportunity')
  for (const p of items) {
    t.same(p.ruleSet.rules.allOf.map((n: any) => n.kind), ['listed', 'businessStatusIn'], p.code)
    t.equal(p.ruleSet.effectiveFrom, '2021-09-01T16:00:00.000Z')
    t.equal(p.basis.title, '德州市人民政府关于共建共享“好品山东”推动高质量发展的实施意见')
  }
  const byDept = await get('/v1/incentive-programs?department=SCIENCE_TECH&kind=policy_support')
  t.same(byDept.json().items.map((p: any) => p.code).sort(), ['IP_SERVICE_SUPPORT', 'OVERSEAS_ADVERTISING_SUPPORT', 'OVERSEAS_EXHIBITION_SUPPORT', 'OVERSEAS_TRADEMARK_SUPPORT'])
})

t.test('a back-dated revocation: eligible the day before its effective date, not after; eligible as known before it was recorded', async (t) => {
  const e = await createEnterprise(app)
  const q = await brand(e.uscc)
  const before = await explain(SEED, e.uscc)
  t.equal(before.eligible, true, JSON.stringify(before.conditions))
  const recordedBefore = new Date().toISOString()
  await new Promise((r) => setImmediate(r))
  const revoked = await changeStatus(app, q.id, 'revoked', {
    effectiveAt: '2025-07-01T00:00:00+08:00', occurredAt: '2025-06-20T00:00:00+08:00',
    decision: { authority: '山东省市场监督管理局', level: 'province', documentNo: '鲁市监质发〔2025〕12号' },
  })
  t.equal(revoked.statusCode, 201, revoked.body)
  const dayBefore = await explain(SEED, e.uscc, { asOf: '2025-06-30' })
  t.equal(dayBefore.eligible, true, 'the day before the effective date')
  const after = await explain(SEED, e.uscc, { asOf: '2025-07-01' })
  t.equal(after.eligible, false, 'from the effective date')
  t.same(after.failedConditions, ['listed'])
  const listed = after.conditions[2].children[0]
  t.equal(listed.code, 'LISTING_NOT_ACTIVE')
  t.match(listed.summary, /2025-07-01 起已撤销（山东省市场监督管理局 鲁市监质发〔2025〕12号）/)
  t.ok(listed.evidence.some((x: any) => x.kind === 'qualification_event' && x.id.startsWith(q.id)))
  const knownEarlier = await explain(SEED, e.uscc, { asOf: '2025-08-01', knownAt: recordedBefore })
  t.equal(knownEarlier.eligible, true, 'as known before the revocation was recorded')
  const list = await get(`/v1/incentive-programs/${SEED}/eligibility?result=all&asOf=2025-07-01&limit=200`)
  const item = list.json().items.find((i: any) => i.uscc === e.uscc)
  t.same([item.result, item.failedConditions], ['not_eligible', ['listed']])
  const csv = await get(`/v1/incentive-programs/${SEED}/eligibility?result=all&asOf=2025-07-01&format=csv&header=zh`)
  t.equal(csv.statusCode, 200, csv.body)
  t.match(csv.headers['content-type'], /text\/csv/)
  t.ok(csv.body.startsWith('\uFEFF统一社会信用代码,企业名称'), 'Chinese header row')
  t.match(csv.body, new RegExp(`${e.uscc},[^\r]*,371402,not_eligible,listed,`))
  const nd = await get(`/v1/incentive-programs/${SEED}/eligibility?result=all&asOf=2025-07-01`, { ...reader, accept: 'application/x-ndjson' })
  const lines = nd.body.trim().split('\n').map((l) => JSON.parse(l))
  t.same(lines.find((l: any) => l.uscc === e.uscc), item, 'NDJSON items are the list items')
  t.equal((await get(`/v1/incentive-programs/${SEED}/eligibility?format=csv&limit=5`)).statusCode, 400, 'no paging with an export')
  const a = await get(`/v1/incentive-programs/${SEED}/eligibility/${e.uscc}?asOf=2025-07-01&knownAt=2025-07-02`)
  const b = await get(`/v1/incentive-programs/${SEED}/eligibility/${e.uscc}?asOf=2025-07-01&knownAt=2025-07-02`)
  t.equal(a.body, b.body, 'byte-identical')
})

t.test('rule set versions switch at effectiveFrom; out-of-order versions are refused', async (t) => {
  const code = `TEST_RULES_${randomUUID().slice(0, 8).toUpperCase()}`
  const created = await app.inject({
    method: 'POST', url: '/v1/incentive-programs', headers: city, payload: {
      code, name: '测试项目', kind: 'subsidy', level: 'city', sponsorDepartments: ['FINANCE', 'COMMERCE'],
      benefit: { summary: '测试奖补', amount: { currency: 'CNY', max: 50000 } }, basis: { title: '测试依据' }, validFrom: '2024-01-01',
      rules: { allOf: [{ id: 'listed', kind: 'listed' }] },
    },
  })
  t.equal(created.statusCode, 201, created.body)
  t.equal(created.json().ruleSet.version, 1)
  const e = await createEnterprise(app)
  await brand(e.uscc)
  const v2 = await app.inject({ method: 'POST', url: `/v1/incentive-programs/${code}/rule-sets`, headers: city, payload: {
    rules: { allOf: [{ id: 'listed', kind: 'listed' }, { id: 'topList', kind: 'onCultivationList', params: { list: 'INDUSTRIAL_TOP50' } }] },
    effectiveFrom: '2025-01-01', changeNote: '增加培育名单条件',
  } })
  t.equal(v2.statusCode, 201, v2.body)
  t.equal(v2.json().version, 2)
  const in2024 = await explain(code, e.uscc, { asOf: '2024-12-31' })
  t.same([in2024.ruleSet.version, in2024.eligible], [1, true])
  const in2025 = await explain(code, e.uscc, { asOf: '2025-01-01' })
  t.same([in2025.ruleSet.version, in2025.eligible, in2025.failedConditions], [2, false, ['topList']])
  const early = await app.inject({ method: 'POST', url: `/v1/incentive-programs/${code}/rule-sets`, headers: city, payload: { rules: { kind: 'listed' }, effectiveFrom: '2024-06-01' } })
  t.equal(early.statusCode, 409)
  t.equal(early.json().code, 'out_of_order_change')
  const sets = await get(`/v1/incentive-programs/${code}/rule-sets`)
  t.same(sets.json().items.map((r: any) => r.version), [1, 2])
  t.equal((await get(`/v1/incentive-programs/${code}/rule-sets/2`)).json().changeNote, '增加培育名单条件')
  const dup = await app.inject({ method: 'POST', url: '/v1/incentive-programs', headers: city, payload: { ...JSON.parse(created.payload === undefined ? '{}' : '{}'), code, name: 'x', kind: 'subsidy', level: 'city', sponsorDepartments: ['FINANCE'], benefit: { summary: 'x' }, basis: { title: 'x' }, rules: { kind: 'listed' } } })
  t.equal(dup.json().code, 'incentive_program_exists')
  const auditor = await bearer(['audit:read'])
  const audit = await get(`/v1/audit-events?entityType=incentive_rule_set&entityId=${code}:2`, auditor)
  t.equal(audit.statusCode, 200, audit.body)
  t.same(audit.json().items.map((e: any) => [e.operation, e.after.version, e.after.changeNote]), [['incentive_rule_set.create', 2, '增加培育名单条件']])
  const programAudit = await get(`/v1/audit-events?entityType=incentive_program&entityId=${code}`, auditor)
  t.same(programAudit.json().items.map((e: any) => [e.operation, e.after.version]), [['incentive_program.create', 1], ['incentive_program.update', 2]])
})

t.test('an eligible list read again follows the program\'s new rule set and name', async (t) => {
  const code = `TEST_LIST_${randomUUID().slice(0, 8).toUpperCase()}`
  const created = await app.inject({
    method: 'POST', url: '/v1/incentive-programs', headers: city, payload: {
      code, name: '列表测试项目', kind: 'subsidy', level: 'city', sponsorDepartments: ['FINANCE'], benefit: { summary: '测试' }, basis: { title: '测试依据' },
      validFrom: '2024-01-01', rules: { allOf: [{ id: 'listed', kind: 'listed' }] },
    },
  })
  t.equal(created.statusCode, 201, created.body)
  const e = await createEnterprise(app)
  await brand(e.uscc)
  const list = async () => {
    let has = false
    let body: any
    for (let cursor = ''; ; ) {
      const res = await get(`/v1/incentive-programs/${code}/eligibility?limit=200${cursor ? `&cursor=${cursor}` : ''}`)
      t.equal(res.statusCode, 200, res.body)
      body = res.json()
      has ||= body.items.some((i: any) => i.uscc === e.uscc)
      if (!body.nextCursor) break
      cursor = body.nextCursor
    }
    return { name: body.program.name, version: body.ruleSetVersion, has }
  }
  t.same(await list(), { name: '列表测试项目', version: 1, has: true })
  t.same(await list(), { name: '列表测试项目', version: 1, has: true }, 'read again')
  const v2 = await app.inject({ method: 'POST', url: `/v1/incentive-programs/${code}/rule-sets`, headers: city, payload: {
    rules: { allOf: [{ id: 'listed', kind: 'listed' }, { id: 'topList', kind: 'onCultivationList', params: { list: 'INDUSTRIAL_TOP50' } }] }, effectiveFrom: '2025-01-01',
  } })
  t.equal(v2.statusCode, 201, v2.body)
  t.same(await list(), { name: '列表测试项目', version: 2, has: false }, 'the new rule set in force')
  const cur = await get(`/v1/incentive-programs/${code}`)
  const renamed = await app.inject({ method: 'PATCH', url: `/v1/incentive-programs/${code}`, headers: { ...city, 'if-match': cur.headers.etag as string, 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify({ name: '改名后的项目' }) })
  t.equal(renamed.statusCode, 200, renamed.body)
  const v3 = await app.inject({ method: 'POST', url: `/v1/incentive-programs/${code}/rule-sets`, headers: city, payload: {
    rules: { allOf: [{ id: 'listed', kind: 'listed' }] }, effectiveFrom: '2025-06-01',
  } })
  t.equal(v3.statusCode, 201, v3.body)
  t.same(await list(), { name: '改名后的项目', version: 3, has: true }, 'renamed, and eligible again')
})

t.test('the eligible list at the edges of a listing\'s validity agrees with each explanation', async (t) => {
  // The list walks only holders whose listing is dated valid at asOf: from validFrom (inclusive) to
  // validUntil (exclusive), no end when validUntil is null; the renewed listing hands over at validFrom.
  const code = `TEST_VALID_${randomUUID().slice(0, 8).toUpperCase()}`
  const created = await app.inject({
    method: 'POST', url: '/v1/incentive-programs', headers: city, payload: {
      code, name: '有效期边界测试', kind: 'subsidy', level: 'city', sponsorDepartments: ['FINANCE'], benefit: { summary: '测试' }, basis: { title: '测试依据' },
      rules: { allOf: [{ id: 'listed', kind: 'listed' }] }, rulesEffectiveFrom: '2020-01-01',
    },
  })
  t.equal(created.statusCode, 201, created.body)
  const from = '2024-03-01T00:00:00.000Z'
  const until = '2025-03-01T00:00:00.000Z'
  const listing = (uscc: string, validFrom: string, validUntil: string | null) =>
    grant(app, uscc, { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, title: '“好品山东”品牌', grantedAt: '2024-01-01T00:00:00.000Z', validFrom, validUntil })
  const dated = await createEnterprise(app)
  await listing(dated.uscc, from, until)
  const endless = await createEnterprise(app)
  await listing(endless.uscc, from, null)
  const renewed = await createEnterprise(app)
  await listing(renewed.uscc, '2023-01-01T00:00:00.000Z', from)
  await listing(renewed.uscc, from, until)
  const ours = [dated.uscc, endless.uscc, renewed.uscc]
  const cases: [string, string[]][] = [
    ['2024-02-29T23:59:59.999Z', [renewed.uscc]],
    [from, ours],
    ['2025-02-28T23:59:59.999Z', ours],
    [until, [endless.uscc]],
  ]
  for (const [asOf, expected] of cases) {
    const listed: string[] = []
    for (let cursor = ''; ;) {
      const res = await get(`/v1/incentive-programs/${code}/eligibility?limit=200&asOf=${asOf}${cursor ? `&cursor=${cursor}` : ''}`)
      t.equal(res.statusCode, 200, res.body)
      listed.push(...res.json().items.map((i: any) => i.uscc).filter((u: string) => ours.includes(u)))
      if (!res.json().nextCursor) break
      cursor = res.json().nextCursor
    }
    t.same(listed, [...expected].sort(), `eligible as of ${asOf}`)
    for (const uscc of ours) t.equal((await explain(code, uscc, { asOf })).eligible, expected.includes(uscc), `${uscc} explained as of ${asOf}`)
  }
})

t.test('validation errors point into the tree', async (t) => {
  const e = await createEnterprise(app)
  const res = await app.inject({ method: 'POST', url: '/v1/incentive-rules/evaluate', headers: city, payload: {
    uscc: e.uscc,
    rules: { allOf: [{ kind: 'hasActiveQualification', params: { types: ['NOPE'] } }, { kind: 'noFine' }, { kind: 'grantedWithin', params: { types: ['HAOPIN_SHANDONG_BRAND'], withinMonths: 12, from: '2025-01-01' } }] },
  } })
  t.equal(res.statusCode, 400)
  const errors = res.json().errors.map((x: any) => `${x.pointer}: ${x.message}`)
  t.ok(errors.includes('/rules/allOf/0/params/types/0: unknown qualification type "NOPE" (see GET /v1/qualification-types)'), errors.join('\n'))
  t.ok(errors.some((m: string) => m.startsWith('/rules/allOf/1/kind: unknown predicate "noFine"; allowed: listed, hasActiveQualification')))
  t.ok(errors.includes('/rules/allOf/2/params: give withinMonths or from/to, not both'))
  const dupIds = await app.inject({ method: 'POST', url: '/v1/incentive-rules/evaluate', headers: city, payload: { uscc: e.uscc, rules: { anyOf: [{ id: 'a', kind: 'listed' }, { id: 'a', kind: 'listed' }] } } })
  t.equal(dupIds.statusCode, 400)
  const preview = await app.inject({ method: 'POST', url: '/v1/incentive-rules/evaluate', headers: city, payload: { uscc: e.uscc, rules: { atLeast: 1, of: [{ kind: 'listed' }, { kind: 'industryIn', params: { prefixes: ['C13'] } }] } } })
  t.equal(preview.statusCode, 200, preview.body)
  const doc = preview.json()
  t.same([doc.result, doc.unknownConditions], ['unknown', ['c2']], 'industry not recorded: unknown; unknown fails closed')
  t.equal(doc.eligible, false)
})

t.test('county programs: county tokens own their county\'s, enterprises elsewhere are not eligible', async (t) => {
  const body = (code: string, countyCode = '371425') => ({
    code, name: '齐河县品牌奖补', kind: 'subsidy', level: 'county', countyCode, sponsorName: '齐河县市场监督管理局',
    benefit: { summary: '新获“好品山东”认证的给予一次性奖励' }, basis: { title: '齐河县品牌奖补政策措施' },
    validFrom: '2025-01-01', rules: { allOf: [{ id: 'listed', kind: 'listed' }, { id: 'operating', kind: 'businessStatusIn' }] },
  })
  const code = `QIHE_${randomUUID().slice(0, 8).toUpperCase()}`
  const other = await app.inject({ method: 'POST', url: '/v1/incentive-programs', headers: qihe, payload: body(`${code}_X`, '371402') })
  t.same([other.statusCode, other.json().code], [403, 'forbidden_county'])
  const cityProgram = await app.inject({ method: 'POST', url: '/v1/incentive-programs', headers: qihe, payload: { ...body(`${code}_Y`), level: 'city', countyCode: undefined, sponsorDepartments: ['FINANCE'] } })
  t.same([cityProgram.statusCode, cityProgram.json().code], [403, 'city_level_required'])
  const own = await app.inject({ method: 'POST', url: '/v1/incentive-programs', headers: qihe, payload: body(code) })
  t.equal(own.statusCode, 201, own.body)
  const patchSeed = await app.inject({ method: 'PATCH', url: `/v1/incentive-programs/${SEED}`, headers: { ...qihe, 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify({ name: 'x' }) })
  t.equal(patchSeed.json().code, 'city_level_required')
  const here = await createEnterprise(app, { countyCode: '371425' })
  const there = await createEnterprise(app, { countyCode: '371402' })
  await brand(here.uscc)
  await brand(there.uscc)
  t.equal((await explain(code, here.uscc, { asOf: '2025-03-01' })).eligible, true)
  const away = await explain(code, there.uscc, { asOf: '2025-03-01' })
  t.same([away.eligible, away.failedConditions], [false, ['program.county']])
  const list = (await get(`/v1/incentive-programs/${code}/eligibility?asOf=2025-03-01&result=all&limit=200`)).json()
  t.ok(list.items.some((i: any) => i.uscc === here.uscc))
  t.notOk(list.items.some((i: any) => i.uscc === there.uscc), 'only enterprises in the program\'s county')
  const mine = (await get(`/v1/enterprises/${there.uscc}/eligibility?asOf=2025-03-01`)).json()
  t.notOk(mine.items.some((i: any) => i.program.code === code), 'another county\'s program is not offered')
  t.ok(mine.items.some((i: any) => i.program.code === SEED && i.eligible))
})

t.test('department tokens change only programs their department sponsors', async (t) => {
  const patch = (headers: Record<string, string>, etag: string, body: unknown) =>
    app.inject({ method: 'PATCH', url: '/v1/incentive-programs/CUSTOMS_FACILITATION', headers: { ...headers, 'if-match': etag, 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify(body) })
  const cur = await get('/v1/incentive-programs/CUSTOMS_FACILITATION')
  const denied = await patch(education, cur.headers.etag as string, { frequency: 'rolling' })
  t.same([denied.statusCode, denied.json().code, denied.json().department], [403, 'forbidden_department', 'EDUCATION'])
  const stale = await patch(customs, '"stale"', { frequency: 'rolling' })
  t.equal(stale.statusCode, 412)
  const ok = await patch(customs, cur.headers.etag as string, { frequency: 'rolling' })
  t.equal(ok.statusCode, 200, ok.body)
  t.equal(ok.json().frequency, 'rolling')
  t.not(ok.headers.etag, cur.headers.etag)
  const drop = await patch(customs, ok.headers.etag as string, { sponsorDepartments: ['FINANCE'] })
  t.equal(drop.json().code, 'forbidden_department', 'a department may not drop itself')
  const rs = await app.inject({ method: 'POST', url: '/v1/incentive-programs/IP_SERVICE_SUPPORT/rule-sets', headers: finance, payload: { rules: { kind: 'listed' }, effectiveFrom: '2026-01-01' } })
  t.same([rs.statusCode, rs.json().code], [403, 'forbidden_department'])
  const create = await app.inject({ method: 'POST', url: '/v1/incentive-programs', headers: education, payload: {
    code: 'EDU_TEST', name: 'x', kind: 'subsidy', level: 'city', sponsorDepartments: ['FINANCE'], benefit: { summary: 'x' }, basis: { title: 'x' }, rules: { kind: 'listed' },
  } })
  t.equal(create.json().code, 'forbidden_department')
})

t.test('supervision facts: case identifiers only for supervision:read', async (t) => {
  const e = await createEnterprise(app)
  await brand(e.uscc)
  const caseId = randomUUID()
  await app.db.query(
    `INSERT INTO supervision_case (id, case_no, uscc, county_code, source, topic, severity, title, state, state_since, opened_at)
     VALUES ($1, $2, $3, '371402', 'inspection', 'quality_below_standard', 'serious', '监督抽查不合格', 'interviewed', '2025-03-01T00:00:00+08:00', '2025-02-01T00:00:00+08:00')`,
    [caseId, `HPJG-371402-2025-${randomUUID().slice(0, 4)}`, e.uscc],
  )
  await app.db.query(
    `INSERT INTO supervision_event (case_id, seq, type, occurred_at, effective_at, recorded_at, from_state, to_state, payload, actor_sub) VALUES
     ($1, 1, 'opened', '2025-02-01T00:00:00+08:00', '2025-02-01T00:00:00+08:00', now(), NULL, 'open', '{"severity":"serious"}', 'test'),
     ($1, 2, 'interview_held', '2025-03-01T00:00:00+08:00', '2025-03-01T00:00:00+08:00', now(), 'open', 'interviewed', '{}', 'test')`,
    [caseId],
  )
  const rules = { allOf: [{ id: 'noInterview', kind: 'noInterviewWithin', params: { months: 24 } }, { id: 'noSerious', kind: 'noOpenCase', params: { minSeverity: 'serious' } }, { id: 'noReferral', kind: 'noPendingRevocationReferral' }] }
  const writerWithout = await bearer(['registry:read', 'incentives:write'])
  const writerWith = await bearer(['registry:read', 'incentives:write', 'supervision:read'])
  const hidden = (await app.inject({ method: 'POST', url: '/v1/incentive-rules/evaluate', headers: writerWithout, payload: { uscc: e.uscc, rules, asOf: '2025-04-01' } })).json()
  t.same(hidden.failedConditions, ['noInterview', 'noSerious'])
  t.notOk(JSON.stringify(hidden).includes(caseId), 'no case id without supervision:read')
  t.match(hidden.conditions[2].children[0].summary, /supervision:read/)
  const shown = (await app.inject({ method: 'POST', url: '/v1/incentive-rules/evaluate', headers: writerWith, payload: { uscc: e.uscc, rules, asOf: '2025-04-01' } })).json()
  t.ok(JSON.stringify(shown).includes(caseId))
  const beforeCase = (await app.inject({ method: 'POST', url: '/v1/incentive-rules/evaluate', headers: writerWith, payload: { uscc: e.uscc, rules, asOf: '2025-01-15' } })).json()
  t.equal(beforeCase.result, 'met', 'before the case was opened')
})

t.test('unknown program or enterprise: 404', async (t) => {
  const e = await createEnterprise(app)
  t.equal((await get(`/v1/incentive-programs/NO_SUCH_PROGRAM/eligibility/${e.uscc}`)).statusCode, 404)
  t.equal((await get(`/v1/incentive-programs/${SEED}/eligibility/91371402MA0000000X`)).statusCode, 404)
  t.equal((await get(`/v1/incentive-programs/${SEED}/eligibility/${e.uscc}?ruleSetVersion=99`)).statusCode, 400)
  t.equal((await get('/v1/incentive-programs/NO_SUCH_PROGRAM')).statusCode, 404)
})
