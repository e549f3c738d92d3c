// The stored enterprise documents (enterprise_document): reads use them while fresh, every kind of
// change makes them stale at once, time alone makes them stale at the right moment, a refresh
// overtaken by a concurrent change is not stored, and the list filter merges fresh and stale rows.
import t from 'tap'
import pg from 'pg'
import { bearer } from '../../helpers/app.ts'
import { build } from '../../helpers/app.ts'
import { changeStatus, createEnterprise, grant, reader, waitingForLock } from '../../helpers/fixtures.ts'
import { refreshDocuments } from '../../../src/modules/enterprises/document-cache/index.ts'
import { manualClock } from '../../../src/lib/clock.ts'

const app = await build(t)
const read = await reader()
const onServer = app.db.kind === 'postgres'

interface Row {
  fresh: boolean
  fresh_until: string
  mark: string
  brand_status: string | null
}
const storedIn = (db: Pick<typeof app.db, 'query'>) => async (uscc: string) =>
  (
    await db.query<Row>(
      `SELECT fresh_until > now() AS fresh, iso_utc(fresh_until) AS fresh_until, mark::text, brand_status FROM enterprise_document WHERE uscc = $1`,
      [uscc],
    )
  )[0]!
const stored = storedIn(app.db)
const refresh = (uscc: string) => refreshDocuments(app.db, [uscc], new Date())
const get = (uscc: string, query = '') => app.inject({ url: `/v1/enterprises/${uscc}${query}`, headers: read })

t.test('a fresh stored document is what GET answers, and it equals the live computation', async (t) => {
  const e = await createEnterprise(app)
  t.notOk((await stored(e.uscc)).fresh, 'a new enterprise gets a stale row at once (its document is not built yet)')
  await grant(app, e.uscc, { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, validUntil: null })
  await grant(app, e.uscc, { validUntil: '2099-01-01T00:00:00.000Z' })
  const live = await get(e.uscc)
  await refresh(e.uscc)
  const row = await stored(e.uscc)
  t.ok(row.fresh)
  t.equal(row.fresh_until, '2099-01-01T00:00:00.000Z', 'fresh until the first qualification ends')
  t.equal(row.brand_status, 'listed')
  const cached = await get(e.uscc)
  t.equal(cached.body, live.body, 'same body')
  t.equal(cached.headers.etag, live.headers.etag, 'same ETag')
  const asOfNow = await get(e.uscc, `?asOf=${new Date().toISOString()}`)
  t.equal(asOfNow.headers.etag, cached.headers.etag, 'and the same as an explicit as-of now (always computed)')

  // Prove the stored row is what is served: the database answers for it while it is fresh.
  await app.db.query(`UPDATE enterprise_document SET doc = '{"stored":true}', etag = '"s"' WHERE uscc = $1`, [e.uscc])
  const served = await get(e.uscc)
  t.equal(served.body, '{"stored":true}')
  t.equal(served.headers.etag, '"s"')
  await refresh(e.uscc)
  t.equal((await get(e.uscc)).body, live.body)
})

