// A brand-status list page first asks the fresh stored rows alone, which is the whole answer while
// no stored document is stale, and asks again with the stale branch otherwise. Both must give the
// page the live documents give. On a database of its own, so that what is stale is this test's doing.
import t from 'tap'
import type { Database } from '../../../src/db/client.ts'
import { enterprisePage } from '../../../src/modules/enterprises/document-cache/index.ts'
import { buildOwn, newUscc } from '../../helpers/app.ts'
import { createEnterprise, grant, reader } from '../../helpers/fixtures.ts'

const { db, app } = await buildOwn(t)
const listBrand = (uscc: string) => grant(app, uscc, { type: 'HAOPIN_SHANDONG_BRAND' })

// Six enterprises in one county, every other one listed (好品山东 brand).
const usccs = Array.from({ length: 6 }, () => newUscc('371428')).sort()
for (const uscc of usccs) await createEnterprise(app, { uscc, countyCode: '371428' })
const listed = usccs.filter((_, i) => i % 2 === 0)
for (const uscc of listed) await listBrand(uscc)

/** The page, and the names of the statements it took. */
async function page(limit: number, after?: string) {
  const names: (string | undefined)[] = []
  const spy = { ...db, query: (text: string, params?: unknown[], name?: string) => (names.push(name), db.query(text, params, name)) } as Database
  const result = await enterprisePage(spy, { countyCode: '371428', brandStatus: 'listed', limit } as never, after)
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
  await listBrand(newlyListed)
  const stale = await page(10)
  t.equal(stale.statements, 2, 'the fresh rows alone were not the answer')
  const expected = [...listed, newlyListed].sort()
  const got = stale.items ? stale.items.map((i) => i.uscc) : stale.result.usccs
  t.same(got, expected)
  // Through the API: the same enterprises, each listed.
  const res = await app.inject({ url: '/v1/enterprises?countyCode=371428&brandStatus=listed&limit=10', headers: await reader() })
  t.same(res.json().items.map((i: { uscc: string; brandStatus: string }) => [i.uscc, i.brandStatus]), expected.map((u) => [u, 'listed']))
  // Once refreshed, the fresh rows alone answer again, with the same page.
  await app.documentRefresher.runOnce()
  const fresh = await page(10)
  t.equal(fresh.statements, 1)
  t.same(fresh.items!.map((i) => i.uscc), expected)
})
