import { randomBytes } from 'node:crypto'
import t from 'tap'
import { bearer, build, newUscc } from '../../helpers/app.ts'

const app = await build(t)
const auth = await bearer(['registry:read', 'registry:write'])
// A marker only this test's enterprises carry, so the shared database's other rows do not interfere.
const marker = `测${randomBytes(3).toString('hex')}`

async function create(name: string, extra: object = {}) {
  const uscc = newUscc()
  const res = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: auth, payload: { uscc, name, countyCode: '371402', ...extra } })
  t.equal(res.statusCode, 201)
  return uscc
}
const list = (query: string) => app.inject({ url: `/v1/enterprises?${query}`, headers: auth })

t.test('name search finds substrings of one, two and more characters', async (t) => {
  const a = await create(`德州${marker}机械有限公司`)
  const b = await create(`${marker}宁津德州餐饮有限公司`)
  const c = await create(`${marker}禹城Foods有限公司`)
  const q = (s: string) => list(`q=${encodeURIComponent(s)}&limit=200`)
  const found = async (s: string) => (await q(s)).json().items.map((i: { uscc: string }) => i.uscc).sort()
  t.same(await found(marker), [a, b, c].sort())
  t.same(await found(`德州${marker}`), [a])
  t.same(await found(`${marker}禹城foods`), [c], 'case-insensitive for Latin letters')
  // A two-character query only this test's names are likely to contain (the shared database
  // holds many more than a page of names with 德州), and 德州 itself answers.
  const twoChar = (await q([...marker].slice(0, 2).join(''))).json().items.map((i: { uscc: string }) => i.uscc)
  t.ok([a, b, c].every((u) => twoChar.includes(u)), 'two-character query')
  const dezhou = await q('德州')
  t.equal(dezhou.statusCode, 200)
  t.ok(dezhou.json().items.length > 0, '德州 finds enterprises')
  t.same(await found(`${marker}%`), [], 'LIKE wildcards are literal')
})

t.test('filters combine', async (t) => {
  const listed = await create(`${marker}筛选A`, { cultivationStage: 'cultivating', cultivationLists: [{ list: 'INDUSTRIAL_TOP50', year: 2024 }] })
  const plain = await create(`${marker}筛选B`, { businessStatus: 'abnormal' })
  const items = async (query: string) => (await list(`q=${encodeURIComponent(marker + '筛选')}&${query}`)).json().items.map((i: { uscc: string }) => i.uscc)
  t.same(await items('cultivationStage=cultivating'), [listed])
  t.same(await items('list=INDUSTRIAL_TOP50'), [listed])
  t.same(await items('list=INDUSTRIAL_TOP50:2023'), [])
  t.same(await items('brandStatus=cultivating'), [listed])
  t.same(await items('brandStatus=none'), [plain])
  t.same(await items('businessStatus=abnormal'), [plain])
  t.same(await items('countyCode=371481'), [])
  t.same(await items(`updatedSince=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`), [])
  t.same((await items('qualificationType=TAISHAN_QUALITY_CERT')), [])
  const bad = await list('brandStatus=famous')
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].pointer, '/brandStatus')
  t.equal((await list('limit=201')).statusCode, 400)
  t.equal((await list('cursor=garbage')).json().errors[0].pointer, '/cursor')
})

t.test('pagination neither skips nor repeats rows while rows are inserted between pages', async (t) => {
  const tag = `${marker}翻页`
  const originals = new Set<string>()
  for (let i = 0; i < 7; i++) originals.add(await create(`${tag}${i}`))
  const seen: string[] = []
  let url = `/v1/enterprises?q=${encodeURIComponent(tag)}&limit=2`
  for (let page = 0; page < 20 && url; page++) {
    const res = await app.inject({ url, headers: auth })
    t.equal(res.statusCode, 200)
    const body = res.json()
    seen.push(...body.items.map((i: { uscc: string }) => i.uscc))
    await create(`${tag}插入${page}`)
    const link = res.headers.link as string | undefined
    if (body.nextCursor) {
      t.match(link, /^<\/v1\/enterprises\?.*cursor=.*>; rel="next"$/)
      url = link!.slice(1, link!.indexOf('>'))
    } else {
      t.notOk(link)
      url = ''
    }
  }
  t.equal(new Set(seen).size, seen.length, 'no row repeated')
  for (const u of originals) t.ok(seen.includes(u), `original ${u} seen`)
  t.same(seen, [...seen].sort(), 'stable USCC order')
})

