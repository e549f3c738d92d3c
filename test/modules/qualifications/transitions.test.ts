// Every allowed and forbidden status change through the API, plus the rules around them:
// scopes, county boundaries, effective-time order, If-Match and the recorded history.
import t from 'tap'
import { bearer, build, onServer } from '../../helpers/app.ts'
import { changeBody, changeStatus, createEnterprise, grant, holdOpen, reader, waitingForLock, writer } from '../../helpers/fixtures.ts'

const app = await build(t)
const enterprise = await createEnterprise(app)
const DAY = 86_400_000
const ago = (ms: number) => new Date(Date.now() - ms).toISOString()

// The lifecycle of domain.md, written out independently of lifecycle.ts.
const TARGETS = ['suspended', 'active', 'revoked', 'annulled', 'withdrawn'] as const
const ALLOWED: Record<string, string[]> = {
  active: ['suspended', 'revoked', 'annulled', 'withdrawn'],
  pending: ['suspended', 'revoked', 'annulled', 'withdrawn'],
  suspended: ['active', 'revoked', 'annulled', 'withdrawn'],
  expired: ['revoked', 'annulled'],
  revoked: [],
  annulled: [],
  withdrawn: [],
}

/** A qualification brought into `state` by the API, its last change effective a minute ago. */
async function qualificationIn(state: string) {
  const overrides: Record<string, unknown> = { grantedAt: ago(400 * DAY) }
  if (state === 'expired') overrides.validUntil = ago(10 * DAY)
  if (state === 'pending') overrides.validFrom = new Date(Date.now() + 30 * DAY).toISOString()
  const q = await grant(app, enterprise.uscc, overrides)
  if (state === 'suspended' || state === 'revoked' || state === 'annulled' || state === 'withdrawn') {
    const res = await changeStatus(app, q.id, state, { effectiveAt: ago(60_000) })
    if (res.statusCode !== 201) throw new Error(`setup ${state}: ${res.body}`)
  }
  return q
}

async function historyLength(id: string) {
  return (await app.inject({ url: `/v1/qualifications/${id}/history`, headers: await reader() })).json().items.length
}

for (const [from, allowed] of Object.entries(ALLOWED)) {
  t.test(`from ${from}`, async (t) => {
    for (const to of TARGETS) {
      const q = await qualificationIn(from)
      const before = await historyLength(q.id)
      const res = await changeStatus(app, q.id, to)
      if (allowed.includes(to)) {
        t.equal(res.statusCode, 201, `${from} → ${to} is allowed`)
        t.equal(res.json().change.toStatus, to)
        t.equal(res.json().qualification.status, to, 'and is in effect now')
        t.equal(await historyLength(q.id), before + 1, 'one event more')
      } else {
        t.equal(res.statusCode, 409, `${from} → ${to} is refused`)
        const body = res.json()
        t.equal(body.code, 'invalid_transition')
        t.equal(body.currentStatus, from, 'names the current status')
        t.same([...body.allowedTransitions].sort(), [...allowed].sort(), 'names the allowed targets')
        t.equal(await historyLength(q.id), before, 'history unchanged')
      }
    }
  })
}

t.test('final states stay final even for a back-dated change', async (t) => {
  const q = await qualificationIn('revoked')
  const res = await changeStatus(app, q.id, 'active', { effectiveAt: ago(1000) })
  t.equal(res.statusCode, 409)
  t.same(res.json().allowedTransitions, [])
})

t.test('revoking needs revocation:decide; other changes do not', async (t) => {
  const q = await qualificationIn('active')
  const denied = await app.inject({ method: 'POST', url: `/v1/qualifications/${q.id}/status-changes`, headers: await writer(), payload: changeBody('revoked') })
  t.equal(denied.statusCode, 403)
  t.equal(denied.json().code, 'insufficient_scope')
  t.match(denied.headers['www-authenticate'], /scope="revocation:decide"/)
  t.equal(await historyLength(q.id), 1)
  const suspended = await app.inject({ method: 'POST', url: `/v1/qualifications/${q.id}/status-changes`, headers: await writer(), payload: changeBody('suspended') })
  t.equal(suspended.statusCode, 201, 'qualifications:write suffices for a suspension')
  const readOnly = await app.inject({ method: 'POST', url: `/v1/qualifications/${q.id}/status-changes`, headers: await reader(), payload: changeBody('active') })
  t.equal(readOnly.statusCode, 403)
  t.equal(readOnly.json().code, 'insufficient_scope')
  const admin = await app.inject({ method: 'POST', url: `/v1/qualifications/${q.id}/status-changes`, headers: await bearer(['admin']), payload: changeBody('revoked') })
  t.equal(admin.statusCode, 201, 'admin carries every scope')
})

