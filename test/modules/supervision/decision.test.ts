// The province's decision revokes through the status-change path in the case's transaction, with
// the case link on the change; one failure writes nothing; the referral hold and its release.
import t from 'tap'
import { build, newUscc } from '../../helpers/app.ts'
import { changeStatus, createEnterprise, reader } from '../../helpers/fixtures.ts'
import { city, cityDecider, county, countyDecider, decision, listings, openCase, record, referral } from './helpers.ts'

const app = await build(t)

t.test('a decision revoking two of three referred qualifications', async (t) => {
  const { uscc } = await createEnterprise(app)
  const [a, b, c] = (await listings(app, uscc, 3)).sort()
  const opened = await openCase(app, uscc, { qualificationIds: [a] })
  t.equal(opened.state, 'open')
  t.match(opened.caseNo, /^HPJG-371402-2025-\d{4}$/)
  const referred = await record(app, opened.id, referral([a!, b!, c!]))
  t.equal(referred.statusCode, 201, referred.body)
  t.equal(referred.json().case.state, 'referred')
  t.same(referred.json().case.qualifications.map((q: any) => q.inReferral), [true, true, true])
  t.same(referred.json().case.allowedEvents, ['referral_withdrawn', 'province_decision', 'legal_referral', 'note'])
  t.equal((await app.inject({ method: 'GET', url: `/v1/supervision-cases/${opened.id}?asOf=2025-05-31T10:00:00%2B08:00`, headers: await city() })).json().referralAgeDays, 11)
  const waiting = (await app.inject({ method: 'GET', url: `/v1/supervision-cases?uscc=${uscc}&referralPending=true&referredBefore=2025-05-21&leadDepartment=MARKET_REGULATION`, headers: await city() })).json()
  t.same(waiting.items.map((x: any) => x.id), [opened.id], 'referrals waiting since before a date')
  t.equal((await app.inject({ method: 'GET', url: `/v1/supervision-cases?uscc=${uscc}&referredBefore=2025-05-20`, headers: await city() })).json().items.length, 0)

  const decided = await record(app, opened.id, decision([{ qualificationId: a!, outcome: 'revoked' }, { qualificationId: b!, outcome: 'retained' }, { qualificationId: c!, outcome: 'revoked' }]), {
    ...(await cityDecider()), 'if-match': referred.headers.etag as string,
  })
  t.equal(decided.statusCode, 201, decided.body)
  const body = decided.json()
  t.equal(body.case.state, 'decided')
  t.same(body.qualificationChanges.map((c: any) => [c.qualificationId, c.toStatus]), [[a, 'revoked'], [c, 'revoked']])
  t.equal(body.case.decision.effectiveAt, '2025-06-30T16:00:00.000Z')
  t.same(body.case.qualifications.map((q: any) => q.inReferral), [false, false, false], 'the decision releases the hold')

  const status = async (id: string, query = '') => (await app.inject({ method: 'GET', url: `/v1/qualifications/${id}${query}`, headers: await reader() })).json().status
  t.equal(await status(a!), 'revoked')
  t.equal(await status(b!), 'active', 'retained: unchanged')
  t.equal(await status(c!), 'revoked')
  t.equal(await status(a!, '?asOf=2025-06-30'), 'active', 'as of before the effective time: active')
  t.equal(await status(a!, '?asOf=2025-07-01'), 'revoked', 'from the effective time: revoked')
  const history = (await app.inject({ method: 'GET', url: `/v1/qualifications/${a}/history`, headers: await reader() })).json()
  const change = history.items.at(-1)
  const before = encodeURIComponent(new Date(Date.parse(change.recordedAt) - 1).toISOString())
  t.equal(await status(a!, `?knownAt=${before}`), 'active', 'known at before it was recorded: active')
  t.ok(Date.parse(change.recordedAt) <= Date.parse(body.event.recordedAt), 'the case event is recorded no earlier than the change it made')
  t.same(change.case, { id: opened.id, caseNo: opened.caseNo, eventSeq: 3 }, 'the change names the case and its event')
  t.same([change.toStatus, change.reasonCode, change.decision.documentNo, change.decision.level, change.occurredAt], ['revoked', 'supervision_revocation', '鲁市监质发〔2025〕12号', 'province', '2025-03-09T16:00:00.000Z'])
  t.equal(history.items[0].case, null, 'the grant has no case')

  const verify = (await app.inject({ method: 'GET', url: `/v1/public/verify?uscc=${uscc}` })).json()
  t.same(verify.qualifications.filter((q: any) => q.status === 'revoked').length, 2, 'public verification says revoked with no other work')

  const audit = await app.db.query<{ operation: string; entity_id: string }>(
    `SELECT operation, entity_id FROM audit_event WHERE request_id = (SELECT request_id FROM supervision_event WHERE case_id = $1 AND seq = 3) ORDER BY id`, [opened.id])
  t.same(audit.map((r) => r.operation).sort(), ['qualification.change_status', 'qualification.change_status', 'qualification_event.create', 'qualification_event.create', 'supervision_case.event', 'supervision_event.create'].sort(), 'one request id over the case and both changes')

  const closed = await record(app, opened.id, { type: 'closed', occurredAt: '2025-07-02', payload: { summary: '省局已撤销，结案' } })
  t.equal(closed.statusCode, 201, closed.body)
  t.equal(closed.json().case.outcome, 'revoked', 'the outcome after a decision is derived')
  const again = await record(app, opened.id, { type: 'note', occurredAt: '2025-07-03', payload: { text: '补充' } })
  t.equal(again.statusCode, 409)
  t.equal(again.json().code, 'case_closed')
})

