import t from 'tap'
import { bearer, build, newUscc } from '../../helpers/app.ts'

const app = await build(t)
const city = await bearer(['registry:read', 'registry:write'])
const dezhouCity = await bearer(['registry:read', 'registry:write'], { county: '371402', sub: 'decheng-system' })
const MERGE = { 'content-type': 'application/merge-patch+json' }

async function register(countyCode: string) {
  const uscc = newUscc()
  const res = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: city, payload: { uscc, name: '测试企业有限公司', countyCode } })
  t.equal(res.statusCode, 201)
  return uscc
}

t.test('a county token works inside its county', async (t) => {
  const uscc = newUscc()
  const res = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: dezhouCity, payload: { uscc, name: '德城区本地企业', countyCode: '371402' } })
  t.equal(res.statusCode, 201)
  const patched = await app.inject({ method: 'PATCH', url: `/v1/enterprises/${uscc}`, headers: { ...dezhouCity, ...MERGE }, payload: JSON.stringify({ address: '德城区' }) })
  t.equal(patched.statusCode, 200)
  const [audit] = await app.db.query<{ actor_sub: string; actor_county: string }>(
    `SELECT actor_sub, actor_county FROM audit_event WHERE entity_id = $1 ORDER BY id LIMIT 1`, [uscc])
  t.same(audit, { actor_sub: 'decheng-system', actor_county: '371402' }, 'the county system is recorded as the actor')
})

t.test('a county token may not touch other counties or move an enterprise out', async (t) => {
  const created = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: dezhouCity, payload: { uscc: newUscc(), name: 'x', countyCode: '371481' } })
  t.equal(created.statusCode, 403)
  t.equal(created.json().code, 'forbidden_county')

  const other = await register('371481')
  const patched = await app.inject({ method: 'PATCH', url: `/v1/enterprises/${other}`, headers: { ...dezhouCity, ...MERGE }, payload: JSON.stringify({ name: 'taken' }) })
  t.equal(patched.statusCode, 403)
  t.equal(patched.json().code, 'forbidden_county')

  const own = await register('371402')
  const moved = await app.inject({ method: 'PATCH', url: `/v1/enterprises/${own}`, headers: { ...dezhouCity, ...MERGE }, payload: JSON.stringify({ countyCode: '371481' }) })
  t.equal(moved.statusCode, 403)
  t.equal((await app.inject({ url: `/v1/enterprises/${own}`, headers: city })).json().countyCode, '371402', 'still in its county')

  const batch = await app.inject({ method: 'POST', url: '/v1/enterprises/batch', headers: dezhouCity, payload: { items: [{ uscc: other, name: 'taken', countyCode: '371402' }] } })
  t.equal(batch.json().items[0].status, 403, 'a batch upsert cannot pull another county\'s enterprise in')
})

t.test('county tokens read city-wide', async (t) => {
  const other = await register('371482')
  t.equal((await app.inject({ url: `/v1/enterprises/${other}`, headers: dezhouCity })).statusCode, 200)
})

t.test('each operation needs its scope', async (t) => {
  const uscc = await register('371402')
  const readOnly = await bearer(['registry:read'])
  const writeOnly = await bearer(['registry:write'])
  const none = await bearer(['audit:read'])
  const cases: [string, Record<string, string>, () => Promise<{ statusCode: number; json(): { code: string }; headers: Record<string, unknown> }>][] = [
    ['read without registry:read', writeOnly, () => app.inject({ url: `/v1/enterprises/${uscc}`, headers: writeOnly })],
    ['list without registry:read', none, () => app.inject({ url: '/v1/enterprises', headers: none })],
    ['create without registry:write', readOnly, () => app.inject({ method: 'POST', url: '/v1/enterprises', headers: readOnly, payload: { uscc: newUscc(), name: 'x', countyCode: '371402' } })],
    ['patch without registry:write', readOnly, () => app.inject({ method: 'PATCH', url: `/v1/enterprises/${uscc}`, headers: { ...readOnly, ...MERGE }, payload: '{}' })],
    ['batch without registry:write', readOnly, () => app.inject({ method: 'POST', url: '/v1/enterprises/batch', headers: readOnly, payload: { items: [{}] } })],
    ['type create without admin', city, () => app.inject({ method: 'POST', url: '/v1/qualification-types', headers: city, payload: { code: 'X_TYPE', name: 'x', level: 'national', domain: 'product', leadDepartmentCode: 'FINANCE', certificateBased: false } })],
    ['audit without audit:read', city, () => app.inject({ url: '/v1/audit-events', headers: city })],
  ]
  for (const [label, , send] of cases) {
    const res = await send()
    t.equal(res.statusCode, 403, label)
    t.equal(res.json().code, 'insufficient_scope', label)
    t.match(String(res.headers['www-authenticate']), /error="insufficient_scope"/, label)
  }
  const noToken = await app.inject({ url: `/v1/enterprises/${uscc}` })
  t.equal(noToken.statusCode, 401)
  const admin = await bearer(['admin'])
  t.equal((await app.inject({ url: `/v1/enterprises/${uscc}`, headers: admin })).statusCode, 200, 'admin carries every scope')
})
