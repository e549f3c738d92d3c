// The progress page a leader takes in at a glance: each target as a bar against its goal with the
// point the linear path expects by now, the county breakdown and where to see what was counted.
// Rendered from the progress answer itself; plain HTML and CSS (no scripts), for a phone and a desk.
import type { ProgressDto, ProgressItemDto } from './targets.schemas.ts'

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
const DAY = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'long', day: 'numeric' })
const day = (iso: string) => DAY.format(new Date(iso))
/** The last day of a period that ends (exclusively) at `iso`. */
const lastDay = (iso: string) => DAY.format(new Date(new Date(iso).getTime() - 1))

const UNIT: Record<string, string> = { enterprise: '家', certificate: '张', standard: '项', percent: '%' }
const STATUS: Record<string, { text: string; tone: string }> = {
  met: { text: '已达到', tone: 'good' },
  not_met: { text: '未达到', tone: 'warn' },
  no_data: { text: '暂无数据', tone: 'neutral' },
  indicator: { text: '监测指标', tone: 'neutral' },
}
const PERIOD: Record<string, string> = { before: '尚未开始', running: '进行中', ended: '已结束' }

const fmt = (n: number | null, unit: string) => (n === null ? '—' : `${Number.isInteger(n) ? n : n.toFixed(1)}${unit === 'percent' ? '%' : ''}`)
const pct = (n: number) => `${Math.max(0, Math.min(100, n)).toFixed(2)}%`

export interface PageLinks {
  /** The same answer as JSON (the API's). */
  json: string
  /** This page for another county (null: the city). */
  county: (code: string | null) => string
}

function goalText(item: ProgressItemDto): string {
  const unit = UNIT[item.unit] ?? ''
  if (item.comparator === 'indicator' || item.target === null) return '形成一批（不设数量）'
  const number = `${fmt(item.target, item.unit)}${item.unit === 'percent' ? '' : unit}`
  return item.comparator === 'approximately' ? `${number}左右（±${item.tolerancePercent ?? 0}%）` : `${number}以上`
}

function bar(item: ProgressItemDto): string {
  const scale = item.unit === 'percent' ? 100 : Math.max(item.target ?? 0, item.actual ?? 0, item.expectedByNow ?? 0, 1)
  const fill = item.actual === null ? 0 : (item.actual / scale) * 100
  const goal = item.target === null ? null : (item.target / scale) * 100
  const expected = item.expectedByNow === null ? null : (item.expectedByNow / scale) * 100
  const tone = STATUS[item.status]?.tone ?? 'neutral'
  return `<div class="bar" role="img" aria-label="${escapeHtml(item.label)}：${fmt(item.actual, item.unit)}" data-actual="${item.actual ?? ''}" data-target="${item.target ?? ''}" data-expected="${item.expectedByNow ?? ''}" data-scale="${scale}">
<div class="fill ${tone}" style="width:${pct(fill)}"></div>
${goal !== null ? `<div class="goal" style="left:${pct(goal)}" title="目标"></div>` : ''}
${expected !== null ? `<div class="expected" style="left:${pct(expected)}" title="按进度应达"></div>` : ''}
</div>`
}

function counties(item: ProgressItemDto, links: PageLinks): string {
  if (!item.counties?.length) return ''
  const top = Math.max(1, ...item.counties.map((c) => c.actual ?? 0))
  const rows = item.counties.map((c) => {
    const merged = c.mergedFrom?.length ? `<small>（含${c.mergedFrom.map((m) => escapeHtml(m.countyName)).join('、')}）</small>` : ''
    const width = c.actual === null ? 0 : (c.actual / (item.unit === 'percent' ? 100 : top)) * 100
    return `<li><span><a href="${escapeHtml(links.county(c.countyCode))}">${escapeHtml(c.countyName)}</a>${merged}</span><span class="mini"><span style="width:${pct(width)}"></span></span><span class="n">${fmt(c.actual, item.unit)}</span></li>`
  })
  return `<details><summary>各县（市、区）</summary><ul class="counties">${rows.join('')}</ul></details>`
}

