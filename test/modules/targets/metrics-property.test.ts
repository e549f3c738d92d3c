// The set statements say what the pure rules say: for generated histories (grants before, in and
// after the period, renewals, suspensions, revocations, annulments, expiries) and a generated asOf,
// every qualification's verdict from SQL (through the contributors list) equals the verdict of
// metrics/<kind>.ts evaluate() on the same facts.
import fc from 'fast-check'
import t from 'tap'
import { effectiveStatus } from '../../../src/modules/qualifications/lifecycle.ts'
import * as activeAt from '../../../src/modules/targets/metrics/active-at.ts'
import * as newlyGranted from '../../../src/modules/targets/metrics/newly-granted.ts'
import type { QualificationFact } from '../../../src/modules/targets/metrics/types.ts'
import { contributors } from '../../../src/modules/targets/targets.repository.ts'
import { buildOwn, onServer } from '../../helpers/app.ts'
import { History } from './fixture.ts'

const { db, app } = await buildOwn(t)
await app.ready()
const h = new History(db)
const start = new Date('2021-09-02T00:00:00+08:00')
const end = new Date('2026-01-01T00:00:00+08:00')
const DAYS = ['2019-03-01', '2020-06-01', '2021-08-01', '2021-10-01', '2022-05-01', '2023-02-01', '2023-09-01', '2024-04-01', '2024-12-01', '2025-07-01', '2026-02-01']
const TYPES = ['MANUFACTURING_SINGLE_CHAMPION', 'QUALITY_BENCHMARK']

const grantArb = fc.record({
  type: fc.constantFrom(...TYPES),
  granted: fc.integer({ min: 0, max: DAYS.length - 3 }),
  years: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  renews: fc.boolean(),
  change: fc.option(fc.record({ to: fc.constantFrom('suspended', 'revoked', 'annulled', 'withdrawn'), after: fc.integer({ min: 1, max: 2 }) }), { nil: null }),
})
const caseArb = fc.record({
  enterprises: fc.array(fc.array(grantArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
  asOf: fc.integer({ min: 0, max: DAYS.length - 1 }),
})
const day = (d: string) => new Date(`${d}T00:00:00+08:00`)
const plusYears = (d: string, years: number) => `${Number(d.slice(0, 4)) + years}${d.slice(4)}`

t.test('SQL verdicts equal the pure rules', async (t) => {
  let runs = 0
  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      runs++
      const facts: QualificationFact[] = []
      const asOf = day(DAYS[c.asOf]!)
      for (const grants of c.enterprises) {
        const uscc = await h.enterprise('德州属性测试有限公司', [['371402', '2019-01-01']])
        let last: { id: string; type: string } | null = null
        for (const g of grants.sort((a, b) => a.granted - b.granted)) {
          const granted = DAYS[g.granted]!
          const until = g.years === null ? null : plusYears(granted, g.years)
          const change = g.change ? { to: g.change.to as 'suspended' | 'revoked' | 'annulled' | 'withdrawn', effective: DAYS[Math.min(DAYS.length - 1, g.granted + g.change.after)]!, recorded: DAYS[Math.min(DAYS.length - 1, g.granted + g.change.after)]! } : null
          const renews = g.renews && last && last.type === g.type ? last.id : undefined
          const id = await h.grant(uscc, { type: g.type, granted, until, ...(renews ? { renews } : {}), changes: change ? [change] : [] })
          last = { id, type: g.type }
          const lastStatus = change && day(change.effective) <= asOf ? change.to : day(granted) <= asOf ? 'active' : null
          facts.push({
            id, uscc, type: g.type, grantedAt: day(granted), renewsId: renews ?? null,
            statusAtAsOf: effectiveStatus(lastStatus as never, day(granted), until ? day(until) : null, asOf),
            annulled: change?.to === 'annulled',
          })
        }
      }
      const usccs = new Set(facts.map((f) => f.uscc))
      const metrics = [
        { kind: 'activeAt' as const, types: TYPES, countBy: 'enterprise' as const },
        { kind: 'activeAt' as const, types: TYPES, countBy: 'qualification' as const },
        { kind: 'newlyGranted' as const, types: TYPES, countBy: 'enterprise' as const },
        { kind: 'newlyGranted' as const, types: TYPES, countBy: 'qualification' as const, excludeIfStatusAtAsOf: ['revoked', 'suspended'] as ('revoked' | 'suspended')[] },
      ]
      for (const metric of metrics) {
        const rows = await contributors(db, metric, { asOf, knownAt: null, start, end }, { includeExcluded: true, limit: 100_000 })
        const sql = Object.fromEntries(rows.filter((r) => usccs.has(r.uscc)).map((r) => [r.qualification_id, r.reason]))
        const pure = Object.fromEntries(
          (metric.kind === 'activeAt' ? activeAt.evaluate(metric, facts) : newlyGranted.evaluate(metric, facts, { asOf, start, end })).map((v) => [v.fact.id, v.reason]),
        )
        if (JSON.stringify(sql, Object.keys(sql).sort()) !== JSON.stringify(pure, Object.keys(sql).sort()) || Object.keys(sql).length !== Object.keys(pure).length) {
          throw new Error(`${metric.kind}/${metric.countBy} at ${asOf.toISOString()}: SQL ${JSON.stringify(sql)} ≠ rules ${JSON.stringify(pure)}`)
        }
      }
    }),
    { numRuns: onServer ? 25 : 10, seed: Number(process.env.FUZZ_SEED ?? 20261130), endOnFailure: true },
  )
  t.ok(runs > 0, `${runs} generated histories agree`)
})
