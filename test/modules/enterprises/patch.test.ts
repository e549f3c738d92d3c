import t from 'tap'
import { bearer, build, newUscc } from '../../helpers/app.ts'

const app = await build(t)
const auth = await bearer(['registry:read', 'registry:write'])
const MERGE = 'application/merge-patch+json'

async function fresh() {
  const uscc = newUscc()
  const res = await app.inject({
    method: 'POST', url: '/v1/enterprises', headers: auth,
    payload: { uscc, name: '齐河县黄河建材有限公司', countyCode: '371425', address: '齐河县经济开发区', contact: { name: '王强', phone: '0534-5555555', email: 'wq@example.com' }, cultivationStage: 'planned' },
  })
  return { uscc, etag: res.headers.etag as string }
}

const patch = (uscc: string, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'PATCH', url: `/v1/enterprises/${uscc}`, headers: { ...auth, 'content-type': MERGE, ...headers }, payload: JSON.stringify(body) })

t.test('merge patch: absent stays, null removes, contact merges field by field', async (t) => {
  const { uscc, etag } = await fresh()
  const res = await patch(uscc, { address: null, contact: { phone: '0534-6666666' }, cultivationStage: 'established' }, { 'if-match': etag })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.address, null)
  t.same(body.contact, { name: '王强', phone: '0534-6666666', email: 'wq@example.com' })
  t.equal(body.cultivationStage, 'established')
  t.equal(body.name, '齐河县黄河建材有限公司')
  t.equal(body.version, 2)
  t.not(res.headers.etag, etag, 'a new ETag')
  t.equal((await patch(uscc, { contact: null })).json().contact.email, null, 'null contact removes every field')
})

t.test('a stale If-Match is 412 and changes nothing', async (t) => {
  const { uscc, etag } = await fresh()
  t.equal((await patch(uscc, { name: '第一次修改' }, { 'if-match': etag })).statusCode, 200)
  const stale = await patch(uscc, { name: '第二次修改' }, { 'if-match': etag })
  t.equal(stale.statusCode, 412)
  t.equal(stale.json().code, 'precondition_failed')
  const now = (await app.inject({ url: `/v1/enterprises/${uscc}`, headers: auth })).json()
  t.equal(now.name, '第一次修改')
  t.equal(now.version, 2)
})

t.test('concurrent patches with the same ETag: exactly one wins', async (t) => {
  const { uscc, etag } = await fresh()
  const results = await Promise.all(['甲', '乙', '丙'].map((n) => patch(uscc, { name: `并发${n}` }, { 'if-match': etag })))
  t.same(results.map((r) => r.statusCode).sort(), [200, 412, 412])
})

t.test('an identical patch writes nothing and audits nothing', async (t) => {
  const { uscc } = await fresh()
  const res = await patch(uscc, { cultivationStage: 'planned' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().version, 1)
  const [row] = await app.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_event WHERE entity_id = $1`, [uscc])
  t.equal(row!.n, '1', 'only the creation')
})

t.test('cultivation lists are replaced whole and count as a change', async (t) => {
  const { uscc } = await fresh()
  const res = await patch(uscc, { cultivationLists: [{ list: 'INNOVATIVE_GROWTH_TOP50', year: 2025 }] })
  t.same(res.json().cultivationLists, [{ list: 'INNOVATIVE_GROWTH_TOP50', year: 2025 }])
  t.equal(res.json().version, 2)
  t.same((await patch(uscc, { cultivationLists: null })).json().cultivationLists, [])
})

t.test('application/json is read as a merge patch too (what generated clients send)', async (t) => {
  const { uscc } = await fresh()
  const json = await app.inject({ method: 'PATCH', url: `/v1/enterprises/${uscc}`, headers: { ...auth, 'content-type': 'application/json' }, payload: { address: '德州市德城区新华路1号', legalRepresentative: null } })
  t.equal(json.statusCode, 200)
  t.equal(json.json().address, '德州市德城区新华路1号')
  t.equal(json.json().legalRepresentative, null, 'null removes, as in a merge patch')
})

t.test('patch rejects other media types, the USCC itself and bad values', async (t) => {
  const { uscc } = await fresh()
  const text = await app.inject({ method: 'PATCH', url: `/v1/enterprises/${uscc}`, headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x' })
  t.equal(text.statusCode, 415)
  t.equal(text.json().code, 'unsupported_media_type')
  const key = await patch(uscc, { uscc: newUscc() })
  t.equal(key.statusCode, 400)
  t.equal(key.json().errors[0].pointer, '/uscc')
  const nullName = await patch(uscc, { name: null })
  t.equal(nullName.statusCode, 400)
  t.equal(nullName.json().errors[0].pointer, '/name')
  const county = await patch(uscc, { countyCode: '999999' })
  t.equal(county.statusCode, 400)
  t.equal(county.json().errors[0].pointer, '/countyCode')
  t.equal((await patch(newUscc(), { name: 'x' })).statusCode, 404)
})
