// The verification page as a consumer sees it: Debian's Chromium (headless, driven by
// playwright-core) on a phone-sized viewport opens the page from a running server, the way a
// WeChat share opens it, and a screenshot shows Chinese text laid out without sideways scrolling.
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { build } from '../../helpers/app.ts'
import { changeStatus, createEnterprise, grant } from '../../helpers/fixtures.ts'

const CHROMIUM = '/usr/bin/chromium'
if (!existsSync(CHROMIUM)) {
  t.test('the page in a browser', { skip: `${CHROMIUM} is not installed (bash .ci/run installs Debian's chromium and fonts-wqy-microhei)` }, async () => {})
} else {
  const { chromium } = await import('playwright-core')
  const app = await build(t, { PUBLIC_RATE_LIMIT_MAX: '100000' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }

  const e = await createEnterprise(app, { name: '德州市华源生态科技有限公司' })
  await grant(app, e.uscc, { type: 'HAOPIN_SHANDONG_BRAND', certificateNo: undefined, title: '华源', issuer: '山东省人民政府', grantedAt: '2023-12-20', validUntil: null })
  await grant(app, e.uscc, { grantedAt: '2024-03-15', validUntil: '2027-03-15', title: '华源牌有机小米' })
  const revoked = await grant(app, e.uscc, { grantedAt: '2024-01-10', title: '华源牌杂粮礼盒' })
  await changeStatus(app, revoked.id, 'revoked', { effectiveAt: '2025-07-01' })

  // The flags that work on this machine kind (shared/docs/toolchain.md): no sandbox as root, no background networking.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  t.teardown(() => browser.close())

  t.test('on a phone: readable, no sideways scrolling, every part in view, the signed statement one tap away', async (t) => {
    const context = await browser.newContext({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' })
    const page = await context.newPage()
    const response = await page.goto(`http://127.0.0.1:${port}/verify/${e.uscc}?from=singlemessage&isappinstalled=0`)
    t.equal(response?.status(), 200)
    t.equal(await page.title(), '德州市华源生态科技有限公司 - 好品山东品牌核验')
    t.equal(await page.locator('h1').innerText(), '德州市华源生态科技有限公司')
    t.equal(await page.locator('.result h2').innerText(), '“好品山东”品牌企业')
    t.equal(await page.locator('li.card').count(), 3, 'three qualifications')
    t.match(await page.locator('li.card', { hasText: '华源牌杂粮礼盒' }).innerText(), /已撤销[\s\S]*2025年7月1日起由德州市市场监督管理局撤销（德市监〔2025〕1号）/)

    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      widest: Math.max(...[...document.querySelectorAll('h1, .card, .row, footer a')].map((el) => el.getBoundingClientRect().right)),
      bodyFont: parseFloat(getComputedStyle(document.body).fontSize),
    }))
    t.ok(layout.scrollWidth <= layout.innerWidth, `no sideways scrolling (${layout.scrollWidth} ≤ ${layout.innerWidth})`)
    t.ok(layout.widest <= layout.innerWidth, 'every element fits the screen')
    t.ok(layout.bodyFont >= 16, 'text at least 16 px')

    // CJK glyphs render (a missing font draws every character as the same box, so widths would not differ).
    // A string, not a function: tsx's transform would name inner functions with a helper the page lacks.
    const glyphs = (await page.evaluate(`(() => {
      const span = document.createElement('span')
      document.body.append(span)
      const widths = ['德州', 'ii'].map((text) => { span.textContent = text; return span.getBoundingClientRect().width })
      span.remove()
      return { cjk: widths[0], latin: widths[1] }
    })()`)) as { cjk: number; latin: number }
    t.ok(glyphs.cjk > glyphs.latin * 1.5, `Chinese characters have full-width glyphs (${glyphs.cjk} px vs ${glyphs.latin} px)`)

    const dir = mkdtempSync(join(tmpdir(), 'verify-page-'))
    const shot = join(dir, 'phone.png')
    const png = await page.screenshot({ path: shot, fullPage: true })
    t.equal(png.readUInt32BE(16), 750, 'the screenshot is the phone\'s width at 2x')
    t.ok(png.length > 20_000, `the screenshot holds a rendered page (${png.length} bytes, ${shot})`)
    const fonts = spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' })
    t.match(fonts.stdout, /WenQuanYi|Noto Sans CJK|Droid Sans Fallback/, 'a Chinese font is installed for the screenshot')

    const link = page.getByRole('link', { name: '下载签名声明（JWS）' })
    const box = await link.boundingBox()
    t.ok(box && box.y + box.height <= (await page.evaluate(() => document.documentElement.scrollHeight)), 'the statement link is on the page')
    const jws = await page.evaluate(async (href) => (await fetch(href)).text(), (await link.getAttribute('href'))!)
    t.match(jws, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'it leads to a compact JWS')
    await context.close()
  })
}
