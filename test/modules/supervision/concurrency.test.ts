// Races the database decides: concurrent decisions on one case (the case row lock), concurrent
// referrals of one qualification from different cases (qualification row lock and the partial
// unique index). Sent together with Promise.all; no sleeps.
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { createEnterprise, reader } from '../../helpers/fixtures.ts'
import { decision, listings, openCase, record, referral } from './helpers.ts'

const app = await build(t)

t.test('10 concurrent decisions on one case: exactly one wins', async (t) => {
  const { uscc } = await createEnterprise(app)
  const [a] = await listings(app, uscc, 1)
  const opened = await openCase(app, uscc)
  t.equal((await record(app, opened.id, referral([a!]))).statusCode, 201)
  const results = await Promise.all(Array.from({ length: 10 }, () => record(app, opened.id, decision([{ qualificationId: a!, outcome: 'revoked' }]))))
  const statuses = results.map((r) => r.statusCode).sort()
  t.same(statuses, [201, ...Array(9).fill(409)], `statuses: ${statuses.join(',')}`)
  t.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'invalid_case_transition' && r.json().currentState === 'decided'))
  const history = (await app.inject({ method: 'GET', url: `/v1/qualifications/${a}/history`, headers: await reader() })).json()
  t.equal(history.items.filter((e: any) => e.toStatus === 'revoked').length, 1, 'revoked once')
  const n = (await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM supervision_event WHERE case_id = $1 AND type = 'province_decision'`, [opened.id]))[0]!.n
  t.equal(n, 1)
})

t.test('10 concurrent referrals of one qualification from different cases: exactly one wins', async (t) => {
  const { uscc } = await createEnterprise(app)
  const [a] = await listings(app, uscc, 1)
  const cases = await Promise.all(Array.from({ length: 10 }, (_, i) => openCase(app, uscc, { externalRef: `德市监好品〔2025〕${Date.now()}-${i}号` })))
  const results = await Promise.all(cases.map((c) => record(app, c.id, referral([a!]))))
  const statuses = results.map((r) => r.statusCode).sort()
  t.same(statuses, [201, ...Array(9).fill(409)], `statuses: ${statuses.join(',')}`)
  t.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'revocation_referral_pending'))
  const n = (await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM supervision_case_qualification WHERE qualification_id = $1 AND in_referral', [a]))[0]!.n
  t.equal(n, 1, 'one pending referral')
})

t.test('the partial unique index backs the one-pending-referral rule', async (t) => {
  const { uscc } = await createEnterprise(app)
  const [a] = await listings(app, uscc, 1)
  const [one, two] = [await openCase(app, uscc), await openCase(app, uscc)]
  await app.db.query('INSERT INTO supervision_case_qualification (case_id, qualification_id, added_by_seq, in_referral) VALUES ($1, $2, 1, true)', [one.id, a])
  await t.rejects(app.db.query('INSERT INTO supervision_case_qualification (case_id, qualification_id, added_by_seq, in_referral) VALUES ($1, $2, 1, true)', [two.id, a]), /supervision_case_qualification_one_referral|duplicate key/)
})
