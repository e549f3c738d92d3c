import t from 'tap'
import { bearer, build, newUscc } from '../../helpers/app.ts'

const app = await build(t)
const auth = await bearer(['registry:read', 'registry:write'])

const create = (payload: unknown, headers: Record<string, string> = auth) =>
  app.inject({ method: 'POST', url: '/v1/enterprises', headers, payload: payload as object })

t.test('create answers 201 with Location, ETag and the normalised document', async (t) => {
  const uscc = newUscc()
  const res = await create({
    uscc: uscc.toLowerCase(),
    name: '德州华源生态科技有限公司',
    countyCode: '371402',
    industryCode: 'C1391',
    contact: { name: '李娜', phone: '0534-2345678', email: 'lina@example.com' },
    cultivationLists: [{ list: 'INDUSTRIAL_TOP50', year: 2024 }],
  })
  t.equal(res.statusCode, 201)
  t.equal(res.headers.location, `/v1/enterprises/${uscc}`)
  t.match(res.headers.etag, /^"[\w-]+"$/)
  const body = res.json()
  t.equal(body.uscc, uscc, 'USCC stored in upper case')
  t.equal(body.countyName, '德城区')
  t.equal(body.businessStatus, 'operating')
  t.equal(body.brandStatus, 'cultivating', 'on a cultivation list')
  t.same(body.activeQualifications, [])
  t.same(body.cultivationLists, [{ list: 'INDUSTRIAL_TOP50', year: 2024 }])
  t.equal(body.version, 1)

  const got = await app.inject({ url: `/v1/enterprises/${uscc}`, headers: auth })
  t.equal(got.statusCode, 200)
  t.same(got.json(), body)
  t.equal(got.headers.etag, res.headers.etag)
})

t.test('an enterprise with no stage, list or qualification has brandStatus none', async (t) => {
  const uscc = newUscc()
  t.equal((await create({ uscc, name: '平原县某某机械有限公司', countyCode: '371426' })).json().brandStatus, 'none')
})

t.test('GET answers 304 to a matching If-None-Match', async (t) => {
  const uscc = newUscc()
  const etag = (await create({ uscc, name: '乐陵市测试食品有限公司', countyCode: '371481' })).headers.etag as string
  const res = await app.inject({ url: `/v1/enterprises/${uscc}`, headers: { ...auth, 'if-none-match': etag } })
  t.equal(res.statusCode, 304)
  t.equal(res.body, '')
  t.equal(res.headers.etag, etag)
  const other = await app.inject({ url: `/v1/enterprises/${uscc}`, headers: { ...auth, 'if-none-match': '"stale"' } })
  t.equal(other.statusCode, 200)
})

t.test('unknown and malformed USCCs in the path are 404 problems', async (t) => {
  for (const path of [newUscc(), 'not-a-uscc']) {
    const res = await app.inject({ url: `/v1/enterprises/${path}`, headers: auth })
    t.equal(res.statusCode, 404)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    t.equal(res.json().code, 'not_found')
  }
})

