// The public showcase of active 好品山东 listings.
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { build, newUscc } from '../../helpers/app.ts'
import { changeStatus, createEnterprise, grant } from '../../helpers/fixtures.ts'
import { encodeCursor } from '../../../src/lib/paging.ts'

const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '100000' })
const LISTING = { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, title: '品牌', grantedAt: '2024-01-01T00:00:00.000Z', validUntil: null }

// This test's enterprises share a registration-region prefix no other test uses, and the
// showcase is read from a cursor just before it, so other data never gets in the way.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const region = [...randomBytes(6)].map((b) => ALPHABET[b % 31]).join('')
const start = encodeCursor([`91${region}`])

async function showcase(query = '') {
  const res = await app.inject({ url: `/v1/public/brands?cursor=${start}&limit=200${query}` })
  if (res.statusCode !== 200) throw new Error(`showcase: ${res.statusCode} ${res.body}`)
  const page = res.json()
  return { ...page, items: page.items.filter((i: { uscc: string }) => i.uscc.startsWith(`91${region}`)) }
}

t.test('lists enterprises with an active listing, with their active qualifications, public fields only', async (t) => {
  const listed = await createEnterprise(app, { uscc: newUscc(region), countyCode: '371402', contactPhone: '13900000000' })
  const listingQ = await grant(app, listed.uscc, LISTING)
  const cert = await grant(app, listed.uscc, { grantedAt: new Date(Date.now() - 86_400_000).toISOString() })
  const suspended = await grant(app, listed.uscc, { type: 'HIGH_TECH_ENTERPRISE' })
  await changeStatus(app, suspended.id, 'suspended')
  const cultivating = await createEnterprise(app, { uscc: newUscc(region), cultivationStage: 'cultivating' })
  await grant(app, cultivating.uscc)
  const revoked = await createEnterprise(app, { uscc: newUscc(region) })
  const gone = await grant(app, revoked.uscc, LISTING)
  await changeStatus(app, gone.id, 'revoked')

  const page = await showcase()
  t.same(page.items.map((i: { uscc: string }) => i.uscc), [listed.uscc], 'only the enterprise with an active listing')
  t.ok(Math.abs(Date.parse(page.asOf) - Date.now()) < 60_000)
  const [item] = page.items
  t.same(Object.keys(item), ['uscc', 'name', 'countyCode', 'countyName', 'brandStatus', 'qualifications'])
  t.match(item, { uscc: listed.uscc, name: listed.name, countyCode: '371402', countyName: '德城区', brandStatus: 'listed' })
  t.same(item.qualifications, [
    { type: 'HAOPIN_SHANDONG_BRAND', typeName: '"好品山东"品牌', listing: true, certificateNo: null, title: '品牌', batch: null, validFrom: listingQ.validFrom, validUntil: null },
    { type: 'TAISHAN_QUALITY_CERT', typeName: '"泰山品质"认证', listing: false, certificateNo: cert.certificateNo, title: '测试产品', batch: null, validFrom: cert.validFrom, validUntil: cert.validUntil },
  ], 'active qualifications only, listings first')
})

t.test('filters by county and by a qualification type held actively', async (t) => {
  const decheng = await createEnterprise(app, { uscc: newUscc(region), countyCode: '371402' })
  const leling = await createEnterprise(app, { uscc: newUscc(region), countyCode: '371481' })
  await grant(app, decheng.uscc, LISTING)
  await grant(app, leling.uscc, LISTING)
  await grant(app, leling.uscc, { type: 'HIGH_TECH_ENTERPRISE' })
  const uscc = (page: { items: { uscc: string }[] }) => page.items.map((i) => i.uscc)
  t.same(uscc(await showcase('&countyCode=371481')), [leling.uscc])
  t.ok(uscc(await showcase('&countyCode=371402')).includes(decheng.uscc))
  t.notOk(uscc(await showcase('&countyCode=371402')).includes(leling.uscc))
  t.same(uscc(await showcase('&type=HIGH_TECH_ENTERPRISE')), [leling.uscc])
  t.equal(uscc(await showcase('&type=HAOPIN_SHANDONG_BRAND')).length, uscc(await showcase()).length, 'the listing type itself matches every listed one')
})

t.test('pages follow the cursor and the Link header', async (t) => {
  const own = [await createEnterprise(app, { uscc: newUscc(region) }), await createEnterprise(app, { uscc: newUscc(region) })]
  for (const e of own) await grant(app, e.uscc, LISTING)
  const first = await app.inject({ url: `/v1/public/brands?cursor=${start}&limit=1` })
  t.equal(first.json().items.length, 1)
  t.match(first.headers.link, /rel="next"/)
  const next = await app.inject({ url: /<([^>]+)>/.exec(first.headers.link as string)![1]! })
  t.equal(next.statusCode, 200)
  t.ok(next.json().items[0].uscc > first.json().items[0].uscc, 'USCC order, no repeats')
  t.equal((await app.inject({ url: '/v1/public/brands?cursor=abc' })).statusCode, 400)
  t.equal((await app.inject({ url: `/v1/public/brands?cursor=${encodeCursor(["x' OR 1=1"])}` })).statusCode, 400)
})
