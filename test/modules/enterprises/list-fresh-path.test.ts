// A brand-status list page first asks the fresh stored rows alone, which is the whole answer while
// no stored document is stale, and asks again with the stale branch otherwise. Both must give the
// page the live documents give. On a database of its own, so that what is stale is this test's doing.
import t from 'tap'
import { buildApp } from '../../../src/app.ts'
import type { Database } from '../../../src/db/client.ts'
import { migrate } from '../../../src/db/migrate.ts'
import { listPage } from '../../../src/modules/enterprises/enterprises.repository.ts'
import { bearer, newUscc, testConfig } from '../../helpers/app.ts'
import { emptyDatabase } from '../../helpers/databases.ts'

const db = await emptyDatabase(t)
await migrate(db)
const app = await buildApp(await testConfig(), { db })
t.teardown(() => app.close())
const writer = await bearer(['registry:write', 'qualifications:write', 'registry:read'])

// Six enterprises in one county, every other one listed (好品山东 brand).
const usccs = Array.from({ length: 6 }, () => newUscc('371428')).sort()
for (const [i, uscc] of usccs.entries()) {
  const created = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc, name: `快速路径测试${i}有限公司`, countyCode: '371428' } })
  if (created.statusCode !== 201) throw new Error(created.body)
  if (i % 2 === 0) {
    const granted = await app.inject({
      method: 'POST',
      url: `/v1/enterprises/${uscc}/qualifications`,
      headers: writer,
      payload: { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: `HP-FAST-${uscc}`, issuer: '山东省市场监督管理局', issuerLevel: 'province', grantedAt: '2024-01-01T00:00:00.000Z' },
    })
    if (granted.statusCode !== 201) throw new Error(granted.body)
  }
}
const listed = usccs.filter((_, i) => i % 2 === 0)

/** The page, and the names of the statements it took. */
async function page(limit: number, after?: string) {
  const names: (string | undefined)[] = []
  const spy = { ...db, query: (text: string, params?: unknown[], name?: string) => (names.push(name), db.query(text, params, name)) } as Database
  const result = await listPage(spy, { countyCode: '371428', brandStatus: 'listed', limit } as never, after)
  const items = result.items === null ? null : (JSON.parse(`[${result.items}]`) as { uscc: string; brandStatus: string }[])
  return { result, items, statements: names.length }
}

t.test('nothing stale: the fresh rows alone answer, in one statement', async (t) => {
  await app.documentRefresher.runOnce()
  const first = await page(2)
  t.equal(first.statements, 1)
  t.same(first.items!.map((i) => i.uscc), listed.slice(0, 2))
  t.equal(first.result.more, true)
  const second = await page(2, first.result.last!)
  t.equal(second.statements, 1)
  t.same(second.items!.map((i) => i.uscc), listed.slice(2))
  t.equal(second.result.more, false)
})

t.test('a stale document sends the page to the stale branch, which still finds it', async (t) => {
  await app.documentRefresher.runOnce()
  // An enterprise not listed before becomes listed; its stored row still says otherwise.
  const newlyListed = usccs[1]!
  const granted = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${newlyListed}/qualifications`,
    headers: writer,
    payload: { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: `HP-FAST-${newlyListed}`, issuer: '山东省市场监督管理局', issuerLevel: 'province', grantedAt: '2024-01-01T00:00:00.000Z' },
  })
  t.equal(granted.statusCode, 201, granted.body)
  const stale = await page(10)
  t.equal(stale.statements, 2, 'the fresh rows alone were not the answer')
  const expected = [...listed, newlyListed].sort()
  const got = stale.items ? stale.items.map((i) => i.uscc) : stale.result.usccs
  t.same(got, expected)
  // Through the API: the same enterprises, each listed.
  const res = await app.inject({ url: '/v1/enterprises?countyCode=371428&brandStatus=listed&limit=10', headers: writer })
  t.same(res.json().items.map((i: { uscc: string; brandStatus: string }) => [i.uscc, i.brandStatus]), expected.map((u) => [u, 'listed']))
  // Once refreshed, the fresh rows alone answer again, with the same page.
  await app.documentRefresher.runOnce()
  const fresh = await page(10)
  t.equal(fresh.statements, 1)
  t.same(fresh.items!.map((i) => i.uscc), expected)
})
