// The set answer is the single answer: for generated enterprises (attribute histories, grants with
// back-dated revocations, annulments and other changes, supervision cases with interviews, severity
// changes, referrals and closings), generated rule trees, programs (city or county), asOf and
// knownAt, the one SQL statement's result, failed and unknown conditions for every enterprise equal
// evaluateProgram's on the facts the repository reads for that enterprise.
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import t from 'tap'
import { evaluateProgram, type ProgramScope } from '../../../src/modules/incentives/evaluate.ts'
import { evaluateSet, factsOf } from '../../../src/modules/incentives/incentives.repository.ts'
import { checkRules } from '../../../src/modules/incentives/rules.ts'
import { buildOwn, newUscc, onServer } from '../../helpers/app.ts'

const { db, app } = await buildOwn(t)
await app.ready()
const DAYS = ['2020-06-01', '2021-08-01', '2022-05-01', '2023-02-01', '2023-09-01', '2024-04-01', '2024-12-01', '2025-07-01', '2025-10-01']
const day = (i: number) => new Date(`${DAYS[Math.min(i, DAYS.length - 1)]}T00:00:00+08:00`)
const catalog = { types: new Set(['HAOPIN_SHANDONG_BRAND', 'TAISHAN_QUALITY_CERT', 'ENTERPRISE_STANDARD', 'GROUP_STANDARD']), counties: new Set(['371402', '371425']) }

const versionArb = fc.record({
  county: fc.constantFrom('371402', '371425'),
  stage: fc.constantFrom(null, 'planned', 'cultivating'),
  business: fc.constantFrom('operating', 'operating', 'abnormal'),
  industry: fc.constantFrom(null, 'C1320', 'C2710'),
  lists: fc.subarray([{ list: 'INDUSTRIAL_TOP50', year: 2023 }, { list: 'INDUSTRIAL_TOP50', year: 2025 }]),
})
const grantArb = fc.record({
  type: fc.constantFrom('HAOPIN_SHANDONG_BRAND', 'HAOPIN_SHANDONG_BRAND', 'TAISHAN_QUALITY_CERT', 'ENTERPRISE_STANDARD'),
  granted: fc.integer({ min: 0, max: DAYS.length - 2 }),
  years: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  change: fc.option(fc.record({ to: fc.constantFrom('revoked', 'revoked', 'annulled', 'suspended', 'withdrawn'), after: fc.integer({ min: 1, max: 3 }), recordedLater: fc.integer({ min: 0, max: 2 }) }), { nil: null }),
})
const caseArb = fc.record({
  opened: fc.integer({ min: 0, max: DAYS.length - 2 }),
  severity: fc.constantFrom('minor', 'serious'),
  steps: fc.subarray(['interview_held', 'severity_changed', 'revocation_referred', 'closed'] as const),
})
const enterpriseArb = fc.record({
  versions: fc.array(fc.tuple(versionArb, fc.integer({ min: 0, max: DAYS.length - 1 })), { minLength: 1, maxLength: 2 }),
  grants: fc.array(grantArb, { maxLength: 3 }),
  cases: fc.array(caseArb, { maxLength: 2 }),
})

