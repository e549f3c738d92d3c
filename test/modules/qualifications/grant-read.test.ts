// Granting (validation, defaults, certificate numbers, renewals, boundaries) and reading
// qualifications one by one, per enterprise and in filtered, paginated lists.
import t from 'tap'
import { bearer, build, newUscc, onServer } from '../../helpers/app.ts'
import { certificateNo, changeStatus, createEnterprise, grant, grantBody, holdOpen, reader, waitingForLock, writer } from '../../helpers/fixtures.ts'

const app = await build(t)
const read = await reader()

async function post(uscc: string, body: Record<string, unknown>, headers?: Record<string, string>) {
  return app.inject({ method: 'POST', url: `/v1/enterprises/${uscc}/qualifications`, headers: headers ?? (await writer()), payload: body })
}

t.test('a grant is recorded with its defaults, Location and ETag', async (t) => {
  const e = await createEnterprise(app)
  const body = grantBody({
    validFrom: '2024-01-31T00:00:00.000Z',
    batch: '2024年第一批',
    documents: [{ name: '证书.pdf', sha256: 'a'.repeat(64), url: 'https://files.example.gov.cn/c.pdf' }],
  })
  const res = await post(e.uscc.toLowerCase(), body)
  t.equal(res.statusCode, 201)
  const q = res.json()
  t.equal(res.headers.location, `/v1/qualifications/${q.id}`)
  t.match(res.headers.etag, /^"[\w-]+"$/)
  t.match(q, {
    uscc: e.uscc,
    enterpriseName: e.name,
    countyCode: '371402',
    type: 'TAISHAN_QUALITY_CERT',
    typeName: '"泰山品质"认证',
    certificateNo: body.certificateNo,
    issuer: '山东省市场监督管理局',
    issuerLevel: 'province',
    grantedAt: '2024-01-01T00:00:00.000Z',
    validFrom: '2024-01-31T00:00:00.000Z',
    validUntil: '2027-01-31T00:00:00.000Z',
    batch: '2024年第一批',
    renews: null,
    renewedBy: null,
    status: 'active',
    version: 1,
  })
  t.same(q.documents, body.documents)
  const got = await app.inject({ url: q.id ? `/v1/qualifications/${q.id}` : '', headers: read })
  t.equal(got.statusCode, 200)
  t.equal(got.headers.etag, res.headers.etag)
  const { asOf: _a, knownAt: _k, ...state } = got.json()
  const { asOf: _a2, knownAt: _k2, ...created } = q
  t.same(state, created, 'GET shows what the POST answered')
  const cached = await app.inject({ url: `/v1/qualifications/${q.id}`, headers: { ...read, 'if-none-match': res.headers.etag as string } })
  t.equal(cached.statusCode, 304)
})

t.test('validity defaults: type validity from validFrom (month ends clamp), null = no expiry, none for types without validity', async (t) => {
  const e = await createEnterprise(app)
  t.equal((await grant(app, e.uscc, { grantedAt: '2023-11-30T08:00:00.000Z', validFrom: '2024-01-31T08:00:00.000Z', type: 'HIGH_TECH_ENTERPRISE' })).validUntil, '2027-01-31T08:00:00.000Z')
  t.equal((await grant(app, e.uscc, { grantedAt: '2024-02-29T00:00:00.000Z' })).validUntil, '2027-02-28T00:00:00.000Z', '29 Feb + 36 months')
  t.equal((await grant(app, e.uscc, { validUntil: null })).validUntil, null)
  t.equal((await grant(app, e.uscc, { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined })).validUntil, null, 'the listing has no default validity')
  t.equal((await grant(app, e.uscc, { validUntil: '2025-06-30T00:00:00.000Z' })).validUntil, '2025-06-30T00:00:00.000Z')
})

t.test('grant validation', async (t) => {
  const e = await createEnterprise(app)
  const cases: [string, Record<string, unknown>, string][] = [
    ['certificate-based type without number', { certificateNo: undefined }, '/certificateNo'],
    ['unknown type', { type: 'NO_SUCH_TYPE' }, '/type'],
    ['validUntil before validFrom', { validUntil: '2023-12-31T00:00:00.000Z' }, '/validUntil'],
    ['validUntil equal to validFrom', { validUntil: '2024-01-01T00:00:00.000Z' }, '/validUntil'],
    ['grantedAt in the future', { grantedAt: new Date(Date.now() + 86_400_000).toISOString() }, '/grantedAt'],
    ['missing issuer', { issuer: undefined }, '/issuer'],
    ['bad issuer level', { issuerLevel: 'galactic' }, '/issuerLevel'],
    ['bad document hash', { documents: [{ name: 'x', sha256: 'xyz' }] }, '/documents/0/sha256'],
    ['unknown field', { colour: 'red' }, '/colour'],
    ['date without zone', { grantedAt: '2024-01-01T00:00:00' }, '/grantedAt'],
  ]
  for (const [what, overrides, pointer] of cases) {
    const res = await post(e.uscc, grantBody(overrides))
    t.equal(res.statusCode, 400, what)
    t.ok(res.json().errors?.some((x: { pointer: string }) => x.pointer === pointer), `${what}: points at ${pointer}`)
  }
  t.equal((await post(newUscc(), grantBody())).statusCode, 404, 'unknown enterprise')
  t.equal((await post('91350100M000100Y44', grantBody())).statusCode, 404, 'a malformed USCC cannot exist')
  const count = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM qualification WHERE uscc = $1', [e.uscc])
  t.equal(count[0]!.n, 0, 'nothing was recorded')
})