t.test('validation errors name the field', async (t) => {
  const uscc = newUscc()
  const wrongCheck = uscc.slice(0, 17) + (uscc[17] === '0' ? '1' : '0')
  const cases: [string, object, string, RegExp][] = [
    ['wrong check character', { uscc: wrongCheck, name: 'x', countyCode: '371402' }, '/uscc', new RegExp(`requires "${uscc[17]}"`)],
    ['forbidden letter', { uscc: '91371402MA3CXXXX0I', name: 'x', countyCode: '371402' }, '/uscc', /not allowed/],
    ['short USCC', { uscc: '9137', name: 'x', countyCode: '371402' }, '/uscc', /18 characters/],
    ['missing name', { uscc, countyCode: '371402' }, '/name', /required/],
    ['empty name', { uscc, name: '', countyCode: '371402' }, '/name', /fewer than 1|must NOT have fewer/],
    ['unknown county', { uscc, name: 'x', countyCode: '110101' }, '/countyCode', /unknown county/],
    ['retired county', { uscc, name: 'x', countyCode: '371421' }, '/countyCode', /retired; use 371403/],
    ['bad county shape', { uscc, name: 'x', countyCode: '37140' }, '/countyCode', /pattern/],
    ['unknown field', { uscc, name: 'x', countyCode: '371402', rating: 5 }, '/rating', /not an accepted field/],
    ['bad stage', { uscc, name: 'x', countyCode: '371402', cultivationStage: 'famous' }, '/cultivationStage', /must be one of/],
    ['bad email', { uscc, name: 'x', countyCode: '371402', contact: { email: 'nope' } }, '/contact/email', /format/],
    ['bad list year', { uscc, name: 'x', countyCode: '371402', cultivationLists: [{ list: 'INDUSTRIAL_TOP50', year: 1800 }] }, '/cultivationLists/0/year', /1990/],
  ]
  for (const [label, payload, pointer, message] of cases) {
    const res = await create(payload)
    t.equal(res.statusCode, 400, label)
    const problem = res.json()
    t.equal(problem.code, 'validation_failed', label)
    const error = problem.errors.find((e: { pointer: string }) => e.pointer === pointer)
    t.ok(error, `${label}: names ${pointer} (got ${JSON.stringify(problem.errors)})`)
    t.match(error?.message ?? '', message, label)
  }
  const wrong = (await create({ uscc: wrongCheck, name: 'x', countyCode: '371402' })).json()
  t.equal(wrong.errors[0].expected, uscc[17], 'the expected check character is given')
  t.equal((await app.inject({ url: `/v1/enterprises/${uscc}`, headers: auth })).statusCode, 404, 'nothing was written')
})

t.test('a duplicate USCC is a 409 enterprise_exists, also under a race', async (t) => {
  const uscc = newUscc()
  t.equal((await create({ uscc, name: '禹城市第一化工有限公司', countyCode: '371482' })).statusCode, 201)
  const again = await create({ uscc: uscc.toLowerCase(), name: 'other', countyCode: '371482' })
  t.equal(again.statusCode, 409)
  t.equal(again.json().code, 'enterprise_exists')

  const racing = newUscc()
  const results = await Promise.all([1, 2, 3].map((i) => create({ uscc: racing, name: `并发企业${i}`, countyCode: '371402' })))
  t.same(results.map((r) => r.statusCode).sort(), [201, 409, 409], 'exactly one create wins')
  const audit = await app.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_event WHERE entity_id = $1`, [racing])
  t.equal(audit[0]!.n, '1', 'only the winner is audited')
})

t.test('brandStatus and activeQualifications follow qualifications as of a time', async (t) => {
  const uscc = newUscc()
  await create({ uscc, name: '德州好品电器有限公司', countyCode: '371402' })
  const [q] = await app.db.query<{ id: string }>(
    `INSERT INTO qualification (id, uscc, type_code, granted_at, valid_from, valid_until)
     VALUES (gen_random_uuid(), $1, 'HAOPIN_SHANDONG_BRAND', '2024-01-01Z', '2024-01-01Z', '2027-01-01Z') RETURNING id`,
    [uscc],
  )
  await app.db.query(
    `INSERT INTO qualification_event (qualification_id, seq, to_status, effective_at, actor_sub) VALUES ($1, 1, 'active', '2024-01-01Z', 'test')`,
    [q!.id],
  )
  const now = (await app.inject({ url: `/v1/enterprises/${uscc}`, headers: auth })).json()
  t.equal(now.brandStatus, 'listed')
  t.equal(now.activeQualifications.length, 1)
  t.equal(now.activeQualifications[0].type, 'HAOPIN_SHANDONG_BRAND')
  const before = (await app.inject({ url: `/v1/enterprises/${uscc}?asOf=2023-06-01T00:00:00Z`, headers: auth })).json()
  t.equal(before.brandStatus, 'none', 'before the grant')
  const after = (await app.inject({ url: `/v1/enterprises/${uscc}?asOf=2027-06-01T00:00:00Z`, headers: auth })).json()
  t.equal(after.brandStatus, 'none', 'after expiry')
})
