// The verification page for people, and the cache validators of every verification answer
// (JSON, JWS and page): weak ETags of what the answer says, max-age bounded by its next change,
// 304 on revalidation; links shared in WeChat keep working.
import t from 'tap'
import { build, newUscc } from '../../helpers/app.ts'
import { changeStatus, createEnterprise, grant } from '../../helpers/fixtures.ts'

const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '100000', PUBLIC_CACHE_MAX_AGE_SECONDS: '120' })
const LISTING = { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, title: '华源', batch: '2023年第二批', issuer: '山东省人民政府', grantedAt: '2023-12-20', validUntil: null }
const WECHAT = 'from=singlemessage&isappinstalled=0'

t.test('the page names the enterprise, its county, each qualification with its validity, and who revoked what when', async (t) => {
  const e = await createEnterprise(app, { name: '德州市华源生态科技有限公司' })
  await grant(app, e.uscc, LISTING)
  const cert = await grant(app, e.uscc, { grantedAt: '2024-03-15', validUntil: '2027-03-15', title: '华源牌有机小米' })
  const revoked = await grant(app, e.uscc, { grantedAt: '2024-01-10', title: '华源牌杂粮礼盒' })
  t.equal((await changeStatus(app, revoked.id, 'revoked', { effectiveAt: '2025-07-01' })).statusCode, 201)

  const res = await app.inject({ url: `/verify/${e.uscc.toLowerCase()}?${WECHAT}` })
  t.equal(res.statusCode, 200, 'WeChat\'s parameters are ignored')
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  const html = res.body
  t.match(html, '<meta name="viewport" content="width=device-width, initial-scale=1">', 'sized for a phone')
  t.match(html, '德州市华源生态科技有限公司')
  t.match(html, '所在县（市、区）：德城区')
  t.match(html, '“好品山东”品牌企业')
  t.match(html, /&quot;好品山东&quot;品牌.*有效.*有效期：2023年12月20日 起，长期有效/s)
  t.match(html, `证书编号：${cert.certificateNo}`)
  t.match(html, '有效期：2024年3月15日 至 2027年3月14日', 'validity in Dezhou days, the end day inclusive')
  t.match(html, '2025年7月1日起由德州市市场监督管理局撤销（德市监〔2025〕1号）', 'revoked on … by … (文号)')
  t.match(html, `/v1/public/verify?uscc=${e.uscc}&amp;format=jws`, 'a link to the signed statement')
  t.notMatch(html, '<script', 'no scripts')
})

t.test('no record, an impossible code, and certificates', async (t) => {
  const unknown = newUscc()
  const none = await app.inject({ url: `/verify/${unknown}` })
  t.equal(none.statusCode, 200)
  t.match(none.body, '未查到记录')
  t.match(none.body, `统一社会信用代码 ${unknown}`)
  const impossible = await app.inject({ url: `/verify/${encodeURIComponent('<b>123')}` })
  t.equal(impossible.statusCode, 200)
  t.match(impossible.body, '“&lt;b&gt;123”不是有效的统一社会信用代码')
  t.notMatch(impossible.body, '<b>123', 'what the caller sent is escaped')

  const e = await createEnterprise(app)
  const cert = await grant(app, e.uscc, { title: '测试产品' })
  const page = await app.inject({ url: `/verify/certificates/TAISHAN_QUALITY_CERT/${cert.certificateNo}?${WECHAT}` })
  t.equal(page.statusCode, 200)
  t.match(page.body, e.name)
  t.match(page.body, cert.certificateNo)
  t.match((await app.inject({ url: '/verify/certificates/TAISHAN_QUALITY_CERT/NO-SUCH-1' })).body, '证书编号 NO-SUCH-1')
})

