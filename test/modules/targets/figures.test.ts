// Figures "as of now" are reused only while they are certain to be the same: nothing committed
// since (the database's snapshot) and no moment passed at which time alone changes one (an expiry,
// a grant, a change taking effect). Each answer equals the one counted afresh.
import t from 'tap'
import { bearer, buildOwn, newUscc, onServer } from '../../helpers/app.ts'
import { holdOpen } from '../../helpers/fixtures.ts'
import { registryState } from '../../../src/modules/targets/targets.repository.ts'
import { History, seedHistory } from './fixture.ts'

const { db, app } = await buildOwn(t)
await app.ready()
await seedHistory(db)
const reader = await bearer(['registry:read'])
const writer = await bearer(['registry:read', 'qualifications:write'])

const actuals = async (query = '') => {
  const res = await app.inject({ method: 'GET', url: `/v1/target-plans/DEZHOU_HAOPIN_2025/progress?by=county${query}`, headers: reader })
  t.equal(res.statusCode, 200, res.body)
  return Object.fromEntries(res.json().items.map((i: any) => [i.code, [i.actual, i.alternatives?.map((a: any) => a.actual), i.counties.map((c: any) => c.actual).join(',')]]))
}
/** Counted afresh: a knownAt after now is now (nothing is recorded in the future), and is never reused. */
const afresh = () => actuals(`&knownAt=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)

t.test('the next moment a figure changes by time alone', async (t) => {
  const now = (await db.query<{ now: Date }>('SELECT statement_timestamp() AS now'))[0]!.now
  const e = await new History(db).enterprise('德州计时测试有限公司', [['371402', '2019-01-01']])
  // Far enough ahead that the answers before it are asked before it, even on a loaded machine.
  const until = new Date(now.getTime() + 10_000)
  await db.query(
    `INSERT INTO qualification (id, uscc, type_code, certificate_no, issuer, issuer_level, granted_at, valid_from, valid_until)
     VALUES (gen_random_uuid(), $1, 'ALL_STAFF_INNOVATION', NULL, '山东省总工会', 'province', '2024-01-01', '2024-01-01', $2)`,
    [e, until],
  )
  await db.query(
    `INSERT INTO qualification_event (qualification_id, seq, to_status, effective_at, recorded_at, actor_sub)
     SELECT id, 1, 'active', granted_at, granted_at, 'fixture' FROM qualification WHERE uscc = $1`,
    [e],
  )
  const state = await registryState(db)
  t.same(state.next, until, 'its expiry is the next moment')

  const before = await actuals()
  const again = await actuals()
  const fresh = await afresh()
  if (Date.now() < until.getTime()) {
    t.same(before, again, 'asked again: the same')
    t.same(before, fresh, 'the same as counted afresh')
    t.equal(before.ALL_STAFF_INNOVATION[0], 1, 'held until its expiry')
  } else {
    t.comment('the machine took longer than 10 s for three answers: the answers before the expiry were not all before it')
  }
  // Wait for the moment itself (not a guess at how long a request takes).
  while (Date.now() <= until.getTime() + 50) await new Promise((resolve) => setTimeout(resolve, 100))
  const after = await actuals()
  t.equal(after.ALL_STAFF_INNOVATION[0], 0, 'past the expiry, without any write: counted again')
  t.same(after, await afresh())
})

t.test('a write is in the next answer', async (t) => {
  const before = await actuals()
  const uscc = newUscc('371425')
  await db.query(`INSERT INTO enterprise (uscc, name, county_code) VALUES ($1, '齐河县新晟食品有限公司', '371425')`, [uscc])
  const res = await app.inject({
    method: 'POST', url: `/v1/enterprises/${uscc}/qualifications`, headers: writer,
    payload: { type: 'HIGH_END_BRAND_CULTIVATION', issuer: '山东省市场监督管理局', issuerLevel: 'province', grantedAt: '2025-03-01T00:00:00+08:00', validUntil: null },
  })
  t.equal(res.statusCode, 201, res.body)
  const after = await actuals()
  t.equal(after.HIGH_END_BRAND_CULTIVATION[0], before.HIGH_END_BRAND_CULTIVATION[0] + 1, 'the new grant counts at once')
  t.same(after, await afresh())
  const page = await app.inject({ method: 'GET', url: '/progress' })
  t.match(page.body, /山东省高端品牌培育企业/, 'the page answers from the same counts')
})

t.test('a write still open when counts are taken is not hidden once it commits', { skip: onServer ? false : 'needs a second connection (PostgreSQL server)' }, async (t) => {
  const h = new History(db)
  const slow = await h.enterprise('德州慢写入测试有限公司', [['371402', '2019-01-01']])
  const fast = await h.enterprise('德州快写入测试有限公司', [['371402', '2019-01-01']])
  const before = await actuals()
  // A grant whose history event takes its id now and commits later, after a grant that takes a later id and commits first.
  const open = await holdOpen(db, async (tx) => {
    await tx.query(
      `INSERT INTO qualification (id, uscc, type_code, issuer, issuer_level, granted_at, valid_from, valid_until)
       VALUES (gen_random_uuid(), $1, 'HIGH_END_BRAND_CULTIVATION', '山东省市场监督管理局', 'province', '2025-02-01', '2025-02-01', NULL)`,
      [slow],
    )
    await tx.query(`INSERT INTO qualification_event (qualification_id, seq, to_status, effective_at, actor_sub)
                    SELECT id, 1, 'active', granted_at, 'fixture' FROM qualification WHERE uscc = $1`, [slow])
  })
  const res = await app.inject({
    method: 'POST', url: `/v1/enterprises/${fast}/qualifications`, headers: writer,
    payload: { type: 'HIGH_END_BRAND_CULTIVATION', issuer: '山东省市场监督管理局', issuerLevel: 'province', grantedAt: '2025-03-01T00:00:00+08:00', validUntil: null },
  })
  t.equal(res.statusCode, 201, res.body)
  const during = await actuals()
  t.equal(during.HIGH_END_BRAND_CULTIVATION[0], before.HIGH_END_BRAND_CULTIVATION[0] + 1, 'the committed grant counts, the open one not yet')
  await open.commit()
  const after = await actuals()
  t.equal(after.HIGH_END_BRAND_CULTIVATION[0], before.HIGH_END_BRAND_CULTIVATION[0] + 2, 'once committed, it counts too')
  t.same(after, await afresh())
})
