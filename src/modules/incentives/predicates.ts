// The closed vocabulary of eligibility predicates (design §4.3). Each predicate has three faces that
// must agree: `check` (its params, with pointers), `decide` (pure: the facts of one enterprise →
// met / not_met / unknown with a stable code, a Chinese summary, the facts used and the ids of the
// records that decided it) and `sql` (a three-valued SQL expression over enterprise `e` and its
// version `ev` at asOf: TRUE / FALSE / NULL for unknown) for set evaluation. The property test
// (test/modules/incentives/property.test.ts) checks that `sql` and `decide` agree.
import type { FieldError } from '../../lib/problems.ts'

export const PREDICATE_KINDS = [
  'listed', 'hasActiveQualification', 'grantedWithin', 'onCultivationList', 'cultivationStageIn', 'inCounties', 'businessStatusIn',
  'industryIn', 'noRevocationWithin', 'noInterviewWithin', 'noOpenCase', 'noPendingRevocationReferral', 'minStandards',
] as const
export type PredicateKind = (typeof PREDICATE_KINDS)[number]

export const STAGES = ['planned', 'cultivating', 'established'] as const
export const BUSINESS_STATUSES = ['operating', 'abnormal', 'revoked', 'deregistered'] as const
export const SEVERITIES = ['minor', 'serious'] as const

export interface Params {
  listed: Record<string, never>
  hasActiveQualification: { types: string[]; mode: 'any' | 'all'; minCount: number }
  grantedWithin: { types: string[]; withinMonths?: number; from?: string; to?: string; includeRenewals: boolean }
  onCultivationList: { list: string; years?: number[]; sinceYear?: number }
  cultivationStageIn: { stages: string[] }
  inCounties: { codes: string[] }
  businessStatusIn: { statuses: string[] }
  industryIn: { prefixes: string[] }
  noRevocationWithin: { months: number; types?: string[] }
  noInterviewWithin: { months: number }
  noOpenCase: { minSeverity: 'minor' | 'serious' }
  noPendingRevocationReferral: Record<string, never>
  minStandards: { count: number; types?: string[]; withinMonths?: number }
}

export type LeafNode = { [K in PredicateKind]: { id: string; kind: K; params: Params[K]; label?: string } }[PredicateKind]

/** Codes the semantic checks look up. */
export interface Catalog {
  types: Set<string>
  counties: Set<string>
}

// ---------------------------------------------------------------- params

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

class ParamReader {
  readonly errors: FieldError[] = []
  constructor(readonly raw: Record<string, unknown>, readonly ptr: string, allowed: string[]) {
    for (const k of Object.keys(raw).sort()) {
      if (!allowed.includes(k)) this.err(`/${k}`, allowed.length ? `is not a parameter of this predicate; allowed: ${allowed.join(', ')}` : 'this predicate takes no parameters')
    }
  }
  err(sub: string, message: string) {
    this.errors.push({ in: 'body', pointer: `${this.ptr}${sub}`, message })
  }
  int(key: string, min: number, max: number, required: boolean): number | undefined {
    const v = this.raw[key]
    if (v === undefined) {
      if (required) this.err(`/${key}`, 'is required')
      return undefined
    }
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
      this.err(`/${key}`, `must be a whole number from ${min} to ${max}`)
      return undefined
    }
    return v as number
  }
  strings(key: string, opts: { required: boolean; max: number; pattern?: RegExp; allowed?: readonly string[]; known?: Set<string>; what: string; see?: string }): string[] | undefined {
    const v = this.raw[key]
    if (v === undefined) {
      if (opts.required) this.err(`/${key}`, 'is required')
      return undefined
    }
    if (!Array.isArray(v) || v.length < 1 || v.length > opts.max) {
      this.err(`/${key}`, `must be a list of 1 to ${opts.max} ${opts.what}s`)
      return undefined
    }
    const seen = new Set<string>()
    let ok = true
    v.forEach((s, i) => {
      if (typeof s !== 'string' || (opts.pattern && !opts.pattern.test(s))) {
        this.err(`/${key}/${i}`, `is not a ${opts.what}`)
        ok = false
      } else if (opts.allowed && !opts.allowed.includes(s)) {
        this.err(`/${key}/${i}`, `unknown ${opts.what} "${s}"; allowed: ${opts.allowed.join(', ')}`)
        ok = false
      } else if (opts.known && !opts.known.has(s)) {
        this.err(`/${key}/${i}`, `unknown ${opts.what} "${s}"${opts.see ? ` (see ${opts.see})` : ''}`)
        ok = false
      } else if (seen.has(s)) {
        this.err(`/${key}/${i}`, `"${s}" is listed twice`)
        ok = false
      }
      seen.add(s)
    })
    return ok ? (v as string[]) : undefined
  }
}