t.test('search and filters are index-backed', async (t) => {
  // With sequential scans priced out, the planner must find an index for each shape; if an index
  // is missing or unusable the plan falls back to a Seq Scan and this fails.
  const plan = async (sql: string, params: unknown[]) => {
    const rows = await app.db.withSession(async (s) => {
      await s.query('BEGIN')
      try {
        await s.query('SET LOCAL enable_seqscan = off')
        return await s.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)
      } finally {
        await s.query('ROLLBACK')
      }
    })
    return rows.map((r) => r['QUERY PLAN']).join('\n')
  }
  t.match(await plan(`SELECT uscc FROM enterprise WHERE name_grams @> $1::text[] ORDER BY uscc LIMIT 21`, [['德州']]), /enterprise_name_grams_idx|enterprise_pkey/)
  t.notMatch(await plan(`SELECT uscc FROM enterprise WHERE name_grams @> $1::text[] ORDER BY uscc LIMIT 21`, [['德州']]), /Seq Scan/)
  t.match(await plan(`SELECT uscc FROM enterprise WHERE county_code = $1 ORDER BY uscc LIMIT 21`, ['371402']), /enterprise_county_code_uscc_idx/)
  t.match(await plan(`SELECT uscc FROM enterprise_name_gram WHERE gram = $1 ORDER BY uscc LIMIT 21`, ['德州']), /enterprise_name_gram_pkey/, 'short search reads the postings in order')
  t.match(await plan(`SELECT uscc FROM enterprise WHERE uscc = $1`, [newUscc()]), /enterprise_pkey/)
})

t.test('renaming an enterprise moves it between short-query results', async (t) => {
  const uscc = await create(`${marker}旧名`)
  const hits = async (q: string) => (await list(`q=${encodeURIComponent(q)}&limit=200`)).json().items.map((i: { uscc: string }) => i.uscc)
  t.ok((await hits('旧名')).includes(uscc))
  const res = await app.inject({ method: 'PATCH', url: `/v1/enterprises/${uscc}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify({ name: `${marker}新称` }) })
  t.equal(res.statusCode, 200)
  t.notOk((await hits('旧名')).includes(uscc), 'old grams are gone')
  t.ok((await hits('新称')).includes(uscc), 'new grams are found')
  t.ok((await hits('新')).includes(uscc), 'one character')
})

t.test('items are summaries by default and whole documents with view=full, stored or computed alike', async (t) => {
  const uscc = await create(`${marker}视图测试有限公司`, { cultivationStage: 'planned', contact: { name: '张三', phone: '13800000000' } })
  const grant = await app.inject({
    method: 'POST',
    url: `/v1/enterprises/${uscc}/qualifications`,
    headers: await bearer(['qualifications:write']),
    payload: { type: 'HIGH_TECH_ENTERPRISE', certificateNo: `GR${randomBytes(5).toString('hex')}`, issuer: '山东省科学技术厅', issuerLevel: 'province', grantedAt: '2024-01-01T00:00:00.000Z' },
  })
  t.equal(grant.statusCode, 201)
  const document = (await app.inject({ url: `/v1/enterprises/${uscc}`, headers: auth })).json()
  const summaryOf = (d: any) => ({
    uscc: d.uscc, name: d.name, countyCode: d.countyCode, countyName: d.countyName, cultivationStage: d.cultivationStage,
    businessStatus: d.businessStatus, brandStatus: d.brandStatus,
    activeQualificationTypes: [...new Set(d.activeQualifications.map((q: { type: string }) => q.type))].sort(),
    version: d.version, updatedAt: d.updatedAt,
  })
  const q = `q=${encodeURIComponent(`${marker}视图`)}`
  // The grant left the stored document stale (computed); a refresh stores it (read back).
  for (const state of ['computed', 'stored']) {
    if (state === 'stored') await app.documentRefresher.runOnce()
    const [summary] = (await list(q)).json().items
    t.same(summary, summaryOf(document), `${state}: the summary is the document's identity and status fields`)
    t.notOk('contact' in summary, `${state}: no contact details in a summary`)
    t.same(summary.activeQualificationTypes, ['HIGH_TECH_ENTERPRISE'])
    const [full] = (await list(`${q}&view=full`)).json().items
    t.same(full, document, `${state}: view=full items are the document itself`)
  }
  t.equal((await list(`${q}&view=everything`)).statusCode, 400)
})