const LEAVES: unknown[] = [
  { kind: 'listed' },
  { kind: 'hasActiveQualification', params: { types: ['TAISHAN_QUALITY_CERT', 'HAOPIN_SHANDONG_BRAND'], mode: 'all' } },
  { kind: 'hasActiveQualification', params: { types: ['TAISHAN_QUALITY_CERT'] } },
  { kind: 'grantedWithin', params: { types: ['HAOPIN_SHANDONG_BRAND'], withinMonths: 18 } },
  { kind: 'grantedWithin', params: { types: ['HAOPIN_SHANDONG_BRAND', 'TAISHAN_QUALITY_CERT'], from: '2022-01-01', to: '2024-06-01', includeRenewals: true } },
  { kind: 'onCultivationList', params: { list: 'INDUSTRIAL_TOP50' } },
  { kind: 'onCultivationList', params: { list: 'INDUSTRIAL_TOP50', sinceYear: 2025 } },
  { kind: 'cultivationStageIn', params: { stages: ['cultivating'] } },
  { kind: 'inCounties', params: { codes: ['371425'] } },
  { kind: 'businessStatusIn' },
  { kind: 'industryIn', params: { prefixes: ['C13'] } },
  { kind: 'noRevocationWithin', params: { months: 24 } },
  { kind: 'noRevocationWithin', params: { months: 60, types: ['HAOPIN_SHANDONG_BRAND'] } },
  { kind: 'noInterviewWithin', params: { months: 12 } },
  { kind: 'noOpenCase', params: { minSeverity: 'serious' } },
  { kind: 'noOpenCase' },
  { kind: 'noPendingRevocationReferral' },
  { kind: 'minStandards', params: { count: 1 } },
  { kind: 'minStandards', params: { count: 2, withinMonths: 36 } },
]
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...LEAVES),
    fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((xs) => ({ allOf: xs })),
    fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((xs) => ({ anyOf: xs })),
    tie('tree').map((x) => ({ not: x })),
    fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).chain((xs) => fc.integer({ min: 1, max: xs.length }).map((n) => ({ atLeast: n, of: xs }))),
  ),
}))

type EnterpriseSpec = typeof enterpriseArb extends fc.Arbitrary<infer T> ? T : never
async function insertEnterprise(e: EnterpriseSpec): Promise<string> {
  const uscc = newUscc()
  const versions = [...e.versions].sort((a, b) => a[1] - b[1])
  await db.transaction(async (tx) => {
    await tx.query(`INSERT INTO enterprise (uscc, name, county_code) VALUES ($1, $2, $3)`, [uscc, `属性测试企业${uscc.slice(-6)}`, versions.at(-1)![0].county])
    for (const [i, [v, at]] of versions.entries()) {
      await tx.query(
        `INSERT INTO enterprise_version (uscc, version, recorded_at, name, county_code, cultivation_stage, business_status, industry_code, cultivation_lists)
         VALUES ($1, $2, $3, $4, $5, $6::"CultivationStage", $7::"BusinessStatus", $8, $9::jsonb)`,
        [uscc, i + 1, new Date(day(at).getTime() + i), `属性测试企业${uscc.slice(-6)}`, v.county, v.stage, v.business, v.industry, JSON.stringify(v.lists)],
      )
    }
    for (const g of e.grants) {
      const id = randomUUID()
      const granted = day(g.granted)
      const until = g.years === null ? null : new Date(granted.getTime() + g.years * 365 * 86_400_000)
      const recorded = new Date(granted.getTime() + 86_400_000)
      const cert = g.type === 'HAOPIN_SHANDONG_BRAND' ? null : `PT-${id.slice(0, 12)}`
      await tx.query(
        `INSERT INTO qualification (id, uscc, type_code, certificate_no, issuer, issuer_level, granted_at, valid_from, valid_until, recorded_at)
         VALUES ($1, $2, $3, $4, '山东省市场监督管理局', 'province', $5, $5, $6, $7)`,
        [id, uscc, g.type, cert, granted, until, recorded],
      )
      const events = [{ to: 'active', effective: granted, recordedAt: recorded }]
      if (g.change) {
        const effective = day(g.granted + g.change.after)
        events.push({ to: g.change.to, effective, recordedAt: new Date(day(g.granted + g.change.after + g.change.recordedLater).getTime() + 3_600_000) })
      }
      for (const [i, ev] of events.entries()) {
        await tx.query(
          `INSERT INTO qualification_event (qualification_id, seq, from_status, to_status, reason_code, effective_at, recorded_at, decision_authority, decision_document_no, actor_sub)
           VALUES ($1, $2, $3::"QualificationStatus", $4::"QualificationStatus", 'fixture', $5, $6, $7, $8, 'fixture')`,
          [id, i + 1, i === 0 ? null : events[i - 1]!.to, ev.to, ev.effective, ev.recordedAt, i === 0 ? null : '山东省市场监督管理局', i === 0 ? null : '鲁市监质发〔2025〕12号'],
        )
      }
    }
    for (const c of e.cases) {
      const id = randomUUID()
      await tx.query(
        `INSERT INTO supervision_case (id, case_no, uscc, county_code, source, topic, severity, title, state, state_since, opened_at)
         VALUES ($1, $2, $3, '371402', 'inspection', 'quality_below_standard', $4::"CaseSeverity", '监督抽查', 'open', $5, $5)`,
        [id, `HPJG-T-${id.slice(0, 13)}`, uscc, c.severity, day(c.opened)],
      )
      let state = 'open'
      const steps: { type: string; to: string; payload: unknown }[] = [{ type: 'opened', to: 'open', payload: { severity: c.severity } }]
      for (const s of c.steps) {
        if (s === 'interview_held') steps.push({ type: s, to: 'interviewed', payload: {} })
        if (s === 'severity_changed') steps.push({ type: s, to: state, payload: { to: c.severity === 'minor' ? 'serious' : 'minor' } })
        if (s === 'revocation_referred') steps.push({ type: s, to: 'referred', payload: {} })
        if (s === 'closed') steps.push({ type: s, to: 'closed', payload: {} })
        state = steps.at(-1)!.to
      }
      for (const [i, s] of steps.entries()) {
        const at = day(c.opened + i)
        await tx.query(
          `INSERT INTO supervision_event (case_id, seq, type, occurred_at, effective_at, recorded_at, from_state, to_state, payload, actor_sub)
           VALUES ($1, $2, $3::"CaseEventType", $4, $4, $5, $6::"CaseState", $7::"CaseState", $8::jsonb, 'fixture')`,
          [id, i + 1, s.type, at, new Date(at.getTime() + 86_400_000), i === 0 ? null : steps[i - 1]!.to, s.to, JSON.stringify(s.payload)],
        )
      }
    }
  })
  return uscc
}