t.test('scopes and county boundaries for grants', async (t) => {
  const decheng = await createEnterprise(app, { countyCode: '371402' })
  const leling = await createEnterprise(app, { countyCode: '371481' })
  const read = await post(decheng.uscc, grantBody(), await bearer(['registry:read', 'registry:write']))
  t.equal(read.statusCode, 403)
  t.equal(read.json().code, 'insufficient_scope')
  const county = await bearer(['qualifications:write'], { county: '371402', sub: 'decheng-system' })
  const foreign = await post(leling.uscc, grantBody(), county)
  t.equal(foreign.statusCode, 403)
  t.equal(foreign.json().code, 'forbidden_county')
  const own = await post(decheng.uscc, grantBody(), county)
  t.equal(own.statusCode, 201)
  const [event] = await app.db.query<{ actor_sub: string; actor_county: string }>(
    'SELECT actor_sub, actor_county FROM qualification_event WHERE qualification_id = $1', [own.json().id])
  t.same(event, { actor_sub: 'decheng-system', actor_county: '371402' })
})

t.test('certificate numbers are unique per type among qualifications that were not annulled', async (t) => {
  const a = await createEnterprise(app)
  const b = await createEnterprise(app)
  const no = certificateNo()
  const first = await grant(app, a.uscc, { certificateNo: no })
  const dup = await post(b.uscc, grantBody({ certificateNo: no }))
  t.equal(dup.statusCode, 409)
  t.equal(dup.json().code, 'certificate_number_taken')
  t.equal(dup.json().qualificationId, first.id)
  t.equal((await post(b.uscc, grantBody({ certificateNo: no, type: 'HIGH_TECH_ENTERPRISE' }))).statusCode, 201, 'another type may use the same number')
  t.equal((await changeStatus(app, first.id, 'revoked')).statusCode, 201)
  t.equal((await post(b.uscc, grantBody({ certificateNo: no }))).statusCode, 409, 'a revoked certificate keeps its number')
  const other = certificateNo()
  const wrong = await grant(app, a.uscc, { certificateNo: other })
  t.equal((await changeStatus(app, wrong.id, 'annulled')).statusCode, 201)
  t.equal((await post(b.uscc, grantBody({ certificateNo: other }))).statusCode, 201, 'annulment frees the number')
})

t.test('concurrent grants of one certificate number: one wins', async (t) => {
  const e = await createEnterprise(app)
  const no = certificateNo()
  const headers = await writer()
  const results = await Promise.all([1, 2, 3].map(() => post(e.uscc, grantBody({ certificateNo: no }), headers)))
  t.same(results.map((r) => r.statusCode).sort(), [201, 409, 409])
  const rows = await app.db.query('SELECT id FROM qualification WHERE certificate_no = $1', [no])
  t.equal(rows.length, 1)
})

t.test('a grant that loses its certificate number at the insert writes nothing', { skip: !onServer && 'needs two connections' }, async (t) => {
  const e = await createEnterprise(app)
  const no = certificateNo()
  // Another writer has inserted the number but not committed: the grant's checks cannot see it,
  // so the grant's insert waits for it on the unique index, then fails when it commits.
  const other = await holdOpen(app.db, (tx) =>
    tx.query(
      `INSERT INTO qualification (id, uscc, type_code, certificate_no, issuer, issuer_level, granted_at, valid_from)
       VALUES (gen_random_uuid(), $1, 'TAISHAN_QUALITY_CERT', $2, '山东省市场监督管理局', 'province', now(), now())`,
      [e.uscc, no],
    ),
  )
  const losing = post(e.uscc, grantBody({ certificateNo: no }))
  await waitingForLock(app.db, '%INSERT INTO qualification (%')
  await other.commit()
  const res = await losing
  t.equal(res.statusCode, 409, res.body)
  t.equal(res.json().code, 'certificate_number_taken')
  t.equal((await app.db.query('SELECT id FROM qualification WHERE uscc = $1', [e.uscc])).length, 1, 'only the other writer\'s qualification')
  t.same(await app.db.query('SELECT id FROM audit_event WHERE request_id = $1', [res.json().instance]), [], 'and no audit entry')
})