t.test('JSON, JWS and page carry validators; a revalidation is a 304 with no body; a change changes them', async (t) => {
  const e = await createEnterprise(app)
  const listing = await grant(app, e.uscc, LISTING)
  const urls = {
    json: `/v1/public/verify?uscc=${e.uscc}&${WECHAT}`,
    jws: `/v1/public/verify?uscc=${e.uscc}&format=jws`,
    html: `/verify/${e.uscc}`,
  }
  const tags: Record<string, string> = {}
  for (const [format, url] of Object.entries(urls)) {
    const first = await app.inject({ url })
    t.equal(first.statusCode, 200, format)
    t.match(first.headers.etag, /^W\/"[A-Za-z0-9_-]{27}"$/, `${format}: weak ETag`)
    t.equal(first.headers['cache-control'], 'public, max-age=120', `${format}: bounded by PUBLIC_CACHE_MAX_AGE_SECONDS`)
    tags[format] = String(first.headers.etag)
    const again = await app.inject({ url, headers: { 'if-none-match': String(first.headers.etag) } })
    t.equal(again.statusCode, 304, `${format}: 304 while unchanged`)
    t.equal(again.body, '', `${format}: no body`)
    t.notOk(again.headers['content-type'], `${format}: no content type`)
    t.equal(again.headers.etag, first.headers.etag)
    t.ok(again.headers['cache-control'], `${format}: a 304 renews the cache lifetime`)
    const strong = await app.inject({ url, headers: { 'if-none-match': String(first.headers.etag).slice(2) } })
    t.equal(strong.statusCode, 304, `${format}: weak comparison`)
  }
  t.equal(new Set(Object.values(tags)).size, 3, 'each representation has its own ETag')

  t.equal((await changeStatus(app, listing.id, 'suspended')).statusCode, 201)
  for (const [format, url] of Object.entries(urls)) {
    const after = await app.inject({ url, headers: { 'if-none-match': tags[format]! } })
    t.equal(after.statusCode, 200, `${format}: a decision changes the answer and its ETag`)
    t.not(after.headers.etag, tags[format])
  }
})

t.test('max-age ends no later than the answer\'s next change by time alone', async (t) => {
  const e = await createEnterprise(app)
  await grant(app, e.uscc, { grantedAt: new Date(Date.now() - 86_400_000).toISOString(), validUntil: new Date(Date.now() + 20_000).toISOString() })
  const res = await app.inject({ url: `/v1/public/verify?uscc=${e.uscc}` })
  const maxAge = Number(/max-age=(\d+)/.exec(String(res.headers['cache-control']))?.[1])
  t.ok(maxAge > 0 && maxAge <= 20, `the certificate expires within 20 s: max-age=${maxAge}`)
})

t.test('the stored answer and the live one carry the same validators', async (t) => {
  const e = await createEnterprise(app)
  await grant(app, e.uscc, LISTING)
  await grant(app, e.uscc, { grantedAt: new Date(Date.now() - 86_400_000).toISOString(), validUntil: new Date(Date.now() + 60_000).toISOString() })
  const fresh = async () => (await app.db.query<{ fresh: boolean }>('SELECT fresh_until > now() AS fresh FROM enterprise_document WHERE uscc = $1', [e.uscc]))[0]?.fresh
  const urls = [`/v1/public/verify?uscc=${e.uscc}`, `/v1/public/verify?uscc=${e.uscc}&format=jws`, `/verify/${e.uscc}`]
  t.equal(await fresh(), false, 'after the grants the stored document is stale: the answers are live')
  const live = await Promise.all(urls.map((url) => app.inject({ url })))
  while ((await app.documentRefresher.runOnce()) > 0);
  t.equal(await fresh(), true, 'after a refresh the stored document answers')
  const stored = await Promise.all(urls.map((url) => app.inject({ url })))
  for (const [i, url] of urls.entries()) {
    t.equal(stored[i]!.headers.etag, live[i]!.headers.etag, `${url}: the same content, the same ETag on either path`)
    const maxAge = Number(/max-age=(\d+)/.exec(String(stored[i]!.headers['cache-control']))?.[1])
    t.ok(maxAge > 0 && maxAge <= 60, `${url}: the stored answer's max-age ends by the certificate's expiry: ${maxAge}`)
  }
  t.same(JSON.parse(stored[0]!.body).qualifications, JSON.parse(live[0]!.body).qualifications, 'and the same statement')
})

t.test('the showcase ignores WeChat\'s parameters too', async (t) => {
  t.equal((await app.inject({ url: `/v1/public/brands?limit=1&${WECHAT}` })).statusCode, 200)
})
