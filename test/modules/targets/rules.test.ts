// The pure rules: what each metric counts and why it leaves a qualification out, the status and
// the linear path of a target, the period, and a retired county code folded into its successor.
import t from 'tap'
import * as activeAt from '../../../src/modules/targets/metrics/active-at.ts'
import * as newlyGranted from '../../../src/modules/targets/metrics/newly-granted.ts'
import { series } from '../../../src/modules/targets/metrics/reported.ts'
import { checkMetric } from '../../../src/modules/targets/metrics/index.ts'
import type { QualificationFact } from '../../../src/modules/targets/metrics/types.ts'
import * as rules from '../../../src/modules/targets/progress.ts'

const d = (s: string) => new Date(`${s}T00:00:00+08:00`)
const w = { asOf: d('2025-01-01'), start: d('2021-09-02'), end: d('2026-01-01') }
let n = 0
const fact = (uscc: string, type: string, granted: string, more: Partial<QualificationFact> = {}): QualificationFact => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, uscc, type, grantedAt: d(granted), renewsId: null, statusAtAsOf: 'active', annulled: false, ...more,
})
const reasons = (verdicts: { fact: QualificationFact; reason: string | null }[]) => verdicts.map((v) => v.reason)

t.test('activeAt: active at asOf counts; annulled never; each enterprise once', async (t) => {
  const facts = [
    fact('E1', 'HIGH_TECH_ENTERPRISE', '2020-03-01', { statusAtAsOf: 'expired' }),
    fact('E1', 'HIGH_TECH_ENTERPRISE', '2023-03-01'),
    fact('E2', 'HIGH_TECH_ENTERPRISE', '2022-01-10', { statusAtAsOf: 'revoked' }),
    fact('E3', 'HIGH_TECH_ENTERPRISE', '2022-02-01', { annulled: true }),
    fact('E4', 'HIGH_TECH_ENTERPRISE', '2022-02-01'),
    fact('E4', 'HIGH_TECH_ENTERPRISE', '2023-02-01'),
  ]
  t.same(reasons(activeAt.evaluate({ kind: 'activeAt', types: ['HIGH_TECH_ENTERPRISE'], countBy: 'enterprise' }, facts)),
    ['not_active_at_as_of', 'not_active_at_as_of', 'annulled', null, 'enterprise_already_counted', null], 'in grant order')
  t.same(reasons(activeAt.evaluate({ kind: 'activeAt', types: ['HIGH_TECH_ENTERPRISE'], countBy: 'qualification' }, facts)).filter((r) => r === null).length, 3)
})

t.test('newlyGranted by qualification: the window, renewals, exclusions', async (t) => {
  const facts = [
    fact('E1', 'TAISHAN_QUALITY_CERT', '2020-05-01'),
    fact('E1', 'TAISHAN_QUALITY_CERT', '2023-05-01', { renewsId: 'x' }),
    fact('E2', 'TAISHAN_QUALITY_CERT', '2022-03-01'),
    fact('E2', 'TAISHAN_QUALITY_CERT', '2024-05-01', { statusAtAsOf: 'revoked' }),
    fact('E3', 'TAISHAN_QUALITY_CERT', '2025-06-01'),
    fact('E3', 'TAISHAN_QUALITY_CERT', '2026-02-01'),
    fact('E4', 'TAISHAN_QUALITY_CERT', '2023-01-01', { annulled: true }),
  ]
  const metric = { kind: 'newlyGranted' as const, types: ['TAISHAN_QUALITY_CERT'], countBy: 'qualification' as const }
  const byId = (vs: ReturnType<typeof newlyGranted.evaluate>) => Object.fromEntries(vs.map((v) => [`${v.fact.uscc}:${v.fact.grantedAt.toISOString().slice(0, 7)}`, v.reason]))
  t.same(byId(newlyGranted.evaluate(metric, facts, w)), {
    'E1:2020-04': 'granted_before_period', 'E1:2023-04': 'renewal', 'E2:2022-02': null, 'E2:2024-04': 'status_at_as_of',
    'E3:2025-05': 'granted_after_as_of', 'E3:2026-01': 'granted_after_period', 'E4:2022-12': 'annulled',
  })
  t.equal(newlyGranted.evaluate({ ...metric, includeRenewals: true, excludeIfStatusAtAsOf: [] }, facts, w).filter((v) => v.reason === null).length, 3)
  t.equal(newlyGranted.evaluate(metric, facts, { ...w, asOf: d('2030-01-01') }).filter((v) => v.reason === null).length, 2, 'the window ends with the period')
})