t.test('the set answer equals the single answer', async (t) => {
  let runs = 0
  let compared = 0
  await fc.assert(
    fc.asyncProperty(
      fc.array(enterpriseArb, { minLength: 1, maxLength: 4 }), tree, fc.integer({ min: 0, max: DAYS.length - 1 }),
      fc.option(fc.integer({ min: 0, max: DAYS.length - 1 }), { nil: null }), fc.boolean(),
      async (enterprises, rulesIn, asOfIx, knownIx, county) => {
        runs++
        const checked = checkRules(rulesIn, '/rules', catalog)
        if ('errors' in checked) return // too many nodes: not a rule set
        const usccs = new Set<string>()
        for (const e of enterprises) usccs.add(await insertEnterprise(e))
        const asOf = day(asOfIx)
        const knownAt = knownIx === null ? new Date() : new Date(day(knownIx).getTime() + 7_200_000)
        const program: ProgramScope = county
          ? { code: 'PROP_COUNTY', name: '县级项目', level: 'county', countyCode: '371425', validFrom: day(1), validUntil: day(7) }
          : { code: 'PROP_CITY', name: '市级项目', level: 'city', countyCode: null, validFrom: day(1), validUntil: null }
        const rs = { version: 1, effectiveFrom: day(0), recordedAt: day(0), rules: checked.rules }
        const rows = await evaluateSet(db, program, rs, { asOf, knownAt, result: 'all', limit: null })
        const set = new Map(rows.filter((r) => usccs.has(r.uscc)).map((r) => [r.uscc, r]))
        for (const uscc of usccs) {
          const f = (await factsOf(db, uscc, asOf, knownAt))!
          const single = evaluateProgram(program, rs, f.facts, true)
          const row = set.get(uscc)
          if (!row) {
            // Not in the set: not recorded by knownAt, or outside the county program's county.
            if (f.facts.enterprise !== null && !(program.level === 'county' && f.facts.enterprise.countyCode !== program.countyCode)) {
              throw new Error(`${uscc} missing from the set answer`)
            }
            continue
          }
          compared++
          // The answer in the schema's words, as the list and the export send it.
          const sent = JSON.parse(row.item) as { result: string; failedConditions: string[]; unknownConditions: string[] }
          const a = { result: sent.result, failed: sent.failedConditions, unknown: sent.unknownConditions }
          const b = { result: ({ met: 'eligible', not_met: 'not_eligible', unknown: 'unknown' } as const)[single.result], failed: single.failedConditions, unknown: single.unknownConditions }
          if (JSON.stringify(a) !== JSON.stringify(b)) {
            throw new Error(`${uscc} at ${asOf.toISOString()} known ${knownAt.toISOString()}: SQL ${JSON.stringify(a)} ≠ rules ${JSON.stringify(b)}\n${JSON.stringify(checked.rules)}\n${JSON.stringify(f.facts)}`)
          }
          // The whole item the list and the export send, in the schema's words and order.
          const item = JSON.stringify({
            uscc, name: f.name, countyCode: f.facts.enterprise!.countyCode,
            result: b.result, failedConditions: b.failed, unknownConditions: b.unknown,
          })
          if (row.item !== item) throw new Error(`${uscc}: item ${row.item} ≠ ${item}`)
        }
      },
    ),
    { numRuns: onServer ? 60 : 20, seed: Number(process.env.FUZZ_SEED ?? 20261130), endOnFailure: true },
  )
  t.ok(runs > 0 && compared > 0, `${runs} generated cases, ${compared} enterprises compared`)
})