t.test('county tokens change only their own county\'s qualifications', async (t) => {
  const q = await qualificationIn('active') // enterprise in 371402
  const scopes = ['qualifications:write', 'registry:read']
  const other = await app.inject({
    method: 'POST', url: `/v1/qualifications/${q.id}/status-changes`,
    headers: await bearer(scopes, { county: '371481', sub: 'leling-system' }), payload: changeBody('suspended'),
  })
  t.equal(other.statusCode, 403)
  t.equal(other.json().code, 'forbidden_county')
  const own = await app.inject({
    method: 'POST', url: `/v1/qualifications/${q.id}/status-changes`,
    headers: await bearer(scopes, { county: '371402', sub: 'decheng-system' }), payload: changeBody('suspended'),
  })
  t.equal(own.statusCode, 201)
  t.same(own.json().change.actor, { sub: 'decheng-system', county: '371402', dept: null, requestId: own.headers['x-request-id'] })
})

t.test('effective time: not before the grant (400), not before the last change (409)', async (t) => {
  const q = await grant(app, enterprise.uscc, { grantedAt: '2024-01-10T00:00:00.000Z', validUntil: null })
  const early = await changeStatus(app, q.id, 'suspended', { effectiveAt: '2024-01-09T23:59:59.999Z' })
  t.equal(early.statusCode, 400)
  t.equal(early.json().code, 'validation_failed')
  t.equal(early.json().errors[0].pointer, '/effectiveAt')
  t.equal((await changeStatus(app, q.id, 'suspended', { effectiveAt: '2025-06-01T00:00:00.000Z' })).statusCode, 201)
  const outOfOrder = await changeStatus(app, q.id, 'active', { effectiveAt: '2025-03-01T00:00:00.000Z' })
  t.equal(outOfOrder.statusCode, 409)
  t.equal(outOfOrder.json().code, 'out_of_order_change')
  t.equal(outOfOrder.json().lastEffectiveAt, '2025-06-01T00:00:00.000Z')
  t.equal((await changeStatus(app, q.id, 'active', { effectiveAt: '2025-06-01T00:00:00.000Z' })).statusCode, 201, 'the same moment is fine')
  t.equal(await historyLength(q.id), 3)
})

t.test('If-Match: a stale ETag is 412, the current one passes', async (t) => {
  const q = await qualificationIn('active')
  const got = await app.inject({ url: `/v1/qualifications/${q.id}`, headers: await reader() })
  t.equal(got.headers.etag, q.etag, 'GET and POST agree on the ETag')
  const first = await changeStatus(app, q.id, 'suspended', {}, { 'if-match': q.etag })
  t.equal(first.statusCode, 201)
  t.not(first.headers.etag, q.etag)
  const stale = await changeStatus(app, q.id, 'active', {}, { 'if-match': q.etag })
  t.equal(stale.statusCode, 412)
  t.equal(stale.json().code, 'precondition_failed')
  const fresh = await changeStatus(app, q.id, 'active', {}, { 'if-match': first.headers.etag as string })
  t.equal(fresh.statusCode, 201)
  const after = await app.inject({ url: `/v1/qualifications/${q.id}`, headers: await reader() })
  t.equal(after.headers.etag, fresh.headers.etag, 'the POST returns the ETag a GET then shows')
})

