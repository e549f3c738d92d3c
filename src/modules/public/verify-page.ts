// The verification page a consumer sees after scanning a product's 好品山东 mark: one statement
// rendered as a small, self-contained Chinese HTML page for a phone (no scripts, no external files).
import type { StatementDto } from './public.schemas.ts'

type Qualification = StatementDto['qualifications'][number]

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const DAY = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'long', day: 'numeric' })
const MINUTE = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false })

/** A calendar day in Dezhou. */
const day = (iso: string) => DAY.format(new Date(iso))
/** The last day of a validity that ends (exclusively) at `iso`. */
const lastDay = (iso: string) => DAY.format(new Date(new Date(iso).getTime() - 1))

const BRAND_STATUS: Record<string, { text: string; tone: string }> = {
  listed: { text: '“好品山东”品牌企业', tone: 'good' },
  cultivating: { text: '品牌培育企业', tone: 'neutral' },
  none: { text: '暂无有效的品牌资格', tone: 'warn' },
}

const STATUS: Record<string, { text: string; tone: string }> = {
  active: { text: '有效', tone: 'good' },
  pending: { text: '尚未生效', tone: 'neutral' },
  suspended: { text: '暂停', tone: 'warn' },
  expired: { text: '已过期', tone: 'warn' },
  revoked: { text: '已撤销', tone: 'bad' },
  withdrawn: { text: '已放弃', tone: 'warn' },
  annulled: { text: '已撤销登记', tone: 'bad' },
}

const VERB: Record<string, string> = { suspended: '暂停', revoked: '撤销', withdrawn: '注销（企业主动放弃）' }

function validity(q: Qualification): string {
  const from = day(q.validFrom)
  return q.validUntil ? `有效期：${from} 至 ${lastDay(q.validUntil)}` : `有效期：${from} 起，长期有效`
}

/** "revoked on … by … (文号)" in Chinese, or the validity for every other status. */
function statusLine(q: Qualification): string {
  const d = q.decision
  if (d && VERB[q.status]) {
    const by = d.authority ? `由${escapeHtml(d.authority)}` : ''
    const no = d.documentNo ? `（${escapeHtml(d.documentNo)}）` : ''
    return `${day(d.effectiveAt)}起${by}${VERB[q.status]}${no}`
  }
  if (q.status === 'expired' && q.validUntil) return `已于${day(q.validUntil)}到期`
  if (q.status === 'pending') return `自${day(q.validFrom)}起生效`
  return validity(q)
}

function qualificationItem(q: Qualification): string {
  const status = STATUS[q.status] ?? { text: q.status, tone: 'neutral' }
  const rows = [
    q.title ? `<div class="row">名称：${escapeHtml(q.title)}</div>` : '',
    q.certificateNo ? `<div class="row">证书编号：${escapeHtml(q.certificateNo)}</div>` : '',
    q.issuer ? `<div class="row">颁发机构：${escapeHtml(q.issuer)}</div>` : '',
    q.batch ? `<div class="row">批次：${escapeHtml(q.batch)}</div>` : '',
    `<div class="row when">${statusLine(q)}</div>`,
    q.status !== 'active' && q.status !== 'pending' ? `<div class="row dim">${validity(q)}</div>` : '',
  ]
  return `<li class="card"><div class="head"><span class="type">${escapeHtml(q.typeName)}</span><span class="badge ${status.tone}">${status.text}</span></div>${rows.join('')}</li>`
}

export interface PageLinks {
  /** The signed statement (compact JWS) of the same question. */
  jws: string
  /** The same statement as JSON. */
  json: string
  /** Said before "no record" (why there can be none). */
  notice?: string
}

function subjectText(subject: StatementDto['subject']): string {
  if (subject.uscc) return `统一社会信用代码 ${escapeHtml(subject.uscc)}`
  return `证书编号 ${escapeHtml(subject.certificateNo ?? '')}`
}

/** The page for a statement. */
export function verifyPage(statement: StatementDto, links: PageLinks): string {
  const e = statement.enterprise
  let body: string
  if (!e) {
    body = `<section class="result warn"><h2>未查到记录</h2>
<p>${links.notice ? `${escapeHtml(links.notice)}` : ''}本系统中没有${subjectText(statement.subject)}的记录。请勿将其视为“好品山东”品牌；如有疑问，请向德州市市场监督管理局咨询或举报。</p></section>`
  } else {
    const brand = BRAND_STATUS[e.brandStatus] ?? { text: e.brandStatus, tone: 'neutral' }
    const items = statement.qualifications.map(qualificationItem).join('')
    body = `<section class="result ${brand.tone}"><div class="label">核验结果</div><h2>${brand.text}</h2></section>
<section class="enterprise"><h1>${escapeHtml(e.name)}</h1>
<div class="row">统一社会信用代码：${escapeHtml(e.uscc)}</div><div class="row">所在县（市、区）：${escapeHtml(e.countyName)}</div></section>
<h3>品牌与认证</h3>${items ? `<ul>${items}</ul>` : '<p class="dim">暂无品牌或认证记录。</p>'}`
  }
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e ? `${escapeHtml(e.name)} - ` : ''}好品山东品牌核验</title>
<style>
*{box-sizing:border-box}body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei","Noto Sans CJK SC",sans-serif;background:#f4f5f7;color:#1f2329;font-size:16px;line-height:1.6}
header{background:#b71c1c;color:#fff;padding:14px 16px}header .brand{font-size:20px;font-weight:700}header .sub{font-size:13px;opacity:.9}
main{padding:12px;max-width:640px;margin:0 auto}section,.card{background:#fff;border-radius:10px;padding:14px 16px;margin:0 0 12px}
.result h2{margin:0;font-size:22px}.result .label{font-size:13px;color:#646a73}.result.good{border-left:6px solid #2e7d32}.result.neutral{border-left:6px solid #1565c0}
.result.warn{border-left:6px solid #ef6c00}.result.bad{border-left:6px solid #c62828}h1{font-size:20px;margin:0 0 6px;word-break:break-all}
h3{font-size:16px;margin:18px 4px 8px;color:#646a73}ul{list-style:none;margin:0;padding:0}.head{display:flex;justify-content:space-between;align-items:center;gap:8px;margin-bottom:4px}
.type{font-weight:700}.badge{flex:none;font-size:13px;padding:2px 10px;border-radius:999px;color:#fff}.badge.good{background:#2e7d32}.badge.neutral{background:#1565c0}
.badge.warn{background:#ef6c00}.badge.bad{background:#c62828}.row{word-break:break-all}.when{font-weight:600}.dim{color:#8f959e;font-size:14px}
footer{font-size:13px;color:#8f959e;padding:4px 16px 24px;max-width:640px;margin:0 auto;word-break:break-all}footer a{color:#1565c0}
</style></head>
<body><header><div class="brand">好品山东 · 品牌核验</div><div class="sub">德州市“好品山东”品牌资格登记系统</div></header>
<main>${body}</main>
<footer><div>核验时间：${MINUTE.format(new Date(statement.asOf))}（北京时间）</div>${statement.statementId ? `<div>声明编号：${escapeHtml(statement.statementId)}</div>` : ''}
<div><a href="${escapeHtml(links.jws)}">下载签名声明（JWS）</a> · <a href="${escapeHtml(links.json)}">JSON</a> · <a href="/.well-known/jwks.json">验签公钥</a></div></footer>
</body></html>
`
}
