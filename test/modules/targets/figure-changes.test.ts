// The change rows that keep progress figures exact (target_figure_change, migrations 20261130009100
// and 20261130010000): each write records the enterprises and types it touched once, a row that no
// count can need is not written, and the answers after each write equal the ones counted afresh.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { bearer, buildOwn, newUscc } from '../../helpers/app.ts'
import { seedHistory } from './fixture.ts'

const { db, app } = await buildOwn(t)
await app.ready()
await seedHistory(db)
const reader = await bearer(['registry:read'])
const writer = await bearer(['registry:read', 'registry:write', 'qualifications:write'])

const actuals = async (query = '') => {
  const res = await app.inject({ method: 'GET', url: `/v1/target-plans/DEZHOU_HAOPIN_2025/progress?by=county${query}`, headers: reader })
  if (res.statusCode !== 200) t.fail(res.body)
  return Object.fromEntries(res.json().items.map((i: any) => [i.code, [i.actual, i.alternatives?.map((a: any) => a.actual), i.counties.map((c: any) => c.actual).join(',')]]))
}
const afresh = () => actuals(`&knownAt=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)
const changesOf = async (uscc: string) =>
  (await db.query<{ type_code: string | null }>('SELECT type_code FROM target_figure_change WHERE uscc = $1 ORDER BY id', [uscc])).map((r) => r.type_code)

const register = async (uscc: string, countyCode: string) => {
  const res = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc, name: `德州变更记录测试${uscc.slice(-4)}有限公司`, countyCode, businessStatus: 'operating' } })
  if (res.statusCode !== 201) t.fail(res.body)
}
const grant = async (uscc: string) => {
  const res = await app.inject({
    method: 'POST', url: `/v1/enterprises/${uscc}/qualifications`, headers: writer,
    payload: { type: 'HIGH_END_BRAND_CULTIVATION', issuer: '山东省市场监督管理局', issuerLevel: 'province', grantedAt: '2025-03-01T00:00:00+08:00', validUntil: null },
  })
  if (res.statusCode !== 201) t.fail(res.body)
  return res.json().id as string
}

t.test('registering records nothing; a grant, a status change and a move each record once, and the answers stay exact', async (t) => {
  await actuals()
  const uscc = newUscc('371425')
  await register(uscc, '371425')
  t.same(await changesOf(uscc), [], 'an enterprise without qualifications is in no count')

  const id = await grant(uscc)
  t.same(await changesOf(uscc), ['HIGH_END_BRAND_CULTIVATION'], 'the grant and its first event: one row')
  const granted = await actuals()
  t.same(granted, await afresh())

  const suspend = await app.inject({
    method: 'POST', url: `/v1/qualifications/${id}/status-changes`, headers: writer,
    payload: { to: 'suspended', reasonCode: 'inspection_failed', reason: '监督抽查不合格', effectiveAt: new Date().toISOString(), decision: { authority: '德州市市场监督管理局', level: 'city', decidedAt: new Date().toISOString() } },
  })
  t.equal(suspend.statusCode, 201, 'suspended')
  t.same(await changesOf(uscc), ['HIGH_END_BRAND_CULTIVATION', 'HIGH_END_BRAND_CULTIVATION'], 'the change and its event: one row')
  const suspended = await actuals()
  t.equal(suspended.HIGH_END_BRAND_CULTIVATION[0], granted.HIGH_END_BRAND_CULTIVATION[0] - 1, 'the suspension counts at once')
  t.same(suspended, await afresh())

  const reinstate = await app.inject({
    method: 'POST', url: `/v1/qualifications/${id}/status-changes`, headers: writer,
    payload: { to: 'active', reasonCode: 'rectified', reason: '整改验收合格', effectiveAt: new Date().toISOString(), decision: { authority: '德州市市场监督管理局', level: 'city', decidedAt: new Date().toISOString() } },
  })
  t.equal(reinstate.statusCode, 201, 'reinstated')
  const before = await actuals()
  const moved = await app.inject({ method: 'PATCH', url: `/v1/enterprises/${uscc}`, headers: { ...writer, 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify({ countyCode: '371402' }) })
  t.equal(moved.statusCode, 200, 'moved')
  t.same((await changesOf(uscc)).slice(3), [null], 'the move (a later version): every type of the enterprise')
  const after = await actuals()
  t.not(after.HIGH_END_BRAND_CULTIVATION[2], before.HIGH_END_BRAND_CULTIVATION[2], 'the count moved to the new county')
  t.same(after, await afresh())
})

t.test('an event records itself when this transaction did not write its qualification, or wrote it in a savepoint', async (t) => {
  await actuals()
  // The qualification carries its first event's status and times, as a grant writes it, so the
  // event does not rewrite it (a rewrite would record the qualification again).
  const insertQualification = `INSERT INTO qualification (id, uscc, type_code, issuer, issuer_level, granted_at, valid_from, valid_until, status_effective_at, status_recorded_at)
    VALUES ($1, $2, 'HIGH_END_BRAND_CULTIVATION', '山东省市场监督管理局', 'province', '2025-02-01', '2025-02-01', NULL, '2025-02-01', '2025-02-02')`
  const insertEvent = `INSERT INTO qualification_event (qualification_id, seq, to_status, effective_at, recorded_at, actor_sub) VALUES ($1, 1, 'active', '2025-02-01', '2025-02-02', 'fixture')`

  const apart = newUscc('371402')
  await register(apart, '371402')
  const q1 = randomUUID()
  await db.query(insertQualification, [q1, apart])
  t.same(await changesOf(apart), ['HIGH_END_BRAND_CULTIVATION'])
  await db.query(insertEvent, [q1])
  t.same(await changesOf(apart), ['HIGH_END_BRAND_CULTIVATION', 'HIGH_END_BRAND_CULTIVATION'], 'the event, in a transaction of its own')

  const together = newUscc('371402')
  await register(together, '371402')
  const q2 = randomUUID()
  await db.transaction(async (tx) => {
    await tx.query(insertQualification, [q2, together])
    await tx.query(insertEvent, [q2])
  })
  t.same(await changesOf(together), ['HIGH_END_BRAND_CULTIVATION'], 'the same transaction: the qualification\'s row says it')

  const saved = newUscc('371402')
  await register(saved, '371402')
  const q3 = randomUUID()
  await db.transaction(async (tx) => {
    await tx.query('SAVEPOINT grant_row')
    await tx.query(insertQualification, [q3, saved])
    await tx.query(insertEvent, [q3])
    await tx.query('RELEASE SAVEPOINT grant_row')
  })
  t.same(await changesOf(saved), ['HIGH_END_BRAND_CULTIVATION', 'HIGH_END_BRAND_CULTIVATION'], 'written in a savepoint: the event records itself too')
  t.same(await actuals(), await afresh())
})

t.test('an enterprise\'s first version records its change when the enterprise already has qualifications', async (t) => {
  // Not a path the registry takes (the first version is written when the enterprise is registered),
  // but the rule holds for any writer: a version that can move a count is recorded.
  const uscc = newUscc('371402')
  await register(uscc, '371402')
  await grant(uscc)
  const n = (await changesOf(uscc)).length
  await db.transaction(async (tx) => {
    await tx.query('ALTER TABLE enterprise_version DISABLE TRIGGER enterprise_version_append_only')
    await tx.query('DELETE FROM enterprise_version WHERE uscc = $1', [uscc])
    await tx.query(`INSERT INTO enterprise_version (uscc, version, recorded_at, name, county_code, business_status) VALUES ($1, 1, now(), 'x', '371402', 'operating')`, [uscc])
    await tx.query('ALTER TABLE enterprise_version ENABLE TRIGGER enterprise_version_append_only')
  })
  t.same((await changesOf(uscc)).slice(n), [null])
})
