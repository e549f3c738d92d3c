// An enterprise's attributes as recorded over time: a version per committed change of county,
// name, stage, business status, industry or cultivation lists, none for other changes, and the
// version in force at a moment as enterprise-version.sql.ts defines it.
import t from 'tap'
import { enterpriseVersionAt } from '../../../src/modules/enterprises/enterprise-version.sql.ts'
import { bearer, build, newUscc } from '../../helpers/app.ts'

const app = await build(t)
const writer = await bearer(['registry:read', 'registry:write'])
const patch = (uscc: string, body: unknown) =>
  app.inject({ method: 'PATCH', url: `/v1/enterprises/${uscc}`, headers: { ...writer, 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify(body) })

const versions = (uscc: string) =>
  app.db.query<{ version: number; county_code: string; name: string; cultivation_lists: unknown; recorded_at: Date }>(
    'SELECT version, county_code, name, cultivation_lists, recorded_at FROM enterprise_version WHERE uscc = $1 ORDER BY version',
    [uscc],
  )

const countyAt = async (uscc: string, asOf: Date | string, knownAt: Date | string = new Date()) => {
  const [row] = await app.db.query<{ county_code: string }>(
    `SELECT ev.county_code FROM enterprise e ${enterpriseVersionAt('e', '$2::timestamptz', '$3::timestamptz')} WHERE e.uscc = $1`,
    [uscc, new Date(asOf), new Date(knownAt)],
  )
  return row?.county_code ?? null
}

t.test('a version per committed change of the tracked attributes, none for others', async (t) => {
  const uscc = newUscc()
  const created = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc, name: '德州版本测试有限公司', countyCode: '371402' } })
  t.equal(created.statusCode, 201)
  t.same((await versions(uscc)).map((v) => [v.version, v.county_code]), [[1, '371402']])

  t.equal((await patch(uscc, { address: '德州市德城区' })).statusCode, 200)
  t.equal((await versions(uscc)).length, 1, 'an address change is not a tracked attribute')

  t.equal((await patch(uscc, { countyCode: '371403' })).statusCode, 200)
  t.equal((await patch(uscc, { cultivationLists: [{ list: 'INDUSTRIAL_TOP50', year: 2024 }] })).statusCode, 200)
  const all = await versions(uscc)
  t.same(all.map((v) => [v.version, v.county_code, v.cultivation_lists]), [
    [1, '371402', []],
    [2, '371403', []],
    [3, '371403', [{ list: 'INDUSTRIAL_TOP50', year: 2024 }]],
  ])
  t.ok(all.every((v, i) => i === 0 || v.recorded_at >= all[i - 1]!.recorded_at), 'recorded in order')
  await t.rejects(app.db.query('UPDATE enterprise_version SET name = name WHERE uscc = $1', [uscc]), /append-only/)
})

t.test('the county at a moment: the first county before it was recorded, a move from when it was recorded', async (t) => {
  const uscc = newUscc()
  await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc, name: '德州迁移测试有限公司', countyCode: '371402' } })
  const [first] = await versions(uscc)
  await patch(uscc, { countyCode: '371425' })
  const [, moved] = await versions(uscc)
  t.equal(await countyAt(uscc, '2020-01-01T00:00:00+08:00'), '371402', 'long before it was registered: its first county')
  t.equal(await countyAt(uscc, new Date(moved!.recorded_at.getTime() - 1)), '371402', 'just before the move was recorded')
  t.equal(await countyAt(uscc, moved!.recorded_at), '371425', 'from the move on')
  t.equal(await countyAt(uscc, new Date(), new Date(moved!.recorded_at.getTime() - 1)), '371402', 'as known before the move was recorded')
  t.equal(await countyAt(uscc, new Date(), new Date(first!.recorded_at.getTime() - 1)), null, 'not known at all before it was registered')
})