t.test('renewal chains', async (t) => {
  const e = await createEnterprise(app)
  const first = await grant(app, e.uscc, { grantedAt: '2021-01-01T00:00:00.000Z' })
  const second = await grant(app, e.uscc, { grantedAt: '2023-12-01T00:00:00.000Z', renews: first.id })
  const third = await grant(app, e.uscc, { grantedAt: new Date(Date.now() - 86_400_000).toISOString(), renews: second.id })
  t.equal(second.renews, first.id)
  t.equal(third.renews, second.id)
  const chain = await Promise.all([first, second, third].map(async (q) => (await app.inject({ url: `/v1/qualifications/${q.id}`, headers: read })).json()))
  t.same(chain.map((q) => [q.renews, q.renewedBy]), [[null, second.id], [first.id, third.id], [second.id, null]])
  const [renewalEvent] = (await app.inject({ url: `/v1/qualifications/${second.id}/history`, headers: read })).json().items
  t.equal(renewalEvent.reasonCode, 'renewal')

  const again = await post(e.uscc, grantBody({ renews: first.id }))
  t.equal(again.statusCode, 409)
  t.equal(again.json().code, 'already_renewed')
  t.equal(again.json().renewedBy, second.id)

  const otherType = await post(e.uscc, grantBody({ type: 'HIGH_TECH_ENTERPRISE', renews: third.id }))
  t.equal(otherType.statusCode, 400, 'a renewal keeps the type')
  const stranger = await createEnterprise(app)
  t.equal((await post(stranger.uscc, grantBody({ renews: third.id }))).statusCode, 400, 'and the enterprise')
  t.equal((await post(e.uscc, grantBody({ renews: '00000000-0000-4000-8000-000000000000' }))).statusCode, 400, 'renews an existing qualification')

  const revoked = await grant(app, e.uscc)
  await changeStatus(app, revoked.id, 'revoked')
  const afterRevocation = await post(e.uscc, grantBody({ renews: revoked.id }))
  t.equal(afterRevocation.statusCode, 409, 'a revoked qualification is not renewed')
  t.equal(afterRevocation.json().currentStatus, 'revoked')

  const expired = await grant(app, e.uscc, { grantedAt: '2020-01-01T00:00:00.000Z', validUntil: '2023-01-01T00:00:00.000Z' })
  t.equal(expired.status, 'expired')
  t.equal((await post(e.uscc, grantBody({ renews: expired.id }))).statusCode, 201, 'an expired one is')
})

t.test('concurrent renewals of one qualification: one wins', async (t) => {
  const e = await createEnterprise(app)
  const q = await grant(app, e.uscc)
  const headers = await writer()
  const results = await Promise.all([1, 2].map(() => post(e.uscc, grantBody({ renews: q.id }), headers)))
  t.same(results.map((r) => r.statusCode).sort(), [201, 409])
  t.equal(results.find((r) => r.statusCode === 409)!.json().code, 'already_renewed')
})