t.test('every kind of change makes the stored document stale in the same transaction', async (t) => {
  const admin = await bearer(['admin'])
  const e = await createEnterprise(app)
  const q = await grant(app, e.uscc, { validUntil: null })
  // A catalog entry of this test's own: the shared ones are other tests' fixtures.
  const code = `DOC_TEST_${Date.now()}`
  const created = await app.inject({
    method: 'POST', url: '/v1/qualification-types', headers: admin,
    payload: { code, name: '文档测试认证', level: 'provincial', domain: 'product', leadDepartmentCode: 'MARKET_REGULATION', certificateBased: true, defaultValidityMonths: null },
  })
  t.equal(created.statusCode, 201)
  await grant(app, e.uscc, { type: code, validUntil: null })
  const typeName = (d: any) => d.activeQualifications.find((a: { type: string }) => a.type === code)?.typeName
  const steps: [string, () => Promise<unknown>, (doc: any) => boolean][] = [
    ['a direct change of the enterprise row', () => app.db.query(`UPDATE enterprise SET name = name || '改' WHERE uscc = $1`, [e.uscc]), (d) => d.name.endsWith('改')],
    [
      'a cultivation list added',
      () => app.db.query(`INSERT INTO cultivation_listing (uscc, list, year) VALUES ($1, 'INDUSTRIAL_TOP50', 2024)`, [e.uscc]),
      (d) => d.cultivationLists.length === 1,
    ],
    ['a cultivation list removed', () => app.db.query(`DELETE FROM cultivation_listing WHERE uscc = $1`, [e.uscc]), (d) => d.cultivationLists.length === 0],
    ['a grant', () => grant(app, e.uscc, { validUntil: null }), (d) => d.activeQualifications.length === 3],
    ['a status change', () => changeStatus(app, q.id, 'suspended'), (d) => d.activeQualifications.length === 2],
    [
      'a catalog rename',
      () => app.inject({ method: 'PATCH', url: `/v1/qualification-types/${code}`, headers: { ...admin, 'content-type': 'application/merge-patch+json' }, payload: { name: '文档测试认证（改名）' } }),
      (d) => typeName(d) === '文档测试认证（改名）',
    ],
  ]
  for (const [what, change, shows] of steps) {
    await refresh(e.uscc)
    const before = await stored(e.uscc)
    t.ok(before.fresh, `fresh before ${what}`)
    const res = (await change()) as { statusCode?: number } | undefined
    if (res && typeof res === 'object' && 'statusCode' in res) t.ok(res.statusCode! < 300, `${what} succeeded`)
    const after = await stored(e.uscc)
    t.notOk(after.fresh, `stale after ${what}`)
    t.ok(BigInt(after.mark) > BigInt(before.mark), 'and marked')
    t.ok(shows((await get(e.uscc)).json()), `GET shows ${what} at once`)
  }
})

t.test('time alone makes a stored document stale when a qualification starts, ends or a change takes effect', async (t) => {
  // The app's clock stands still until the test moves it: to the real time once the writes are
  // recorded (the database records in real time), then past each moment. No waiting.
  const clock = manualClock()
  const timed = await build(t, {}, { clock })
  const at = (ms: number) => new Date(Date.now() + ms)
  const refreshNow = (uscc: string) => (clock.set(new Date()), refreshDocuments(timed.db, [uscc], clock.now()))
  const getNow = (uscc: string) => timed.inject({ url: `/v1/enterprises/${uscc}`, headers: read })
  const stored = storedIn(timed.db)

  const e = await createEnterprise(timed)
  const ends = at(60_000)
  const q = await grant(timed, e.uscc, { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, validUntil: ends.toISOString() })
  await refreshNow(e.uscc)
  t.equal((await stored(e.uscc)).fresh_until, ends.toISOString())
  t.equal((await getNow(e.uscc)).json().brandStatus, 'listed')
  clock.set(ends)
  const after = (await getNow(e.uscc)).json()
  t.equal(after.brandStatus, 'none', 'expired at validUntil, with no refresh and no job')
  t.same(after.activeQualifications, [])
  t.equal((await timed.inject({ url: `/v1/qualifications/${q.id}?asOf=${ends.toISOString()}`, headers: read })).json().status, 'expired')

  const pending = await createEnterprise(timed)
  const starts = at(60_000)
  await grant(timed, pending.uscc, { validFrom: starts.toISOString(), validUntil: null })
  await refreshNow(pending.uscc)
  t.equal((await stored(pending.uscc)).fresh_until, starts.toISOString(), 'fresh until the grant starts')
  t.equal((await getNow(pending.uscc)).json().activeQualifications.length, 0)
  clock.set(starts)
  t.equal((await getNow(pending.uscc)).json().activeQualifications.length, 1, 'active from validFrom')

  const suspended = await createEnterprise(timed)
  const s = await grant(timed, suspended.uscc, { validUntil: null })
  const effective = at(60_000)
  const res = await changeStatus(timed, s.id, 'suspended', { effectiveAt: effective.toISOString() })
  t.equal(res.statusCode, 201)
  await refreshNow(suspended.uscc)
  t.equal((await stored(suspended.uscc)).fresh_until, effective.toISOString(), 'fresh until the change takes effect')
  t.equal((await getNow(suspended.uscc)).json().activeQualifications.length, 1)
  clock.set(effective)
  t.equal((await getNow(suspended.uscc)).json().activeQualifications.length, 0, 'suspended from its effective time')
})