t.test('history lists every event with its times, provenance and recorder', async (t) => {
  const q = await qualificationIn('active')
  const res = await changeStatus(app, q.id, 'revoked', {
    effectiveAt: ago(5 * DAY),
    occurredAt: ago(90 * DAY),
    reasonCode: 'quality_below_standard',
    reason: '抽查不合格',
    decision: { authority: '山东省市场监督管理局', level: 'province', documentNo: '鲁市监〔2025〕9号', decidedAt: ago(6 * DAY) },
  }, { authorization: (await bearer(['qualifications:write', 'revocation:decide'], { sub: 'city-bureau', dept: 'MARKET_REGULATION' })).authorization })
  t.equal(res.statusCode, 201)
  t.equal(res.headers.location, `/v1/qualifications/${q.id}/history`)
  const history = await app.inject({ url: `/v1/qualifications/${q.id}/history`, headers: await reader() })
  t.equal(history.statusCode, 200)
  const [granted, revoked] = history.json().items
  t.match(granted, { seq: 1, fromStatus: null, toStatus: 'active', reasonCode: 'grant', effectiveAt: q.grantedAt, recordedAt: q.recordedAt })
  t.match(revoked, {
    seq: 2,
    fromStatus: 'active',
    toStatus: 'revoked',
    reasonCode: 'quality_below_standard',
    reason: '抽查不合格',
    decision: { authority: '山东省市场监督管理局', level: 'province', documentNo: '鲁市监〔2025〕9号' },
    actor: { sub: 'city-bureau', county: null, dept: 'MARKET_REGULATION', requestId: res.headers['x-request-id'] },
  })
  for (const field of ['occurredAt', 'effectiveAt', 'recordedAt']) t.match(revoked[field], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${field} is there`)
  t.ok(Date.parse(revoked.recordedAt) > Date.parse(revoked.effectiveAt), 'recorded after it took effect (back-dated)')
  t.same(res.json().change, revoked, 'the POST answered with the recorded event')

  const audit = await app.db.query<{ operation: string; actor_sub: string }>(
    `SELECT operation, actor_sub FROM audit_event WHERE entity_type = 'qualification' AND entity_id = $1 ORDER BY id`, [q.id])
  t.same(audit, [{ operation: 'qualification.grant', actor_sub: 'test-suite' }, { operation: 'qualification.change_status', actor_sub: 'city-bureau' }])
})

t.test('bad requests', async (t) => {
  const q = await qualificationIn('active')
  t.equal((await changeStatus(app, q.id, 'expired')).statusCode, 400, 'expired is derived, never set')
  const missing = await app.inject({ method: 'POST', url: `/v1/qualifications/${q.id}/status-changes`, headers: await writer(), payload: { to: 'suspended' } })
  t.equal(missing.statusCode, 400)
  t.ok(missing.json().errors.some((e: { pointer: string }) => e.pointer === '/effectiveAt'))
  t.equal((await changeStatus(app, q.id, 'suspended', { occurredAt: new Date(Date.now() + 10 * DAY).toISOString() })).statusCode, 400, 'occurredAt in the future')
  t.equal((await changeStatus(app, '00000000-0000-4000-8000-000000000000', 'suspended')).statusCode, 404)
  t.equal((await changeStatus(app, 'not-a-uuid', 'suspended')).statusCode, 404)
  t.equal(await historyLength(q.id), 1, 'nothing was recorded')
})

t.test('a status change is idempotent with an Idempotency-Key', async (t) => {
  const q = await qualificationIn('active')
  const headers = { 'idempotency-key': `suspend-${q.id}` }
  const body = changeBody('suspended')
  const send = async () => app.inject({ method: 'POST', url: `/v1/qualifications/${q.id}/status-changes`, headers: { ...(await writer()), ...headers }, payload: body })
  const first = await send()
  const retry = await send()
  t.equal(first.statusCode, 201)
  t.equal(retry.statusCode, 201)
  t.equal(retry.headers['idempotency-replayed'], 'true')
  t.equal(retry.body, first.body)
  t.equal(await historyLength(q.id), 2, 'recorded once')
})

t.test('a change that waited for a concurrent one is checked against it', { skip: !onServer && 'needs two connections' }, async (t) => {
  const q = await grant(app, enterprise.uscc, { grantedAt: ago(400 * DAY) })
  // Another writer holds the qualification and records a change effective an hour ago.
  const other = await holdOpen(app.db, async (tx) => {
    await tx.query('SELECT 1 FROM qualification WHERE id = $1::uuid FOR UPDATE', [q.id])
    await tx.query(
      `INSERT INTO qualification_event (qualification_id, seq, from_status, to_status, effective_at, actor_sub)
       VALUES ($1::uuid, 2, 'active', 'suspended', $2::timestamptz, 'other-writer')`,
      [q.id, ago(3_600_000)],
    )
  })
  // This change takes effect two hours ago: before the other one, which it cannot see yet.
  const waiting = changeStatus(app, q.id, 'suspended', { effectiveAt: ago(7_200_000) })
  await waitingForLock(app.db, '%FROM qualification WHERE id = $1::uuid FOR UPDATE%')
  await other.commit()
  const res = await waiting
  t.equal(res.statusCode, 409, res.body)
  t.equal(res.json().code, 'out_of_order_change')
})