t.test('lists: filters, as-of status, pagination', async (t) => {
  // A year of its own (mostly) keeps this test's window small however often the suite runs.
  const y = 1990 + Math.floor(Math.random() * 25)
  const at = (year: number, monthDay: string) => `${year}-${monthDay}T00:00:00.000Z`
  const county = '371427'
  const window = `countyCode=${county}&grantedFrom=${at(y, '01-01')}&grantedTo=${at(y + 3, '01-01')}`
  const e1 = await createEnterprise(app, { countyCode: county })
  const e2 = await createEnterprise(app, { countyCode: county })
  const a = await grant(app, e1.uscc, { grantedAt: at(y, '03-01'), validUntil: at(y + 2, '03-01') })
  const b = await grant(app, e1.uscc, { grantedAt: at(y + 1, '03-01'), validUntil: null, type: 'HIGH_TECH_ENTERPRISE' })
  const c = await grant(app, e2.uscc, { grantedAt: at(y + 2, '03-01'), validUntil: '2099-01-01T00:00:00.000Z' })
  const d = await grant(app, e2.uscc, { grantedAt: at(y + 2, '03-01'), validUntil: '2099-01-01T00:00:00.000Z' })
  await changeStatus(app, d.id, 'suspended', { effectiveAt: at(y + 3, '01-01') })
  const mine = new Set([a.id, b.id, c.id, d.id])

  const ids = async (query: string) => {
    const res = await app.inject({ url: `/v1/qualifications?${query}`, headers: read })
    t.equal(res.statusCode, 200, query)
    return res.json().items.map((q: { id: string }) => q.id).filter((id: string) => mine.has(id))
  }
  const inOrder = [a, b, ...[c, d].sort((x, y) => (x.id < y.id ? -1 : 1))].map((q) => q.id)
  t.same(await ids(`${window}&limit=200`), inOrder, 'ordered by grantedAt, then id')
  t.same(await ids(`uscc=${e1.uscc}`), [a.id, b.id])
  t.same(await ids(`${window}&type=HIGH_TECH_ENTERPRISE`), [b.id])
  t.same(await ids(`${window}&status=expired`), [a.id], 'expiry follows from validUntil')
  t.same(await ids(`${window}&status=suspended`), [d.id])
  t.same(await ids(`${window}&status=active&asOf=${at(y + 2, '12-31')}`), inOrder.slice(1), 'status as of an earlier moment')
  t.same(await ids(`${window}&status=active&asOf=${at(y + 1, '06-01')}`), [a.id, b.id])
  t.same(await ids(`countyCode=${county}&grantedFrom=${at(y + 1, '03-01')}&grantedTo=${at(y + 2, '03-01')}`), [b.id], 'from inclusive, to exclusive')
  t.same(await ids(`${window}&expiringBefore=2099-01-01T00:00:00.000Z`), [a.id, ...inOrder.slice(2)], 'validUntil at or before; no-expiry never matches')
  t.same(await ids(window.replace(county, '371402')), [], 'county filter')

  const seen: string[] = []
  let url: string | undefined = `/v1/qualifications?${window}&limit=1`
  while (url) {
    const res = await app.inject({ url, headers: read })
    const page = res.json()
    t.ok(page.items.length <= 1)
    seen.push(...page.items.map((q: { id: string }) => q.id))
    const link = res.headers.link as string | undefined
    t.equal(Boolean(link), page.nextCursor !== null, 'a Link header exactly when another page follows')
    url = link ? /<([^>]+)>/.exec(link)![1] : undefined
  }
  t.same(seen.filter((id) => mine.has(id)), inOrder, 'pages cover the list exactly once, in order')

  const own = await app.inject({ url: `/v1/enterprises/${e2.uscc}/qualifications?status=active`, headers: read })
  t.same(own.json().items.map((q: { id: string }) => q.id), [c.id])
  t.equal((await app.inject({ url: `/v1/enterprises/${newUscc()}/qualifications`, headers: read })).statusCode, 404)
  const empty = await createEnterprise(app)
  t.same((await app.inject({ url: `/v1/enterprises/${empty.uscc}/qualifications`, headers: read })).json(), { items: [], nextCursor: null })
})

t.test('bad list and read requests are 400 or 404, never 500', async (t) => {
  for (const url of [
    '/v1/qualifications?cursor=abc',
    `/v1/qualifications?cursor=${Buffer.from(JSON.stringify(['not a date', 'x'])).toString('base64url')}`,
    '/v1/qualifications?uscc=123',
    '/v1/qualifications?status=lost',
    '/v1/qualifications?limit=201',
    '/v1/qualifications?asOf=2016-12-31T23:59:60Z',
  ]) {
    t.equal((await app.inject({ url, headers: read })).statusCode, 400, url)
  }
  t.equal((await app.inject({ url: '/v1/qualifications/not-a-uuid', headers: read })).statusCode, 404)
  t.equal((await app.inject({ url: '/v1/qualifications/00000000-0000-4000-8000-000000000000/history', headers: read })).statusCode, 404)
  t.equal((await app.inject({ url: '/v1/qualifications' })).statusCode, 401)
})

t.test('a grant retried with its Idempotency-Key is recorded once and audited once', async (t) => {
  const e = await createEnterprise(app)
  const body = grantBody()
  const headers = { ...(await writer()), 'idempotency-key': `grant-${body.certificateNo}` }
  const first = await post(e.uscc, body, headers)
  const retry = await post(e.uscc, body, headers)
  t.equal(first.statusCode, 201)
  t.equal(retry.statusCode, 201)
  t.equal(retry.headers['idempotency-replayed'], 'true')
  t.equal(retry.headers.etag, first.headers.etag)
  t.equal(retry.headers.location, first.headers.location)
  const [counts] = await app.db.query<{ granted: number; audited: number }>(
    `SELECT (SELECT count(*)::int FROM qualification WHERE uscc = $1) AS granted,
            (SELECT count(*)::int FROM audit_event WHERE entity_type = 'qualification' AND entity_id = $2) AS audited`, [e.uscc, first.json().id])
  t.same(counts, { granted: 1, audited: 1 })
  const other = await post(e.uscc, grantBody(), headers)
  t.equal(other.statusCode, 422, 'the same key with another body')
})