t.test('newlyGranted by enterprise: first grant in the window, counted once (A2), earlier holders are not new', async (t) => {
  const facts = [
    fact('E1', 'MANUFACTURING_SINGLE_CHAMPION', '2019-05-01'),
    fact('E1', 'QUALITY_BENCHMARK', '2023-05-01'),
    fact('E2', 'QUALITY_BENCHMARK', '2023-02-01'),
    fact('E2', 'MANUFACTURING_SINGLE_CHAMPION', '2024-02-01'),
    fact('E3', 'QUALITY_BENCHMARK', '2018-01-01', { annulled: true }),
    fact('E3', 'QUALITY_BENCHMARK', '2022-01-01', { statusAtAsOf: 'revoked' }),
    fact('E3', 'MANUFACTURING_SINGLE_CHAMPION', '2023-01-01'),
  ]
  const verdicts = newlyGranted.evaluate({ kind: 'newlyGranted', types: ['MANUFACTURING_SINGLE_CHAMPION', 'QUALITY_BENCHMARK'], countBy: 'enterprise' }, facts, w)
  const byKey = Object.fromEntries(verdicts.map((v) => [`${v.fact.uscc}:${v.fact.type}`, v.reason]))
  t.same(byKey, {
    'E1:MANUFACTURING_SINGLE_CHAMPION': 'held_before_period', 'E1:QUALITY_BENCHMARK': 'held_before_period',
    'E2:QUALITY_BENCHMARK': null, 'E2:MANUFACTURING_SINGLE_CHAMPION': 'enterprise_already_counted',
    'E3:QUALITY_BENCHMARK': 'status_at_as_of', 'E3:MANUFACTURING_SINGLE_CHAMPION': null,
  }, 'an annulled early grant does not make E3 an earlier holder; its revoked first grant leaves the 2023 one to count')
})

t.test('reported: the latest period ended by asOf, corrections replace what they supersede', async (t) => {
  const m = (id: string, to: string, value: number, supersedes: string | null = null, recorded = to) =>
    ({ id, countyCode: null, periodFrom: d('2020-01-01'), periodTo: d(to), value, recordedAt: d(recorded), supersedes })
  const facts = [m('a', '2024-01-01', 84), m('b', '2025-01-01', 86.5), m('c', '2025-01-01', 84.5, 'b', '2025-03-01'), m('d', '2026-01-01', 90)]
  t.same(series(facts, d('2025-06-01')).map((x) => x.value), [84, 84.5])
  t.same(series(facts, d('2024-06-01')).map((x) => x.value), [84])
})

t.test('status, the linear path and on-track', async (t) => {
  const atLeast = { comparator: 'at_least' as const, value: 10, tolerancePercent: null }
  const approx = { comparator: 'approximately' as const, value: 500, tolerancePercent: 5 }
  const indicator = { comparator: 'indicator' as const, value: null, tolerancePercent: null }
  t.same([rules.status(atLeast, 10), rules.status(atLeast, 9), rules.status(atLeast, null)], ['met', 'not_met', 'no_data'])
  t.same([rules.status(approx, 475), rules.status(approx, 474)], ['met', 'not_met'], '左右: within 5 % below')
  t.equal(rules.status(indicator, 3), 'indicator')
  t.equal(rules.expectedByNow(atLeast, 'newlyGranted', 0.77, null), 7.7)
  t.equal(rules.expectedByNow(approx, 'activeAt', 0.5, 100), 300, 'a stock starts from its baseline')
  t.equal(rules.expectedByNow({ comparator: 'at_least', value: 85, tolerancePercent: null }, 'reported', 0.2, null), 85)
  t.equal(rules.expectedByNow(indicator, 'activeAt', 0.5, 3), null)
  t.same([rules.onTrack(atLeast, 7, 7.7), rules.onTrack(atLeast, 8, 7.7), rules.onTrack(approx, 290, 300), rules.onTrack(atLeast, null, 1)], [false, true, true, null])
  t.same([rules.periodState(d('2021-09-01'), w.start, w.end), rules.periodState(w.start, w.start, w.end), rules.periodState(w.end, w.start, w.end)], ['before', 'running', 'ended'])
  t.same([rules.elapsed(d('2020-01-01'), w.start, w.end), rules.elapsed(d('2030-01-01'), w.start, w.end)], [0, 1])
})

t.test('counties: a retired code counts in its successor from the day after it was retired', async (t) => {
  const counties = new Map([
    ['371421', { code: '371421', name: '陵县', validFrom: '1994-12-17', validUntil: '2014-10-19', successorCode: '371403' }],
    ['371403', { code: '371403', name: '陵城区', validFrom: '2014-10-20', validUntil: null, successorCode: null }],
  ])
  t.equal(rules.foldCounty('371421', counties, '2014-10-19'), '371421')
  t.equal(rules.foldCounty('371421', counties, '2014-10-20'), '371403')
  t.equal(rules.shanghaiDay(new Date('2024-12-31T16:00:00Z')), '2025-01-01')
  t.same(rules.countiesOn(counties.values(), '2024-01-01').map((c) => c.code), ['371403'])
})

t.test('a metric sent by a client is checked with pointers', async (t) => {
  const known = new Set(['HIGH_TECH_ENTERPRISE'])
  t.same(checkMetric({ kind: 'nope' }, '/metric', known), { errors: [{ in: 'body', pointer: '/metric/kind', message: 'unknown metric kind "nope"; allowed: activeAt, newlyGranted, reported' }] })
  t.match(checkMetric({ kind: 'activeAt', countBy: 'enterprise' }, '/metric', known), { errors: [{ pointer: '/metric', message: /types or listingTypes/ }] })
  t.match(checkMetric({ kind: 'newlyGranted', types: ['X_TYPE'], countBy: 'enterprise' }, '/m', known), { errors: [{ pointer: '/m/types/0' }] })
  t.match(checkMetric({ kind: 'reported', extra: 1 }, '/m', known), { errors: [{ pointer: '/m/extra' }] })
  t.match(checkMetric({ kind: 'activeAt', types: ['HIGH_TECH_ENTERPRISE'], countBy: 'enterprise' }, '/m', known), { metric: { kind: 'activeAt' }, errors: [] })
})