t.test('the outcomes must be exactly the referred set', async (t) => {
  const { uscc } = await createEnterprise(app)
  const [a, b, other] = await listings(app, uscc, 3)
  const opened = await openCase(app, uscc)
  t.equal((await record(app, opened.id, referral([a!, b!]))).statusCode, 201)
  const res = await record(app, opened.id, decision([{ qualificationId: a!, outcome: 'revoked' }, { qualificationId: other!, outcome: 'revoked' }]))
  t.equal(res.statusCode, 400)
  const error = res.json().errors[0]
  t.equal(error.pointer, '/payload/outcomes')
  t.same([error.missing, error.extra], [[b], [other]])
})

t.test('one failure writes nothing', async (t) => {
  const { uscc } = await createEnterprise(app)
  const [a, b] = (await listings(app, uscc, 2)).sort()
  const opened = await openCase(app, uscc)
  t.equal((await record(app, opened.id, referral([a!, b!]))).statusCode, 201)
  // Revoked meanwhile outside the hold's reach: written straight to the table's history as a legacy path would.
  await app.db.transaction(async (tx) => {
    await tx.query(`UPDATE supervision_case_qualification SET in_referral = false WHERE qualification_id = $1`, [b])
  })
  t.equal((await changeStatus(app, b!, 'revoked', { effectiveAt: '2025-06-01T00:00:00Z' })).statusCode, 201)
  await app.db.transaction(async (tx) => {
    await tx.query(`UPDATE supervision_case_qualification SET in_referral = true WHERE qualification_id = $1`, [b])
  })
  const counts = async () => (await app.db.query<{ events: number; changes: number; audits: number }>(
    `SELECT (SELECT count(*)::int FROM supervision_event WHERE case_id = $1) AS events,
            (SELECT count(*)::int FROM qualification_event WHERE qualification_id = ANY($2::uuid[])) AS changes,
            (SELECT count(*)::int FROM audit_event WHERE entity_id LIKE $3 OR entity_id = ANY($4::text[])) AS audits`,
    [opened.id, [a, b], `${opened.id}%`, [a, b]]))[0]
  const before = await counts()
  const res = await record(app, opened.id, decision([{ qualificationId: a!, outcome: 'revoked' }, { qualificationId: b!, outcome: 'revoked' }]))
  t.equal(res.statusCode, 409, res.body)
  t.same([res.json().code, res.json().qualificationId], ['invalid_transition', b])
  t.same(await counts(), before, 'no event, no status change, no audit entry')
  t.equal((await app.inject({ method: 'GET', url: `/v1/qualifications/${a}`, headers: await reader() })).json().status, 'active')
  t.equal((await app.inject({ method: 'GET', url: `/v1/supervision-cases/${opened.id}`, headers: await city() })).json().state, 'referred')
})