function card(item: ProgressItemDto, links: PageLinks): string {
  const status = STATUS[item.status] ?? { text: item.status, tone: 'neutral' }
  const unit = item.unit === 'percent' ? '' : (UNIT[item.unit] ?? '')
  const track = item.onTrack === null ? '' : item.onTrack ? '<span class="track good">进度正常</span>' : '<span class="track warn">落后于进度</span>'
  const expected = item.expectedByNow === null ? '' : `<span>按进度应达 ${fmt(item.expectedByNow, item.unit)}${unit}</span>`
  const alternatives = (item.alternatives ?? []).map((a) => `<div class="alt">另一口径（期内新增）：<b>${fmt(a.actual, item.unit)}</b>${unit}${a.status !== 'indicator' ? `，${STATUS[a.status]?.text ?? a.status}` : ''}</div>`).join('')
  const latest = item.series?.at(-1)
  const measured = latest ? `<div class="dim">最近一期：${day(latest.periodFrom)}至${lastDay(latest.periodTo)}，${escapeHtml(latest.source)}</div>` : ''
  const lead = item.responsibleDepartments[0]
  const departments = lead ? `<div class="dim">牵头：${escapeHtml(lead.name)}${item.responsibleDepartments.length > 1 ? `；配合：${item.responsibleDepartments.slice(1).map((d) => escapeHtml(d.name)).join('、')}` : ''}</div>` : ''
  const contributors = item.contributors ? `<a class="more" href="${escapeHtml(item.contributors)}">计入明细（接口，需授权）</a>` : ''
  return `<section class="card" id="${escapeHtml(item.code)}" data-code="${escapeHtml(item.code)}">
<div class="head"><h2>${escapeHtml(item.label)}</h2><span class="badge ${status.tone}">${status.text}</span></div>
<div class="quote">原文（${escapeHtml(item.section)}）：${escapeHtml(item.quote)}</div>
<div class="figure"><span class="actual" data-actual="${item.actual ?? ''}">${fmt(item.actual, item.unit)}</span><span class="unit">${unit}</span><span class="of">目标 ${goalText(item)}</span></div>
${bar(item)}
<div class="legend">${expected}${track}</div>
${alternatives}${measured}${departments}
${counties(item, links)}
${contributors}
</section>`
}