t.test('public verification answers from the stored document while it is fresh', async (t) => {
  const e = await createEnterprise(app)
  await grant(app, e.uscc, { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, validUntil: null })
  const strip = (body: any) => ({ status: body.status, enterprise: body.enterprise, qualifications: body.qualifications })
  const live = (await app.inject({ url: `/v1/public/verify?uscc=${e.uscc}` })).json()
  await refresh(e.uscc)
  const cached = (await app.inject({ url: `/v1/public/verify?uscc=${e.uscc}` })).json()
  t.same(strip(cached), strip(live))
  t.equal(cached.status, 'listed')
  await app.db.query(`UPDATE enterprise_document SET public_doc = $2 WHERE uscc = $1`, [
    e.uscc,
    JSON.stringify({ enterprise: { ...live.enterprise, name: '存储的名称' }, qualifications: [] }),
  ])
  t.equal((await app.inject({ url: `/v1/public/verify?uscc=${e.uscc}` })).json().enterprise.name, '存储的名称', 'the stored row is what is served')
  await app.db.query(`UPDATE enterprise SET name = name WHERE uscc = $1`, [e.uscc])
  t.same(strip((await app.inject({ url: `/v1/public/verify?uscc=${e.uscc}` })).json()), strip(live), 'and a change makes it stale again')
})

t.test('the brand-status filter merges enterprises with fresh and with stale documents, in USCC order', async (t) => {
  const county = '371428' // 武城县: few other tests write there
  const made = await Promise.all([0, 1, 2, 3, 4, 5].map(() => createEnterprise(app, { countyCode: county })))
  for (const e of made.slice(0, 4)) await grant(app, e.uscc, { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, validUntil: null })
  for (const e of made.slice(0, 2)) await refresh(e.uscc) // 0, 1 fresh; 2, 3 stale; 4, 5 not listed
  await refresh(made[4]!.uscc)
  const mine = new Set(made.map((e) => e.uscc))
  const listed = async () => {
    const found: string[] = []
    let url: string | null = `/v1/enterprises?countyCode=${county}&brandStatus=listed&limit=2`
    while (url) {
      const res: { statusCode: number; json(): any } = await app.inject({ url, headers: read })
      t.equal(res.statusCode, 200)
      const body: { items: { uscc: string; brandStatus: string }[]; nextCursor: string | null } = res.json()
      found.push(...body.items.map((i: { uscc: string; brandStatus: string }) => i.uscc))
      for (const item of body.items) t.equal(item.brandStatus, 'listed')
      url = body.nextCursor ? `/v1/enterprises?countyCode=${county}&brandStatus=listed&limit=2&cursor=${body.nextCursor}` : null
    }
    return found
  }
  const expected = made.slice(0, 4).map((e) => e.uscc).sort()
  const all = await listed()
  t.same([...all].sort(), all, 'in USCC order across pages')
  t.same(all.filter((u) => mine.has(u)), expected)
  const none = await app.inject({ url: `/v1/enterprises?countyCode=${county}&brandStatus=none&limit=200`, headers: read })
  t.same(none.json().items.map((i: { uscc: string }) => i.uscc).filter((u: string) => mine.has(u)), made.slice(4).map((e) => e.uscc).sort())

  // A fresh row whose listing is then annulled leaves the filter at once.
  const q = (await app.inject({ url: `/v1/enterprises/${made[0]!.uscc}/qualifications`, headers: read })).json().items[0]
  t.equal((await changeStatus(app, q.id, 'annulled')).statusCode, 201)
  t.same((await listed()).filter((u) => mine.has(u)), expected.filter((u) => u !== made[0]!.uscc))
})

