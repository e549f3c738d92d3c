// The progress page as a leader sees it: Debian's Chromium (headless, driven by playwright-core)
// opens it from a running server on a phone and on a desktop; the bars are drawn, sized by the
// figures, and a number on the page is the API's.
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { bearer, buildOwn } from '../../helpers/app.ts'
import { day, seedHistory } from './fixture.ts'

const CHROMIUM = '/usr/bin/chromium'
if (!existsSync(CHROMIUM)) {
  t.skip(`${CHROMIUM} is not installed (bash .ci/run installs Debian's chromium and fonts-wqy-microhei)`, async () => {})
} else {
  const { chromium } = await import('playwright-core')
  const { db, app } = await buildOwn(t, { PUBLIC_RATE_LIMIT_MAX: '100000' })
  await seedHistory(db)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const asOf = day('2025-01-01').toISOString()
  const api = (await app.inject({ method: 'GET', url: `/v1/target-plans/DEZHOU_HAOPIN_2025/progress?asOf=${encodeURIComponent(asOf)}&by=county`, headers: await bearer(['registry:read']) })).json()
  const apiItem = (code: string) => api.items.find((i: { code: string }) => i.code === code)

  // The flags that work on this machine kind (shared/docs/toolchain.md).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  t.teardown(() => browser.close())
  const shots = mkdtempSync(join(tmpdir(), 'progress-page-'))

  for (const device of [
    { name: 'phone', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
    { name: 'desktop', viewport: { width: 1366, height: 900 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
  ]) {
    t.test(`on a ${device.name}: every target a bar sized by its figure, the API's numbers, no sideways scrolling`, async (t) => {
      const { name, ...options } = device
      const context = await browser.newContext({ ...options, locale: 'zh-CN' })
      const page = await context.newPage()
      const response = await page.goto(`http://127.0.0.1:${port}/progress?asOf=${encodeURIComponent(asOf)}`)
      t.equal(response?.status(), 200)
      t.equal(await page.title(), '全市 - 2025年“好品山东”目标进展')
      t.equal(await page.locator('section.card').count(), 10, 'ten targets')

      const bars = (await page.evaluate(`[...document.querySelectorAll('section.card')].map((card) => {
        const bar = card.querySelector('.bar'), fill = bar.querySelector('.fill'), goal = bar.querySelector('.goal'), expected = bar.querySelector('.expected')
        const box = bar.getBoundingClientRect()
        return { code: card.dataset.code, shown: card.querySelector('.actual').textContent, barWidth: box.width, barHeight: box.height,
          fill: fill.getBoundingClientRect().width, goal: goal ? goal.getBoundingClientRect().left - box.left : null,
          expected: expected ? expected.getBoundingClientRect().left - box.left : null,
          actual: bar.dataset.actual, target: bar.dataset.target, scale: Number(bar.dataset.scale) }
      })`)) as { code: string; shown: string; barWidth: number; barHeight: number; fill: number; goal: number | null; expected: number | null; actual: string; target: string; scale: number }[]
      for (const b of bars) {
        const item = apiItem(b.code)
        t.ok(b.barWidth > 100 && b.barHeight >= 10, `${b.code}: the bar is drawn (${Math.round(b.barWidth)}×${Math.round(b.barHeight)})`)
        t.equal(b.shown, item.actual === null ? '—' : String(item.actual) + (item.unit === 'percent' ? '%' : ''), `${b.code}: the page shows the API's figure`)
        if (item.actual) {
          t.ok(Math.abs(b.fill - (b.barWidth * Math.min(item.actual, b.scale)) / b.scale) <= 2, `${b.code}: the fill is ${item.actual}/${b.scale} of the bar`)
        }
        if (item.target !== null && item.unit !== 'percent') t.ok(Math.abs(b.goal! - (b.barWidth * item.target) / b.scale) <= 3, `${b.code}: the goal mark at ${item.target}`)
        if (item.expectedByNow !== null && item.unit !== 'percent') t.ok(Math.abs(b.expected! - (b.barWidth * item.expectedByNow) / b.scale) <= 3, `${b.code}: the expected-by-now mark`)
      }
      const hightech = bars.find((b) => b.code === 'TAISHAN_QUALITY_CERTS')!
      t.ok(hightech.fill > 0, 'a target with a figure has a visible fill')
      t.equal(await page.locator('#TAISHAN_QUALITY_CERTS .actual').innerText(), String(apiItem('TAISHAN_QUALITY_CERTS').actual))

      const layout = (await page.evaluate(`({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
        columns: getComputedStyle(document.querySelector('.grid')).gridTemplateColumns.split(' ').length })`)) as { scrollWidth: number; innerWidth: number; columns: number }
      t.ok(layout.scrollWidth <= layout.innerWidth, `no sideways scrolling (${layout.scrollWidth} ≤ ${layout.innerWidth})`)
      t.equal(layout.columns, device.name === 'phone' ? 1 : 2, 'one column on a phone, two on a desktop')

      // The county breakdown opens, and its numbers are the API's too.
      await page.locator('#STANDARDS summary').click()
      const linyi = await page.locator('#STANDARDS .counties li', { hasText: '临邑县' }).innerText()
      t.match(linyi, new RegExp(`${apiItem('STANDARDS').counties.find((c: { countyCode: string }) => c.countyCode === '371424').actual}$`))
      const contributors = await page.locator('#STANDARDS a.more').getAttribute('href')
      t.match(contributors, /^\/v1\/targets\/STANDARDS\/contributors\?asOf=/, 'links to what was counted')

      const glyphs = (await page.evaluate(`(() => { const s = document.createElement('span'); document.body.append(s)
        const w = ['德州', 'ii'].map((x) => { s.textContent = x; return s.getBoundingClientRect().width }); s.remove(); return w })()`)) as number[]
      t.ok(glyphs[0]! > glyphs[1]! * 1.5, `Chinese characters have full-width glyphs (${glyphs[0]} px vs ${glyphs[1]} px)`)
      const shot = join(shots, `${device.name}.png`)
      const png = await page.screenshot({ path: shot, fullPage: true })
      t.equal(png.readUInt32BE(16), device.viewport.width * device.deviceScaleFactor, 'the screenshot has the device\'s width')
      t.ok(png.length > 30_000, `the screenshot holds a rendered page (${png.length} bytes, ${shot})`)
      await page.screenshot({ path: join(shots, `${device.name}-first-screen.png`) })
      await context.close()
    })
  }

  t.test('one county\'s page', async (t) => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' })
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${port}/progress?asOf=${encodeURIComponent(asOf)}&countyCode=371403`)
    t.equal(await page.title(), '陵城区 - 2025年“好品山东”目标进展')
    t.equal(await page.locator('#TAISHAN_QUALITY_CERTS .actual').innerText(), '2', '陵城区 holds two 泰山品质 certificates (recorded under 陵县)')
    t.equal(await page.locator('.chip.on').innerText(), '陵城区')
    await context.close()
  })
}
