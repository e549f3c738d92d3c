import t from 'tap'
import { bearer, build, newUscc } from '../../helpers/app.ts'

const app = await build(t)
const auth = await bearer(['registry:read', 'registry:write'])
const batch = (items: unknown[], atomic = false) =>
  app.inject({ method: 'POST', url: `/v1/enterprises/batch${atomic ? '?atomic=true' : ''}`, headers: auth, payload: { items } })
const exists = async (uscc: string) => (await app.inject({ url: `/v1/enterprises/${uscc}`, headers: auth })).statusCode === 200

t.test('per-item mode: good items land, bad ones get their own problem', async (t) => {
  const existing = newUscc()
  await batch([{ uscc: existing, name: '武城县棉纺有限公司', countyCode: '371428', address: '武城县' }])
  const fresh = newUscc()
  const res = await batch([
    { uscc: fresh, name: '夏津县新企业', countyCode: '371427' },
    { uscc: existing, name: '武城县棉纺集团有限公司', countyCode: '371428' },
    { uscc: 'BAD', name: 'x', countyCode: '371402' },
    { uscc: newUscc(), countyCode: '371402' },
    { uscc: existing, name: '武城县棉纺集团有限公司', countyCode: '371428' },
  ])
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(body.items.map((i: { status: number }) => i.status), [201, 200, 400, 400, 400])
  t.same([body.created, body.updated, body.unchanged, body.rejected], [1, 1, 0, 3])
  t.equal(body.items[2].problem.errors[0].pointer, '/items/2/uscc')
  t.equal(body.items[3].problem.errors[0].pointer, '/items/3/name')
  t.match(body.items[4].problem.detail, /duplicates item 1/)
  t.ok(await exists(fresh))
  const updated = (await app.inject({ url: `/v1/enterprises/${existing}`, headers: auth })).json()
  t.equal(updated.name, '武城县棉纺集团有限公司')
  t.equal(updated.address, '武城县', 'fields an item omits keep their stored values')
  t.equal(updated.version, 2)
})

t.test('an identical upsert is unchanged and leaves no audit entry', async (t) => {
  const uscc = newUscc()
  await batch([{ uscc, name: '庆云县企业', countyCode: '371423' }])
  const res = (await batch([{ uscc, name: '庆云县企业', countyCode: '371423' }])).json()
  t.equal(res.items[0].outcome, 'unchanged')
  const [row] = await app.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_event WHERE entity_id = $1`, [uscc])
  t.equal(row!.n, '1')
})

t.test('atomic mode: one bad item writes nothing', async (t) => {
  const a = newUscc()
  const b = newUscc()
  const res = await batch([
    { uscc: a, name: '宁津县家具有限公司', countyCode: '371422' },
    { uscc: b, name: '临邑县化工有限公司', countyCode: '000000' },
  ], true)
  t.equal(res.statusCode, 422)
  const problem = res.json()
  t.equal(problem.code, 'batch_rejected')
  t.equal(problem.items.length, 1)
  t.equal(problem.items[0].index, 1)
  t.equal(problem.items[0].problem.errors[0].pointer, '/items/1/countyCode')
  t.notOk(await exists(a), 'the good item was not written')

  const ok = await batch([{ uscc: a, name: '宁津县家具有限公司', countyCode: '371422' }, { uscc: b, name: '临邑县化工有限公司', countyCode: '371424' }], true)
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().created, 2)
})

t.test('batch limits are enforced by the schema', async (t) => {
  t.equal((await batch([])).statusCode, 400)
  const tooMany = Array.from({ length: 1001 }, () => ({}))
  t.equal((await batch(tooMany)).statusCode, 400)
})

t.test('a full batch of 1000 is written set-based and audited', async (t) => {
  const items = Array.from({ length: 1000 }, (_, i) => ({ uscc: newUscc(), name: `批量企业${i}号有限公司`, countyCode: '371402' }))
  const res = await batch(items)
  t.equal(res.json().created, 1000)
  const [row] = await app.db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM audit_event WHERE operation = 'enterprise.create' AND entity_id = ANY($1::text[])`,
    [items.map((i) => i.uscc)],
  )
  t.equal(row!.n, '1000')
})