t.test('the referral hold and its release', async (t) => {
  const { uscc } = await createEnterprise(app)
  const [a] = await listings(app, uscc, 1)
  const opened = await openCase(app, uscc)
  t.equal((await record(app, opened.id, referral([a!]))).statusCode, 201)
  for (const to of ['revoked', 'withdrawn', 'annulled']) {
    const res = await changeStatus(app, a!, to)
    t.equal(res.statusCode, 409, `${to} is held`)
    t.same([res.json().code, res.json().caseId, res.json().caseNo, res.json().qualificationId], ['revocation_referral_pending', opened.id, opened.caseNo, a])
  }
  const suspended = await changeStatus(app, a!, 'suspended', { effectiveAt: '2025-05-21T00:00:00Z' })
  t.equal(suspended.statusCode, 201, 'suspension stays allowed')

  const second = await openCase(app, uscc)
  const twice = await record(app, second.id, referral([a!]))
  t.same([twice.statusCode, twice.json().code, twice.json().caseId], [409, 'revocation_referral_pending', opened.id], 'a second referral is refused')

  const withdrawn = await record(app, opened.id, { type: 'referral_withdrawn', occurredAt: '2025-05-25', payload: { reason: '企业提交新的整改证据' } })
  t.equal(withdrawn.statusCode, 201, withdrawn.body)
  t.equal(withdrawn.json().case.state, 'open', 'back to the state before the referral')
  t.equal((await changeStatus(app, a!, 'withdrawn', { effectiveAt: '2025-05-26T00:00:00Z' })).statusCode, 201, 'released: the direct change succeeds')
})

t.test('city level and revocation:decide', async (t) => {
  const { uscc } = await createEnterprise(app)
  const [a] = await listings(app, uscc, 1)
  const opened = await openCase(app, uscc, {}, await county())
  const byCounty = await record(app, opened.id, referral([a!]), await countyDecider())
  t.same([byCounty.statusCode, byCounty.json().code, byCounty.json().action], [403, 'city_level_required', 'revocation_referred'])
  t.equal((await record(app, opened.id, referral([a!]), await city())).statusCode, 201)
  const noScope = await record(app, opened.id, decision([{ qualificationId: a!, outcome: 'revoked' }]), await city())
  t.same([noScope.statusCode, noScope.json().code], [403, 'insufficient_scope'])
  t.same(noScope.json().requiredScopes, ['supervision:write', 'revocation:decide'])
  const countyDecision = await record(app, opened.id, decision([{ qualificationId: a!, outcome: 'revoked' }]), await countyDecider())
  t.same([countyDecision.statusCode, countyDecision.json().code], [403, 'city_level_required'])
  const proposed = await record(app, opened.id, { type: 'note', occurredAt: '2025-05-21', payload: { text: '县局补充材料' } }, await county())
  t.equal(proposed.statusCode, 201, 'a county records ordinary events on its own case')
})

t.test('annulment needs revocation:decide', async (t) => {
  const { uscc } = await createEnterprise(app)
  const [a] = await listings(app, uscc, 1)
  const { writer } = await import('../../helpers/fixtures.ts')
  const res = await app.inject({ method: 'POST', url: `/v1/qualifications/${a}/status-changes`, headers: await writer(), payload: (await import('../../helpers/fixtures.ts')).changeBody('annulled') })
  t.same([res.statusCode, res.json().code], [403, 'insufficient_scope'])
  void newUscc
})