export function progressPage(progress: ProgressDto, countyName: string | null, countyChoices: { code: string; name: string }[], links: PageLinks): string {
  const where = countyName ?? '全市'
  const choices = [{ code: null as string | null, name: '全市' }, ...countyChoices]
    .map((c) => `<a class="chip${(c.code ?? null) === progress.countyCode ? ' on' : ''}" href="${escapeHtml(links.county(c.code))}">${escapeHtml(c.name)}</a>`)
    .join('')
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(where)} - 2025年“好品山东”目标进展</title>
<style>
*{box-sizing:border-box}body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;background:#f4f5f7;color:#1f2329;font-size:16px;line-height:1.55}
header{background:#b71c1c;color:#fff;padding:14px 16px}header h1{margin:0;font-size:21px}header .sub{font-size:13px;opacity:.92}
main{max-width:1180px;margin:0 auto;padding:12px}.summary{display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center;margin:4px 4px 10px;font-size:14px;color:#3d434b}
.period{flex:1 1 220px;min-width:200px}.period .track{height:8px;background:#dfe2e6;border-radius:4px;overflow:hidden}.period .track span{display:block;height:100%;background:#1565c0}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:0 4px 12px}.chip{font-size:13px;padding:3px 10px;border-radius:999px;background:#fff;color:#1565c0;text-decoration:none;border:1px solid #d0d7de}.chip.on{background:#1565c0;color:#fff;border-color:#1565c0}
.grid{display:grid;grid-template-columns:1fr;gap:12px}@media (min-width:860px){.grid{grid-template-columns:1fr 1fr}}
.card{background:#fff;border-radius:10px;padding:14px 16px;min-width:0}.head{display:flex;justify-content:space-between;align-items:flex-start;gap:8px}
h2{font-size:18px;margin:0}.badge{flex:none;font-size:13px;padding:2px 10px;border-radius:999px;color:#fff}.good{background:#2e7d32}.warn{background:#ef6c00}.neutral{background:#607d8b}
.quote{font-size:13px;color:#646a73;margin:2px 0 8px}.figure{display:flex;align-items:baseline;gap:4px;flex-wrap:wrap}.actual{font-size:32px;font-weight:700}.unit{font-size:16px}.of{margin-left:auto;font-size:14px;color:#3d434b}
.bar{position:relative;height:18px;background:#e9ecef;border-radius:9px;margin:8px 0 4px}.bar .fill{position:absolute;left:0;top:0;bottom:0;border-radius:9px;min-width:2px}
.bar .goal{position:absolute;top:-4px;bottom:-4px;width:3px;margin-left:-1px;background:#1f2329}.bar .expected{position:absolute;top:-6px;bottom:-6px;width:0;margin-left:-1px;border-left:3px dashed #1565c0}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:13px;color:#3d434b}.track.good,.track.warn{background:none}.track.good{color:#2e7d32}.track.warn{color:#c25100}
.alt{font-size:14px;margin-top:4px}.dim{color:#7a8089;font-size:13px;margin-top:2px}details{margin-top:8px}summary{cursor:pointer;color:#1565c0;font-size:14px}
.counties{list-style:none;margin:6px 0 0;padding:0;font-size:14px}.counties li{display:grid;grid-template-columns:8.5em 1fr auto;align-items:center;gap:8px;padding:2px 0}
.counties small{color:#7a8089}.counties a{color:#1f2329;text-decoration:none}.mini{height:8px;background:#eef0f2;border-radius:4px;overflow:hidden}.mini span{display:block;height:100%;background:#90a4ae}.n{min-width:3em;text-align:right}
a.more{display:inline-block;margin-top:8px;font-size:13px;color:#1565c0}footer{max-width:1180px;margin:0 auto;padding:4px 16px 24px;font-size:13px;color:#7a8089}footer a{color:#1565c0}
.key{display:flex;gap:14px;flex-wrap:wrap;font-size:13px;color:#3d434b;margin:0 4px 10px}.key i{display:inline-block;vertical-align:middle;margin-right:4px}.key .k1{width:3px;height:14px;background:#1f2329}.key .k2{width:0;height:14px;border-left:3px dashed #1565c0}
</style></head>
<body><header><h1>2025年“好品山东”目标进展 · ${escapeHtml(where)}</h1><div class="sub">${escapeHtml(progress.plan.title)}</div></header>
<main>
<div class="summary"><span>截至 <b>${day(progress.asOf)}</b></span><span>目标期 ${day(progress.plan.periodStart)}—${lastDay(progress.plan.periodEnd)}（${PERIOD[progress.periodState] ?? progress.periodState}）</span>
<span class="period"><span class="track"><span style="width:${pct(progress.elapsed * 100)}"></span></span>已过 ${Math.round(progress.elapsed * 100)}%</span></div>
<div class="chips">${choices}</div>
<div class="key"><span><i class="k1"></i>目标</span><span><i class="k2"></i>按进度应达（目标期内匀速推进）</span></div>
<div class="grid">${progress.items.map((item) => card(item, links)).join('\n')}</div>
</main>
<footer>数据来自德州市“好品山东”品牌资格登记系统，按${day(progress.asOf)}的状态、截至${day(progress.knownAt)}的登记计算；县（市、区）按企业当时所在地统计。<a href="${escapeHtml(links.json)}">同一结果（JSON）</a></footer>
</body></html>
`
}