t.test('the background refresher brings stale documents up to date, one instance at a time', async (t) => {
  const made = await Promise.all([0, 1, 2].map(() => createEnterprise(app)))
  for (const e of made) await grant(app, e.uscc, { validUntil: null })
  const [a, b] = await Promise.all([app.documentRefresher.runOnce(), app.documentRefresher.runOnce()])
  t.equal(a, b, 'a second call while a pass runs joins it')
  for (const e of made) t.ok((await stored(e.uscc)).fresh, 'refreshed')
  // Nothing stale is left for this test's enterprises; a second pass has nothing of theirs to do.
  const live = await Promise.all(made.map((e) => get(e.uscc, `?asOf=${new Date().toISOString()}`)))
  const served = await Promise.all(made.map((e) => get(e.uscc)))
  t.same(served.map((r) => r.body), live.map((r) => r.body), 'and what is stored is what a live read says')
})

t.test('a refresh overtaken by a concurrent change does not store its outdated document', { skip: onServer ? false : 'needs a PostgreSQL server (two connections)' }, async (t) => {
  const e = await createEnterprise(app)
  await refresh(e.uscc)
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
  await client.connect()
  t.teardown(() => client.end())
  await client.query('BEGIN')
  await client.query(`UPDATE enterprise SET name = '并发修改后的名称' WHERE uscc = $1`, [e.uscc])
  // The refresh's snapshot cannot see the uncommitted rename; its store waits for the row.
  const refreshing = refresh(e.uscc)
  await waitingForLock(app.db, '%WITH built AS (%')
  await client.query('COMMIT')
  const built = await refreshing
  t.not(JSON.parse(built.get(e.uscc)!.doc).name, '并发修改后的名称', 'the refresh built from its snapshot')
  t.notOk((await stored(e.uscc)).fresh, 'but did not store it: the row stays stale')
  t.equal((await get(e.uscc)).json().name, '并发修改后的名称', 'and reads see the change')
  await refresh(e.uscc)
  t.ok((await stored(e.uscc)).fresh)
  t.equal((await get(e.uscc)).json().name, '并发修改后的名称')
})

t.test('two instances refreshing while writes go on end with every document stored and right', { skip: onServer ? false : 'needs a PostgreSQL server (two instances)' }, async (t) => {
  // Two more apps on the same database, each with its background refresher every 20 ms.
  const [one, two] = await Promise.all([build(t, { DOCUMENT_REFRESH_INTERVAL_MS: '20' }), build(t, { DOCUMENT_REFRESH_INTERVAL_MS: '20' })])
  const editor = { ...(await bearer(['registry:write', 'registry:read'])), 'content-type': 'application/merge-patch+json' }
  const made = await Promise.all([0, 1, 2, 3, 4].map(() => createEnterprise(app)))
  for (let round = 0; round < 4; round++) {
    // Each round's writes run at once, spread over both instances, while both refresh.
    await Promise.all(
      made.flatMap((e, i) => {
        const via = i % 2 === 0 ? one : two
        return [grant(via, e.uscc, { validUntil: null }), via.inject({ method: 'PATCH', url: `/v1/enterprises/${e.uscc}`, headers: editor, payload: { address: `第${round}号` } })]
      }),
    )
  }
  // Let the refreshers catch up, then compare.
  let fresh = 0
  for (let i = 0; i < 100 && fresh < made.length; i++) {
    await new Promise((r) => setTimeout(r, 50))
    fresh = 0
    for (const e of made) if ((await stored(e.uscc)).fresh) fresh++
  }
  t.equal(fresh, made.length, 'every document refreshed by the background refreshers')
  for (const e of made) {
    const served = await get(e.uscc)
    const live = await get(e.uscc, `?asOf=${new Date().toISOString()}`)
    t.equal(served.body, live.body, 'stored equals live')
    t.equal(served.json().activeQualifications.length, 4)
    t.equal(served.json().address, '第3号')
  }
})
