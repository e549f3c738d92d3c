// Status "as of" an effective time and "as known at" a recording time: back-dated decisions,
// expiry that follows from dates, and not-yet-valid grants.
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { changeStatus, createEnterprise, grant, reader } from '../../helpers/fixtures.ts'

const app = await build(t)
const read = await reader()
const DAY = 86_400_000
const iso = (ms: number) => new Date(ms).toISOString()

async function statusOf(id: string, query = '') {
  const res = await app.inject({ url: `/v1/qualifications/${id}${query ? `?${query}` : ''}`, headers: read })
  return res.statusCode === 200 ? res.json().status : res.statusCode
}

t.test('a back-dated revocation: active before it was recorded, revoked from its effective time after', async (t) => {
  const e = await createEnterprise(app)
  const now = Date.now()
  const q = await grant(app, e.uscc, { grantedAt: iso(now - 700 * DAY), validUntil: null })
  const effective = now - 30 * DAY
  const before = (await app.inject({ url: `/v1/qualifications/${q.id}`, headers: read })).json()
  t.equal(before.status, 'active')
  const knownBefore = before.knownAt // what the registry answered, and when

  const res = await changeStatus(app, q.id, 'revoked', { effectiveAt: iso(effective) })
  t.equal(res.statusCode, 201)
  const recordedAt = res.json().change.recordedAt
  t.ok(Date.parse(recordedAt) > Date.parse(knownBefore), 'recorded after the first answer')

  t.equal(await statusOf(q.id), 'revoked', 'now: revoked')
  t.equal(await statusOf(q.id, `knownAt=${knownBefore}`), 'active', 'as the registry knew it before the revocation was recorded: active')
  t.equal(await statusOf(q.id, `asOf=${iso(effective - 1)}`), 'active', 'just before the effective time: active')
  t.equal(await statusOf(q.id, `asOf=${iso(effective)}`), 'revoked', 'from the effective time: revoked')
  t.equal(await statusOf(q.id, `asOf=${iso(effective + DAY)}&knownAt=${knownBefore}`), 'active', 'the same moment, as known before: active')
  t.equal(await statusOf(q.id, `asOf=${iso(effective + DAY)}&knownAt=${recordedAt}`), 'revoked', 'known from its recording time')
  t.equal(await statusOf(q.id, `knownAt=${iso(Date.parse(q.recordedAt) - 1)}`), 404, 'before the grant was recorded the registry knew nothing')
  const future = (await app.inject({ url: `/v1/qualifications/${q.id}?knownAt=${iso(now + 365 * DAY)}`, headers: read })).json()
  t.ok(Date.parse(future.knownAt) <= Date.now(), 'knownAt never runs ahead of the registry\'s clock')
  t.equal(future.status, 'revoked')

  const history = (await app.inject({ url: `/v1/qualifications/${q.id}/history?knownAt=${knownBefore}`, headers: read })).json()
  t.same(history.items.map((i: { toStatus: string }) => i.toStatus), ['active'], 'history as recorded by then')
  const list = (await app.inject({ url: `/v1/qualifications?uscc=${e.uscc}&status=active&knownAt=${knownBefore}`, headers: read })).json()
  t.same(list.items.map((i: { id: string }) => i.id), [q.id], 'lists answer with the same knowledge')
  t.equal(list.items[0].knownAt, knownBefore)
})

t.test('expiry follows from validUntil, with no job', async (t) => {
  const e = await createEnterprise(app)
  const until = Date.parse('2025-06-30T16:00:00.000Z')
  const q = await grant(app, e.uscc, { grantedAt: '2022-07-01T00:00:00.000Z', validUntil: iso(until) })
  t.equal(await statusOf(q.id, `asOf=${iso(until - 1)}`), 'active')
  t.equal(await statusOf(q.id, `asOf=${iso(until)}`), 'expired', 'expired at validUntil exactly')
  t.equal(await statusOf(q.id), 'expired')

  const suspended = await grant(app, e.uscc, { grantedAt: '2022-07-01T00:00:00.000Z', validUntil: iso(until) })
  await changeStatus(app, suspended.id, 'suspended', { effectiveAt: '2024-01-01T00:00:00.000Z' })
  t.equal(await statusOf(suspended.id, 'asOf=2024-06-01T00:00:00.000Z'), 'suspended')
  t.equal(await statusOf(suspended.id), 'expired', 'a suspended one expires too')

  const revoked = await grant(app, e.uscc, { grantedAt: '2022-07-01T00:00:00.000Z', validUntil: iso(until) })
  await changeStatus(app, revoked.id, 'revoked', { effectiveAt: '2024-01-01T00:00:00.000Z' })
  t.equal(await statusOf(revoked.id), 'revoked', 'a final status is not replaced by expiry')

  const later = await grant(app, e.uscc, { grantedAt: '2022-07-01T00:00:00.000Z', validUntil: iso(until) })
  const res = await changeStatus(app, later.id, 'revoked', { effectiveAt: iso(until + DAY) })
  t.equal(res.statusCode, 201, 'revocation after expiry, for misconduct while valid')
  t.equal(await statusOf(later.id, `asOf=${iso(until + 1)}`), 'expired')
  t.equal(await statusOf(later.id), 'revoked')
})

t.test('granted before it is valid: pending, then active', async (t) => {
  const e = await createEnterprise(app)
  const from = Date.now() + 10 * DAY
  const q = await grant(app, e.uscc, { grantedAt: iso(Date.now() - DAY), validFrom: iso(from) })
  t.equal(q.status, 'pending')
  t.equal(await statusOf(q.id, `asOf=${iso(from)}`), 'active')
  t.equal(await statusOf(q.id, `asOf=${iso(Date.now() - 2 * DAY)}`), 'pending', 'before the grant as well')
})

t.test('suspension and reinstatement on the effective timeline', async (t) => {
  const e = await createEnterprise(app)
  const q = await grant(app, e.uscc, { grantedAt: '2023-01-01T00:00:00.000Z', validUntil: null })
  t.equal((await changeStatus(app, q.id, 'suspended', { effectiveAt: '2024-03-01T00:00:00.000Z' })).statusCode, 201)
  t.equal((await changeStatus(app, q.id, 'active', { effectiveAt: '2024-05-01T00:00:00.000Z' })).statusCode, 201)
  t.equal(await statusOf(q.id, 'asOf=2024-02-29T23:59:59.999Z'), 'active')
  t.equal(await statusOf(q.id, 'asOf=2024-04-01T00:00:00.000Z'), 'suspended')
  t.equal(await statusOf(q.id, 'asOf=2024-05-01T00:00:00.000Z'), 'active')
  const page = (await app.inject({ url: `/v1/enterprises/${e.uscc}/qualifications?status=suspended&asOf=2024-04-01T00:00:00.000Z`, headers: read })).json()
  t.same(page.items.map((i: { id: string }) => i.id), [q.id], 'the status filter uses the as-of status')
})