t.test('result=eligible, whole or paged, is the met part of the whole answer', async (t) => {
  const listingTypes = (await db.query<{ code: string }>('SELECT code FROM qualification_type WHERE counts_as_listing ORDER BY code')).map((r) => r.code)
  let eligibleSeen = 0
  await fc.assert(
    fc.asyncProperty(
      fc.array(enterpriseArb, { minLength: 1, maxLength: 4 }), tree, fc.integer({ min: 0, max: DAYS.length - 1 }),
      fc.option(fc.integer({ min: 0, max: DAYS.length - 1 }), { nil: null }), fc.boolean(), fc.boolean(),
      async (enterprises, rulesIn, asOfIx, knownIx, county, listed) => {
        const checked = checkRules(listed ? { id: 'top', allOf: [{ id: 'lst', kind: 'listed', params: {} }, rulesIn] } : rulesIn, '/rules', catalog)
        if ('errors' in checked) return
        for (const e of enterprises) await insertEnterprise(e)
        const asOf = day(asOfIx)
        const knownAt = knownIx === null ? new Date() : new Date(day(knownIx).getTime() + 7_200_000)
        const program: ProgramScope = county
          ? { code: 'PROP_COUNTY', name: '县级项目', level: 'county', countyCode: '371425', validFrom: day(1), validUntil: day(7) }
          : { code: 'PROP_CITY', name: '市级项目', level: 'city', countyCode: null, validFrom: day(1), validUntil: null }
        const rs = { version: 1, effectiveFrom: day(0), recordedAt: day(0), rules: checked.rules }
        const met = (await evaluateSet(db, program, rs, { asOf, knownAt, result: 'all', limit: null })).filter((r) => (JSON.parse(r.item) as { result: string }).result === 'eligible')
        const whole = await evaluateSet(db, program, rs, { asOf, knownAt, result: 'eligible', limit: null, listingTypes })
        const paged: typeof whole = []
        let after: string | undefined
        for (;;) {
          const page = await evaluateSet(db, program, rs, { asOf, knownAt, result: 'eligible', limit: 3, after, listingTypes })
          paged.push(...page)
          if (page.length < 3) break
          after = page.at(-1)!.uscc
        }
        eligibleSeen += met.length
        if (JSON.stringify(whole) !== JSON.stringify(met)) throw new Error(`eligible ≠ met part of all\n${JSON.stringify(checked.rules)}`)
        if (JSON.stringify(paged) !== JSON.stringify(met)) throw new Error(`paged eligible ≠ met part of all\n${JSON.stringify(checked.rules)}`)
      },
    ),
    { numRuns: onServer ? 30 : 10, seed: Number(process.env.FUZZ_SEED ?? 20261130), endOnFailure: true },
  )
  t.ok(eligibleSeen > 0, `${eligibleSeen} eligible rows compared`)
})