const TYPE_CODE = /^[A-Z][A-Z0-9_]{2,63}$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/

function instantOf(s: string): Date {
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00+08:00` : s)
}

/** Checks the params of a predicate; returns them with their defaults. */
export function checkParams(kind: PredicateKind, raw: Record<string, unknown>, ptr: string, catalog: Catalog): { params: Params[PredicateKind] } | { errors: FieldError[] } {
  const typeOpts = (required: boolean) => ({ required, max: 20, pattern: TYPE_CODE, known: catalog.types, what: 'qualification type', see: 'GET /v1/qualification-types' })
  let r: ParamReader
  let params: Params[PredicateKind]
  switch (kind) {
    case 'listed':
    case 'noPendingRevocationReferral':
      r = new ParamReader(raw, ptr, [])
      params = {} as Record<string, never>
      break
    case 'hasActiveQualification': {
      r = new ParamReader(raw, ptr, ['types', 'mode', 'minCount'])
      const types = r.strings('types', typeOpts(true))
      const mode = raw.mode ?? 'any'
      if (mode !== 'any' && mode !== 'all') r.err('/mode', 'must be "any" or "all"')
      const minCount = r.int('minCount', 1, 100, false) ?? 1
      params = { types: types ?? [], mode: mode as 'any' | 'all', minCount }
      break
    }
    case 'grantedWithin': {
      r = new ParamReader(raw, ptr, ['types', 'withinMonths', 'from', 'to', 'includeRenewals'])
      const types = r.strings('types', typeOpts(true))
      const withinMonths = r.int('withinMonths', 1, 240, false)
      const p: Params['grantedWithin'] = { types: types ?? [], includeRenewals: false }
      const hasRange = raw.from !== undefined || raw.to !== undefined
      if (withinMonths !== undefined && hasRange) r.err('', 'give withinMonths or from/to, not both')
      else if (withinMonths === undefined && !hasRange && raw.withinMonths === undefined) r.err('', 'give withinMonths or from/to')
      if (withinMonths !== undefined) p.withinMonths = withinMonths
      for (const k of ['from', 'to'] as const) {
        const v = raw[k]
        if (v === undefined) continue
        // Years 1–9999 in UTC, so the stored ISO text compares and casts as an instant (not 0000-… or +010000-…).
        const year = typeof v === 'string' && DATE_TIME.test(v) ? instantOf(v).getUTCFullYear() : NaN
        if (typeof v !== 'string' || !DATE_TIME.test(v) || Number.isNaN(year) || year < 1 || year > 9999) r.err(`/${k}`, 'must be a date-time with offset or a calendar date')
        else p[k] = instantOf(v).toISOString()
      }
      if (p.from && p.to && p.to <= p.from) r.err('/to', 'must be after from')
      if (raw.includeRenewals !== undefined) {
        if (typeof raw.includeRenewals !== 'boolean') r.err('/includeRenewals', 'must be true or false')
        else p.includeRenewals = raw.includeRenewals
      }
      params = p
      break
    }
    case 'onCultivationList': {
      r = new ParamReader(raw, ptr, ['list', 'years', 'sinceYear'])
      const list = raw.list
      if (typeof list !== 'string' || !/^[A-Z][A-Z0-9_]{1,63}$/.test(list)) r.err('/list', 'must be a cultivation list code, e.g. INDUSTRIAL_TOP50')
      const p: Params['onCultivationList'] = { list: String(list) }
      if (raw.years !== undefined && raw.sinceYear !== undefined) r.err('', 'give years or sinceYear, not both')
      if (raw.years !== undefined) {
        if (!Array.isArray(raw.years) || raw.years.length < 1 || raw.years.length > 20 || !raw.years.every((y) => Number.isInteger(y) && y >= 2000 && y <= 2100)) {
          r.err('/years', 'must be a list of 1 to 20 years (2000–2100)')
        } else p.years = [...new Set(raw.years as number[])].sort((a, b) => a - b)
      }
      const since = r.int('sinceYear', 2000, 2100, false)
      if (since !== undefined) p.sinceYear = since
      params = p
      break
    }
    case 'cultivationStageIn':
      r = new ParamReader(raw, ptr, ['stages'])
      params = { stages: r.strings('stages', { required: true, max: 3, allowed: STAGES, what: 'stage' }) ?? [] }
      break
    case 'inCounties':
      r = new ParamReader(raw, ptr, ['codes'])
      params = { codes: r.strings('codes', { required: true, max: 20, pattern: /^\d{6}$/, known: catalog.counties, what: 'county', see: 'GET /v1/counties' }) ?? [] }
      break
    case 'businessStatusIn':
      r = new ParamReader(raw, ptr, ['statuses'])
      params = { statuses: r.strings('statuses', { required: false, max: 4, allowed: BUSINESS_STATUSES, what: 'business status' }) ?? ['operating'] }
      break
    case 'industryIn':
      r = new ParamReader(raw, ptr, ['prefixes'])
      params = { prefixes: r.strings('prefixes', { required: true, max: 50, pattern: /^[A-T]?\d{0,4}$/, what: 'GB/T 4754 code prefix' }) ?? [] }
      if (params.prefixes.some((s) => s === '')) r.err('/prefixes', 'a prefix must not be empty')
      break
    case 'noRevocationWithin': {
      r = new ParamReader(raw, ptr, ['months', 'types'])
      const p: Params['noRevocationWithin'] = { months: r.int('months', 1, 240, true) ?? 0 }
      const types = r.strings('types', typeOpts(false))
      if (types) p.types = types
      params = p
      break
    }
    case 'noInterviewWithin':
      r = new ParamReader(raw, ptr, ['months'])
      params = { months: r.int('months', 1, 240, true) ?? 0 }
      break
    case 'noOpenCase': {
      r = new ParamReader(raw, ptr, ['minSeverity'])
      const s = raw.minSeverity ?? 'minor'
      if (s !== 'minor' && s !== 'serious') r.err('/minSeverity', 'must be "minor" or "serious"')
      params = { minSeverity: s as 'minor' | 'serious' }
      break
    }
    case 'minStandards': {
      r = new ParamReader(raw, ptr, ['count', 'types', 'withinMonths'])
      const p: Params['minStandards'] = { count: r.int('count', 1, 1000, true) ?? 0 }
      const types = r.strings('types', typeOpts(false))
      if (types) p.types = types
      const w = r.int('withinMonths', 1, 240, false)
      if (w !== undefined) p.withinMonths = w
      params = p
      break
    }
  }
  return r.errors.length ? { errors: r.errors } : { params }
}

// ---------------------------------------------------------------- facts

/** One qualification of the enterprise recorded by knownAt, as seen at asOf. */
export interface QualificationFact {
  id: string
  type: string
  typeName: string
  listing: boolean
  standard: boolean
  certificateNo: string | null
  batch: string | null
  grantedAt: Date
  validFrom: Date
  validUntil: Date | null
  renewsId: string | null
  /** Status at asOf as known at knownAt (statusAt). */
  status: string
  /** An annulment was recorded by knownAt. */
  annulled: boolean
}

/** A revocation (qualification_event to revoked) recorded by knownAt. */
export interface RevocationFact {
  qualificationId: string
  seq: number
  type: string
  typeName: string
  effectiveAt: Date
  authority: string | null
  documentNo: string | null
}

/** A supervision case of the enterprise, as its events recorded by knownAt show it at asOf. */
export interface CaseFact {
  id: string
  caseNo: string
  /** The state entered by its last event that occurred by asOf (null: not opened by asOf). */
  state: string | null
  severity: string
  openedAt: Date | null
  /** Times of interviews held (recorded by knownAt). */
  interviews: Date[]
}

export interface EnterpriseFact {
  uscc: string
  name: string
  countyCode: string
  stage: string | null
  businessStatus: string
  industryCode: string | null
  lists: { list: string; year: number }[]
  version: number
}

export interface Facts {
  asOf: Date
  knownAt: Date
  /** null: the enterprise was not recorded by knownAt. */
  enterprise: EnterpriseFact | null
  qualifications: QualificationFact[]
  revocations: RevocationFact[]
  cases: CaseFact[]
}

export interface LeafOutcome {
  result: 'met' | 'not_met' | 'unknown'
  code: string
  summary: string
  facts: Record<string, unknown>
  evidence: { kind: string; id: string }[]
}

// ---------------------------------------------------------------- time windows

/** `d` minus `months` calendar months (UTC calendar; the day clamped to the month's length). */
export function monthsBefore(d: Date, months: number): Date {
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth() - months
  const target = new Date(Date.UTC(y, m, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()))
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(d.getUTCDate(), last))
  return target
}

const SHANGHAI_MS = 8 * 3600_000
/** The calendar day in Asia/Shanghai, YYYY-MM-DD. */
export const day = (d: Date) => new Date(d.getTime() + SHANGHAI_MS).toISOString().slice(0, 10)
/** The year in Asia/Shanghai. */
export const yearOf = (d: Date) => new Date(d.getTime() + SHANGHAI_MS).getUTCFullYear()
const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** The window of a grantedWithin: (start, end] for months, [from, min(to, asOf)] otherwise, as [lower, lowerInclusive, upperExclusive?]. */
function grantWindow(p: Params['grantedWithin'], asOf: Date): { from: Date; fromInclusive: boolean; to: Date | null } {
  if (p.withinMonths !== undefined) return { from: monthsBefore(asOf, p.withinMonths), fromInclusive: false, to: null }
  return { from: p.from ? new Date(p.from) : new Date(-8640000000000000), fromInclusive: true, to: p.to ? new Date(p.to) : null }
}

// ---------------------------------------------------------------- decide

export const STAGE_ZH: Record<string, string> = { planned: '计划培育', cultivating: '培育中', established: '已建成' }
export const BUSINESS_ZH: Record<string, string> = { operating: '存续', abnormal: '经营异常', revoked: '吊销', deregistered: '注销' }
export const STATUS_ZH: Record<string, string> = {
  active: '有效', suspended: '暂停', expired: '已过期', revoked: '已撤销', withdrawn: '已撤回', annulled: '已注销（授予有误）', pending: '未生效',
}

const qualFacts = (qs: QualificationFact[]) =>
  qs.map((q) => ({ id: q.id, type: q.type, certificateNo: q.certificateNo, batch: q.batch, grantedAt: iso(q.grantedAt), validFrom: iso(q.validFrom), validUntil: iso(q.validUntil), statusAtAsOf: q.status }))
const qualEvidence = (qs: QualificationFact[]) => qs.map((q) => ({ kind: 'qualification', id: q.id }))
const versionEvidence = (e: EnterpriseFact) => [{ kind: 'enterprise_version', id: `${e.uscc}:${e.version}` }]
const names = (qs: { typeName: string }[]) => [...new Set(qs.map((q) => q.typeName))].join('、')
const notRecorded = (code: string): LeafOutcome => ({ result: 'unknown', code, summary: '截至 knownAt 尚无该企业的登记记录', facts: { enterprise: null }, evidence: [] })

/** Supervision facts are shown with identifiers only to supervision:read holders. */
const SUPERVISION_HIDDEN = '由监管记录决定（查看详情需 supervision:read）'

function caseFacts(cs: CaseFact[], detailed: boolean, extra: (c: CaseFact) => Record<string, unknown> = () => ({})) {
  if (!detailed) return { facts: { count: cs.length, detail: 'supervision:read' }, evidence: [] }
  return {
    facts: { cases: cs.map((c) => ({ id: c.id, caseNo: c.caseNo, state: c.state, severity: c.severity, openedAt: iso(c.openedAt), ...extra(c) })) },
    evidence: cs.map((c) => ({ kind: 'supervision_case', id: c.id })),
  }
}

/** Evaluates one leaf on an enterprise's facts. `supervisionDetails`: the caller may see case identifiers. */
export function decide(leaf: LeafNode, f: Facts, supervisionDetails: boolean): LeafOutcome {
  const asOf = f.asOf
  const e = f.enterprise
  switch (leaf.kind) {
    case 'listed': {
      const listing = f.qualifications.filter((q) => q.listing)
      const active = listing.filter((q) => q.status === 'active')
      if (active.length) {
        return { result: 'met', code: 'LISTING_ACTIVE', summary: `持有有效的${names(active)}（${active.map((q) => `${day(q.grantedAt)} 授予${q.batch ? `，${q.batch}` : ''}`).join('；')}）`, facts: { qualifications: qualFacts(active) }, evidence: qualEvidence(active) }
      }
      const revs = f.revocations.filter((r) => listing.some((q) => q.id === r.qualificationId) && r.effectiveAt <= asOf)
      const summary = listing.length === 0
        ? `${day(asOf)} 未持有“好品山东”品牌`
        : `“好品山东”品牌在 ${day(asOf)} 不在有效状态，${listing.map((q) => {
            const r = revs.filter((x) => x.qualificationId === q.id).at(-1)
            return r ? `自 ${day(r.effectiveAt)} 起${STATUS_ZH[q.status] ?? q.status}${r.authority || r.documentNo ? `（${[r.authority, r.documentNo].filter(Boolean).join(' ')}）` : ''}` : STATUS_ZH[q.status] ?? q.status
          }).join('；')}`
      return {
        result: 'not_met', code: listing.length === 0 ? 'LISTING_NONE' : 'LISTING_NOT_ACTIVE', summary,
        facts: { qualifications: listing.map((q) => ({ ...qualFacts([q])[0], revocation: (() => { const r = revs.filter((x) => x.qualificationId === q.id).at(-1); return r ? { effectiveAt: iso(r.effectiveAt), authority: r.authority, documentNo: r.documentNo } : null })() })) },
        evidence: [...qualEvidence(listing), ...revs.map((r) => ({ kind: 'qualification_event', id: `${r.qualificationId}:${r.seq}` }))],
      }
    }
    case 'hasActiveQualification': {
      const p = leaf.params
      const active = f.qualifications.filter((q) => p.types.includes(q.type) && q.status === 'active')
      const perType = p.types.map((t) => ({ type: t, count: active.filter((q) => q.type === t).length }))
      const met = p.mode === 'any' ? active.length >= p.minCount : perType.every((t) => t.count >= p.minCount)
      const want = p.mode === 'any' ? `${p.types.join('/')} 任一类型共 ${p.minCount} 项` : `${p.types.join('、')} 每类 ${p.minCount} 项`
      return {
        result: met ? 'met' : 'not_met', code: met ? 'ACTIVE_QUALIFICATIONS_HELD' : 'ACTIVE_QUALIFICATIONS_MISSING',
        summary: `${day(asOf)} 持有有效资质 ${active.length} 项${active.length ? `（${names(active)}）` : ''}，要求${want}`,
        facts: { perType, qualifications: qualFacts(active) }, evidence: qualEvidence(active),
      }
    }
    case 'grantedWithin': {
      const p = leaf.params
      const w = grantWindow(p, asOf)
      const found = f.qualifications.filter((q) => p.types.includes(q.type) && !q.annulled && (p.includeRenewals || q.renewsId === null) &&
        (w.fromInclusive ? q.grantedAt >= w.from : q.grantedAt > w.from) && (w.to === null || q.grantedAt < w.to) && q.grantedAt <= asOf)
      const window = p.withinMonths !== undefined ? `${day(asOf)} 前 ${p.withinMonths} 个月内` : `${p.from ? day(new Date(p.from)) : '不限'} 至 ${p.to ? day(new Date(p.to)) : '不限'}`
      return {
        result: found.length ? 'met' : 'not_met', code: found.length ? 'GRANTED_IN_WINDOW' : 'NOT_GRANTED_IN_WINDOW',
        summary: found.length ? `${window}获得${names(found)}（${found.map((q) => day(q.grantedAt)).join('、')}）` : `${window}未获得 ${p.types.join('/')}${p.includeRenewals ? '' : '（续展不计）'}`,
        facts: { window: { from: iso(w.from.getTime() < -8e15 ? null : w.from), to: iso(w.to), until: iso(asOf) }, qualifications: qualFacts(found) }, evidence: qualEvidence(found),
      }
    }
    case 'onCultivationList': {
      if (!e) return notRecorded('CULTIVATION_LIST_UNKNOWN')
      const p = leaf.params
      const y = yearOf(asOf)
      const rows = e.lists.filter((l) => l.list === p.list && l.year <= y && (!p.years || p.years.includes(l.year)) && (p.sinceYear === undefined || l.year >= p.sinceYear))
      return {
        result: rows.length ? 'met' : 'not_met', code: rows.length ? 'ON_CULTIVATION_LIST' : 'NOT_ON_CULTIVATION_LIST',
        summary: rows.length ? `列入培育名单 ${p.list}（${rows.map((r) => `${r.year} 年`).join('、')}）` : `截至 ${y} 年未列入培育名单 ${p.list}${p.years ? `（${p.years.join('、')} 年）` : p.sinceYear ? `（${p.sinceYear} 年起）` : ''}`,
        facts: { lists: rows, asOfYear: y }, evidence: versionEvidence(e),
      }
    }
    case 'cultivationStageIn': {
      if (!e) return notRecorded('CULTIVATION_STAGE_UNKNOWN')
      if (e.stage === null) return { result: 'unknown', code: 'CULTIVATION_STAGE_UNKNOWN', summary: `${day(asOf)} 培育阶段未登记`, facts: { stage: null }, evidence: versionEvidence(e) }
      const met = leaf.params.stages.includes(e.stage)
      return { result: met ? 'met' : 'not_met', code: met ? 'CULTIVATION_STAGE_MATCHES' : 'CULTIVATION_STAGE_OTHER', summary: `培育阶段：${STAGE_ZH[e.stage] ?? e.stage}${met ? '' : `，要求 ${leaf.params.stages.map((s) => STAGE_ZH[s] ?? s).join('/')}`}`, facts: { stage: e.stage }, evidence: versionEvidence(e) }
    }
    case 'inCounties': {
      if (!e) return notRecorded('COUNTY_UNKNOWN')
      const met = leaf.params.codes.includes(e.countyCode)
      return { result: met ? 'met' : 'not_met', code: met ? 'COUNTY_MATCHES' : 'COUNTY_OTHER', summary: `${day(asOf)} 所在县（市、区）代码 ${e.countyCode}${met ? '' : `，要求 ${leaf.params.codes.join('/')}`}`, facts: { countyCode: e.countyCode }, evidence: versionEvidence(e) }
    }
    case 'businessStatusIn': {
      if (!e) return notRecorded('BUSINESS_STATUS_UNKNOWN')
      const met = leaf.params.statuses.includes(e.businessStatus)
      return { result: met ? 'met' : 'not_met', code: met ? 'BUSINESS_STATUS_MATCHES' : 'BUSINESS_STATUS_OTHER', summary: `经营状态：${BUSINESS_ZH[e.businessStatus] ?? e.businessStatus}${met ? '' : `，要求 ${leaf.params.statuses.map((s) => BUSINESS_ZH[s] ?? s).join('/')}`}`, facts: { businessStatus: e.businessStatus, factsAsOf: day(asOf) }, evidence: versionEvidence(e) }
    }
    case 'industryIn': {
      if (!e) return notRecorded('INDUSTRY_UNKNOWN')
      if (e.industryCode === null) return { result: 'unknown', code: 'INDUSTRY_UNKNOWN', summary: '行业代码未登记', facts: { industryCode: null }, evidence: versionEvidence(e) }
      const code = e.industryCode
      const met = leaf.params.prefixes.some((p) => code.startsWith(p))
      return { result: met ? 'met' : 'not_met', code: met ? 'INDUSTRY_MATCHES' : 'INDUSTRY_OTHER', summary: `行业代码 ${code}${met ? '' : `，要求以 ${leaf.params.prefixes.join('/')} 开头`}`, facts: { industryCode: code }, evidence: versionEvidence(e) }
    }
    case 'noRevocationWithin': {
      const p = leaf.params
      const from = monthsBefore(asOf, p.months)
      const found = f.revocations.filter((r) => r.effectiveAt > from && r.effectiveAt <= asOf && (!p.types || p.types.includes(r.type)))
      return {
        result: found.length ? 'not_met' : 'met', code: found.length ? 'REVOKED_WITHIN' : 'NO_REVOCATION_WITHIN',
        summary: found.length
          ? `${day(asOf)} 前 ${p.months} 个月内有资质被撤销：${found.map((r) => `${r.typeName} 自 ${day(r.effectiveAt)} 起撤销${r.authority || r.documentNo ? `（${[r.authority, r.documentNo].filter(Boolean).join(' ')}）` : ''}`).join('；')}`
          : `${day(asOf)} 前 ${p.months} 个月内无资质被撤销`,
        facts: { window: { from: iso(from), until: iso(asOf) }, revocations: found.map((r) => ({ qualificationId: r.qualificationId, type: r.type, effectiveAt: iso(r.effectiveAt), authority: r.authority, documentNo: r.documentNo })) },
        evidence: found.map((r) => ({ kind: 'qualification_event', id: `${r.qualificationId}:${r.seq}` })),
      }
    }
    case 'noInterviewWithin': {
      const from = monthsBefore(asOf, leaf.params.months)
      const inWindow = (t: Date) => t > from && t <= asOf
      const found = f.cases.filter((c) => c.interviews.some(inWindow))
      const shown = caseFacts(found, supervisionDetails, (c) => ({ interviewsHeld: c.interviews.filter(inWindow).map((t) => t.toISOString()) }))
      return {
        result: found.length ? 'not_met' : 'met', code: found.length ? 'INTERVIEWED_WITHIN' : 'NO_INTERVIEW_WITHIN',
        summary: !supervisionDetails && found.length ? SUPERVISION_HIDDEN : found.length
          ? `${day(asOf)} 前 ${leaf.params.months} 个月内被约谈：${found.map((c) => `${c.caseNo}（${c.interviews.filter(inWindow).map(day).join('、')}）`).join('；')}`
          : `${day(asOf)} 前 ${leaf.params.months} 个月内未被约谈`,
        facts: { window: { from: iso(from), until: iso(asOf) }, ...shown.facts }, evidence: shown.evidence,
      }
    }
    case 'noOpenCase': {
      const p = leaf.params
      const found = f.cases.filter((c) => c.state !== null && c.state !== 'closed' && (p.minSeverity === 'minor' || c.severity === 'serious'))
      const shown = caseFacts(found, supervisionDetails)
      const what = p.minSeverity === 'serious' ? '严重问题' : '任何'
      return {
        result: found.length ? 'not_met' : 'met', code: found.length ? 'OPEN_CASE' : 'NO_OPEN_CASE',
        summary: !supervisionDetails && found.length ? SUPERVISION_HIDDEN : found.length
          ? `${day(asOf)} 有未结的${what}监管案件：${found.map((c) => `${c.caseNo}（${c.openedAt ? `${day(c.openedAt)} 立案` : ''}）`).join('；')}`
          : `${day(asOf)} 无未结的${what}监管案件`,
        facts: shown.facts, evidence: shown.evidence,
      }
    }
    case 'noPendingRevocationReferral': {
      const found = f.cases.filter((c) => c.state === 'referred')
      const shown = caseFacts(found, supervisionDetails)
      return {
        result: found.length ? 'not_met' : 'met', code: found.length ? 'REVOCATION_REFERRAL_PENDING' : 'NO_PENDING_REFERRAL',
        summary: !supervisionDetails && found.length ? SUPERVISION_HIDDEN : found.length
          ? `${day(asOf)} 有报省撤销、尚待决定的案件：${found.map((c) => c.caseNo).join('、')}`
          : `${day(asOf)} 无待决定的撤销报请`,
        facts: shown.facts, evidence: shown.evidence,
      }
    }
    case 'minStandards': {
      const p = leaf.params
      const from = p.withinMonths !== undefined ? monthsBefore(asOf, p.withinMonths) : null
      const found = f.qualifications.filter((q) => (p.types ? p.types.includes(q.type) : q.standard) && !q.annulled && q.grantedAt <= asOf && (from === null || q.grantedAt > from))
      const met = found.length >= p.count
      return {
        result: met ? 'met' : 'not_met', code: met ? 'STANDARDS_ENOUGH' : 'STANDARDS_TOO_FEW',
        summary: `${from ? `${day(asOf)} 前 ${p.withinMonths} 个月内` : `截至 ${day(asOf)}`}主导或参与制定标准 ${found.length} 项，要求至少 ${p.count} 项`,
        facts: { count: found.length, standards: qualFacts(found) }, evidence: qualEvidence(found),
      }
    }
  }
}

// ---------------------------------------------------------------- SQL

/** Statement parameters, numbered in the order they are added. */
export class SqlParams {
  readonly values: unknown[] = []
  add(value: unknown, cast = ''): string {
    this.values.push(value)
    return `$${this.values.length}${cast}`
  }
}

/** The evaluation's moments and aliases as SQL. */
export interface SqlCtx {
  p: SqlParams
  /** Alias of the enterprise (column uscc). */
  e: string
  /** Alias of the enterprise's version at asOf (enterpriseVersionAt). */
  ev: string
  asOf: Date
  /** SQL expressions of the moments. */
  asOfSql: string
  knownAtSql: string
  /** statusAt(q, asOf, knownAt) for a qualification alias. */
  statusAt: (q: string, asOf: string) => string
}

/** The state of case alias `c` at asOf as its events recorded by knownAt show it (null: not opened by then). */
export function caseStateSql(c: string, asOf: string, knownAt: string): string {
  return `(SELECT se.to_state::text FROM supervision_event se WHERE se.case_id = ${c}.id AND se.occurred_at <= ${asOf} AND se.recorded_at <= ${knownAt}
     ORDER BY se.seq DESC LIMIT 1)`
}

/** The severity of case alias `c` at asOf: the last change by then, else as opened, else the case's. */
export function caseSeveritySql(c: string, asOf: string, knownAt: string): string {
  return `coalesce((SELECT se.payload->>'to' FROM supervision_event se WHERE se.case_id = ${c}.id AND se.type = 'severity_changed'
       AND se.occurred_at <= ${asOf} AND se.recorded_at <= ${knownAt} ORDER BY se.seq DESC LIMIT 1),
     (SELECT se.payload->>'severity' FROM supervision_event se WHERE se.case_id = ${c}.id AND se.seq = 1), ${c}.severity::text)`
}

/** A three-valued SQL expression for one leaf. */
export function leafSql(leaf: LeafNode, x: SqlCtx): string {
  const { p, e, ev, asOfSql: asOf, knownAtSql: knownAt } = x
  const annulled = (q: string) => `(${x.statusAt(q, "'infinity'::timestamptz")}) = 'annulled'`
  const quals = (q: string) => `qualification ${q} WHERE ${q}.uscc = ${e}.uscc AND ${q}.recorded_at <= ${knownAt}`
  switch (leaf.kind) {
    case 'listed':
      return `EXISTS (SELECT 1 FROM ${quals('q')} AND q.type_code = ANY (ARRAY(SELECT lt.code FROM qualification_type lt WHERE lt.counts_as_listing))
        AND (${x.statusAt('q', asOf)}) = 'active')`
    case 'hasActiveQualification': {
      const { types, mode, minCount } = leaf.params
      const n = p.add(minCount, '::int')
      if (mode === 'any') return `((SELECT count(*) FROM ${quals('q')} AND q.type_code = ANY (${p.add(types, '::text[]')}) AND (${x.statusAt('q', asOf)}) = 'active') >= ${n})`
      return `NOT EXISTS (SELECT 1 FROM unnest(${p.add(types, '::text[]')}) AS t(code)
        WHERE (SELECT count(*) FROM ${quals('q')} AND q.type_code = t.code AND (${x.statusAt('q', asOf)}) = 'active') < ${n})`
    }
    case 'grantedWithin': {
      const w = grantWindow(leaf.params, x.asOf)
      const lower = w.from.getTime() < -8e15 ? 'true' : `q.granted_at ${w.fromInclusive ? '>=' : '>'} ${p.add(w.from, '::timestamptz')}`
      return `EXISTS (SELECT 1 FROM ${quals('q')} AND q.type_code = ANY (${p.add(leaf.params.types, '::text[]')}) AND ${lower}
        ${w.to ? `AND q.granted_at < ${p.add(w.to, '::timestamptz')}` : ''} AND q.granted_at <= ${asOf}
        ${leaf.params.includeRenewals ? '' : 'AND q.renews_id IS NULL'} AND NOT ${annulled('q')})`
    }
    case 'onCultivationList': {
      const lp = leaf.params
      return `EXISTS (SELECT 1 FROM jsonb_array_elements(${ev}.cultivation_lists) AS l(v)
        WHERE l.v->>'list' = ${p.add(lp.list, '::text')} AND (l.v->>'year')::int <= ${p.add(yearOf(x.asOf), '::int')}
        ${lp.years ? `AND (l.v->>'year')::int = ANY (${p.add(lp.years, '::int[]')})` : ''}
        ${lp.sinceYear !== undefined ? `AND (l.v->>'year')::int >= ${p.add(lp.sinceYear, '::int')}` : ''})`
    }
    case 'cultivationStageIn':
      return `(${ev}.cultivation_stage::text = ANY (${p.add(leaf.params.stages, '::text[]')}))`
    case 'inCounties':
      return `(${ev}.county_code::text = ANY (${p.add(leaf.params.codes, '::text[]')}))`
    case 'businessStatusIn':
      return `(${ev}.business_status::text = ANY (${p.add(leaf.params.statuses, '::text[]')}))`
    case 'industryIn':
      return `(CASE WHEN ${ev}.industry_code IS NULL THEN NULL
        ELSE EXISTS (SELECT 1 FROM unnest(${p.add(leaf.params.prefixes, '::text[]')}) AS pf(v) WHERE starts_with(${ev}.industry_code, pf.v)) END)`
    case 'noRevocationWithin': {
      const from = p.add(monthsBefore(x.asOf, leaf.params.months), '::timestamptz')
      return `NOT EXISTS (SELECT 1 FROM ${quals('q')} ${leaf.params.types ? `AND q.type_code = ANY (${p.add(leaf.params.types, '::text[]')})` : ''}
        AND EXISTS (SELECT 1 FROM qualification_event qe WHERE qe.qualification_id = q.id AND qe.to_status = 'revoked'
          AND qe.recorded_at <= ${knownAt} AND qe.effective_at > ${from} AND qe.effective_at <= ${asOf}))`
    }
    case 'noInterviewWithin': {
      const from = p.add(monthsBefore(x.asOf, leaf.params.months), '::timestamptz')
      return `NOT EXISTS (SELECT 1 FROM supervision_case c JOIN supervision_event se ON se.case_id = c.id
        WHERE c.uscc = ${e}.uscc AND se.type = 'interview_held' AND se.recorded_at <= ${knownAt} AND se.occurred_at > ${from} AND se.occurred_at <= ${asOf})`
    }
    case 'noOpenCase':
      return `NOT EXISTS (SELECT 1 FROM supervision_case c CROSS JOIN LATERAL (SELECT ${caseStateSql('c', asOf, knownAt)} AS state) cs
        WHERE c.uscc = ${e}.uscc AND cs.state IS NOT NULL AND cs.state <> 'closed'
        ${leaf.params.minSeverity === 'serious' ? `AND ${caseSeveritySql('c', asOf, knownAt)} = 'serious'` : ''})`
    case 'noPendingRevocationReferral':
      return `NOT EXISTS (SELECT 1 FROM supervision_case c WHERE c.uscc = ${e}.uscc AND ${caseStateSql('c', asOf, knownAt)} = 'referred')`
    case 'minStandards': {
      const mp = leaf.params
      const typeCond = mp.types ? `q.type_code = ANY (${p.add(mp.types, '::text[]')})` : 'q.type_code = ANY (ARRAY(SELECT st.code FROM qualification_type st WHERE st.is_standard))'
      return `((SELECT count(*) FROM ${quals('q')} AND ${typeCond} AND q.granted_at <= ${asOf}
        ${mp.withinMonths !== undefined ? `AND q.granted_at > ${p.add(monthsBefore(x.asOf, mp.withinMonths), '::timestamptz')}` : ''}
        AND NOT ${annulled('q')}) >= ${p.add(mp.count, '::int')})`
    }
  }
}
