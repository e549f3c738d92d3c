// The audit trail's countyCode filter (the county of the enterprise an entry is about, when it was
// written) and the operation/entityType filters accepting only values the trail can hold.
import t from 'tap'
import { bearer, build, newUscc } from '../../helpers/app.ts'
import { createEnterprise, grant } from '../../helpers/fixtures.ts'

const app = await build(t)
const audit = await bearer(['audit:read'])

t.test('countyCode: entries about the county\'s enterprises and their qualifications, by the county at the time', async (t) => {
  const e = await createEnterprise(app, { uscc: newUscc('371426'), countyCode: '371426' })
  const q = await grant(app, e.uscc)
  // After the move, new entries are the new county's; the old ones stay the old county's.
  await app.db.query(`UPDATE enterprise SET county_code = '371427' WHERE uscc = $1`, [e.uscc])
  const q2 = await grant(app, e.uscc)
  const entries = async (county: string) => {
    const items: any[] = []
    let cursor: string | null = null
    do {
      const res: { statusCode: number; json(): any } = await app.inject({ method: 'GET', url: `/v1/audit-events?countyCode=${county}&limit=500${cursor ? `&cursor=${cursor}` : ''}`, headers: audit })
      t.equal(res.statusCode, 200)
      items.push(...res.json().items)
      cursor = res.json().nextCursor
    } while (cursor)
    return items
  }
  const old = await entries('371426')
  t.ok(old.some((i) => i.entityType === 'qualification' && i.entityId === q.id), 'the first grant is the old county\'s')
  t.ok(old.some((i) => i.entityType === 'qualification_event' && i.entityId === `${q.id}:1`), 'with its history event')
  t.notOk(old.some((i) => i.entityId === q2.id), 'the grant after the move is not')
  const now = await entries('371427')
  t.ok(now.some((i) => i.entityType === 'qualification' && i.entityId === q2.id), 'it is the new county\'s')
  t.notOk(now.some((i) => i.entityId === q.id))
})

t.test('unknown operation or entity type: 400 listing the known ones', async (t) => {
  const op = await app.inject({ method: 'GET', url: '/v1/audit-events?operation=qualification.revoke', headers: audit })
  t.equal(op.statusCode, 400)
  t.equal(op.json().errors[0].pointer, '/operation')
  t.match(op.json().errors[0].message, /qualification\.change_status/)
  const type = await app.inject({ method: 'GET', url: '/v1/audit-events?entityType=enterprises', headers: audit })
  t.equal(type.statusCode, 400)
  t.match(type.json().errors[0].message, /known: enterprise, qualification/)
  const known = await app.inject({ method: 'GET', url: '/v1/audit-events?operation=qualification.grant&entityType=qualification&limit=1', headers: audit })
  t.equal(known.statusCode, 200)
})
