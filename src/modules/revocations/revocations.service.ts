// The revocation register's rules: filters read and checked, knownAt pinned into the cursor so that
// every page answers from the same knowledge, exports over the same SQL (src/lib/export.ts).
import type { ServiceDeps } from '../../lib/deps.ts'
import { cellsOf, type ExportColumn, type ExportSpec } from '../../lib/export.ts'
import { decodeCursor, encodeCursor } from '../../lib/paging.ts'
import { problems } from '../../lib/problems.ts'
import { instant } from '../../lib/time.ts'
import { checkUscc } from '../../lib/uscc.ts'
import { sealAudit } from '../audit/audit.repository.ts'
import * as repo from './revocations.repository.ts'
import { STATS_DIMENSIONS, type RevocationQueryInput, type RevocationStatsQueryInput, type StatsDimension } from './revocations.schemas.ts'

/** CSV columns of a register export (nested objects flattened with `_`), in the order of the repository's cells. */
export const REVOCATION_COLUMNS: ExportColumn[] = [
  { key: 'id', zh: '记录编号' },
  { key: 'qualification_id', path: 'qualificationId', zh: '资质编号' },
  { key: 'seq', zh: '序号' },
  { key: 'uscc', zh: '统一社会信用代码' },
  { key: 'enterprise_name', path: 'enterpriseName', zh: '企业名称' },
  { key: 'county_code', path: 'countyCode', zh: '县(市、区)代码' },
  { key: 'county_name', path: 'countyName', zh: '县(市、区)' },
  { key: 'type', zh: '资格类型代码' },
  { key: 'type_name', path: 'typeName', zh: '资格类型' },
  { key: 'certificate_no', path: 'certificateNo', zh: '证书编号' },
  { key: 'batch', zh: '批次' },
  { key: 'from_status', path: 'fromStatus', zh: '原状态' },
  { key: 'to_status', path: 'toStatus', zh: '新状态' },
  { key: 'reason_code', path: 'reasonCode', zh: '原因代码' },
  { key: 'reason', zh: '原因' },
  { key: 'occurred_at', path: 'occurredAt', zh: '问题发生时间', time: true },
  { key: 'effective_at', path: 'effectiveAt', zh: '生效时间', time: true },
  { key: 'decided_at', path: 'decidedAt', zh: '决定时间', time: true },
  { key: 'recorded_at', path: 'recordedAt', zh: '登记时间', time: true },
  { key: 'recording_lag_seconds', path: 'recordingLagSeconds', zh: '登记滞后(秒)' },
  { key: 'decision_authority', path: 'decision.authority', zh: '决定机关' },
  { key: 'decision_level', path: 'decision.level', zh: '决定机关层级' },
  { key: 'decision_document_no', path: 'decision.documentNo', zh: '决定文号' },
  { key: 'via_case', path: 'viaCase', zh: '是否经监管案件' },
  { key: 'case_id', path: 'case.id', zh: '监管案件ID' },
  { key: 'case_no', path: 'case.caseNo', zh: '监管案件编号' },
  { key: 'case_referred_at', path: 'case.referredAt', zh: '报省时间', time: true },
  { key: 'case_referral_document_no', path: 'case.referralDocumentNo', zh: '报省文号' },
  { key: 'case_referral_authority', path: 'case.referralAuthority', zh: '报送机关' },
  { key: 'actor_sub', path: 'actor.sub', zh: '登记人' },
  { key: 'actor_county', path: 'actor.county', zh: '登记人县区' },
  { key: 'actor_dept', path: 'actor.dept', zh: '登记人部门' },
  { key: 'actor_request_id', path: 'actor.requestId', zh: '请求编号' },
  { key: 'audit_seq', path: 'audit.seq', zh: '审计链位置' },
  { key: 'audit_hash', path: 'audit.hash', zh: '审计链哈希' },
]

const STATS_ZH: Record<StatsDimension | 'countyName' | 'count', string> = {
  county: '县(市、区)代码',
  countyName: '县(市、区)',
  type: '资格类型代码',
  authority: '决定机关',
  level: '决定机关层级',
  effectiveMonth: '生效月份',
  recordedMonth: '登记月份',
  viaCase: '是否经监管案件',
  count: '数量',
}

type Filters = Omit<RevocationStatsQueryInput, 'groupBy' | 'format' | 'header'>

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export function createRevocationService({ db, clock }: ServiceDeps) {
  /** The filter as SQL parameters; knownAt is the pinned one when given. */
  function filterOf(q: Filters, pinnedKnownAt?: Date): repo.RegisterFilter {
    let uscc: string | undefined
    if (q.uscc !== undefined) {
      const checked = checkUscc(q.uscc)
      if (!checked.valid) throw problems.field('query', '/uscc', `is not a valid 统一社会信用代码: ${checked.message}`)
      uscc = checked.uscc
    }
    const now = clock.now()
    const asked = pinnedKnownAt ?? instant(q.knownAt, 'query', '/knownAt') ?? now
    return {
      knownAt: asked > now ? now : asked,
      toStatus: q.toStatus ? [...new Set(q.toStatus.split(','))] : ['revoked'],
      countyCode: q.countyCode,
      types: q.type ? [...new Set(q.type.split(','))] : undefined,
      uscc,
      qualificationId: q.qualificationId,
      certificateNo: q.certificateNo,
      authority: q.authority,
      authorityContains: q.authorityContains,
      level: q.level,
      documentNo: q.documentNo,
      reasonCode: q.reasonCode,
      effectiveFrom: instant(q.effectiveFrom, 'query', '/effectiveFrom'),
      effectiveTo: instant(q.effectiveTo, 'query', '/effectiveTo'),
      recordedFrom: instant(q.recordedFrom, 'query', '/recordedFrom'),
      recordedTo: instant(q.recordedTo, 'query', '/recordedTo'),
      decidedFrom: instant(q.decidedFrom, 'query', '/decidedFrom'),
      decidedTo: instant(q.decidedTo, 'query', '/decidedTo'),
      occurredFrom: instant(q.occurredFrom, 'query', '/occurredFrom'),
      occurredTo: instant(q.occurredTo, 'query', '/occurredTo'),
      minRecordingLagHours: q.minRecordingLagHours,
      viaCase: q.viaCase,
      caseId: q.caseId,
      actor: q.actor,
    }
  }

  return {
    async list(q: RevocationQueryInput) {
      // The cursor: [knownAt, order, key time, id]. knownAt from it wins over the query's.
      const cursor = decodeCursor(q.cursor, ['string', 'string', 'string', 'string'], ([k, o, at, id]) =>
        ISO.test(k as string) && o === q.order && ISO.test(at as string) && /^\d{1,19}$/.test(id as string)) as [string, string, string, string] | undefined
      const f = filterOf(q, cursor ? new Date(cursor[0]) : undefined)
      // Items carry their audit entries' chain positions, which are final: when an entry on the page
      // is committed but not chained yet, the chain is sealed (waiting for a pass in progress) and the
      // page read again. Most pages have none pending, and are answered without touching the sealer.
      const after = cursor ? { at: cursor[2], id: cursor[3] } : undefined
      let rows = await repo.registerPage(db, f, q.order, after, q.limit + 1)
      if (rows.some((r) => r.pending)) {
        await sealAudit(db, true)
        rows = await repo.registerPage(db, f, q.order, after, q.limit + 1)
      }
      const page = rows.slice(0, q.limit)
      const last = page.at(-1)
      const knownAt = f.knownAt.toISOString()
      const nextCursor = rows.length > q.limit && last ? encodeCursor([knownAt, q.order, last.key_at, last.id]) : null
      return { json: `{"knownAt":"${knownAt}","items":[${page.map((r) => r.item).join(',')}],"nextCursor":${JSON.stringify(nextCursor)}}`, nextCursor }
    },

    exportSpec(q: RevocationQueryInput): ExportSpec<{ at: string; id: string }> {
      const base = filterOf(q)
      return {
        resource: 'revocations',
        title: '好品山东资格撤销登记',
        columns: REVOCATION_COLUMNS,
        pinnable: true,
        knownAt: q.knownAt === undefined ? undefined : base.knownAt,
        async batch(on, knownAt, after, size, shape) {
          const f = { ...base, knownAt }
          const rows = shape === 'cells' ? await repo.registerPage(on, f, q.order, after, size + 1, 'cells') : await repo.registerPage(on, f, q.order, after, size + 1)
          const last = rows.length > size ? rows[size - 1] : undefined
          const next = last ? { at: last.key_at, id: last.id } : null
          if (rows.length > size) rows.length = size
          return shape === 'cells' ? { cells: (rows as repo.RegisterCellsRow[]).map((r) => r.cells), next } : { items: (rows as repo.RegisterRow[]).map((r) => r.item), next }
        },
      }
    },

    groupByOf(q: RevocationStatsQueryInput): StatsDimension[] {
      const dims = q.groupBy ? q.groupBy.split(',') as StatsDimension[] : []
      if (dims.length === 2 && dims[0] === dims[1]) throw problems.field('query', '/groupBy', `names ${dims[0]} twice; dimensions: ${STATS_DIMENSIONS.join(', ')}`)
      return dims
    },

    async stats(q: RevocationStatsQueryInput) {
      const groupBy = this.groupByOf(q)
      const f = filterOf(q)
      const groups = await repo.registerStats(db, f, groupBy)
      const total = groups.reduce((n, g) => n + (JSON.parse(g) as { count: number }).count, 0)
      return `{"knownAt":"${f.knownAt.toISOString()}","groupBy":${JSON.stringify(groupBy)},"total":${total},"groups":[${groups.join(',')}]}`
    },

    statsExportSpec(q: RevocationStatsQueryInput): ExportSpec<never> {
      const groupBy = this.groupByOf(q)
      const base = filterOf(q)
      const names = groupBy.flatMap((d) => (d === 'county' ? ['county', 'countyName'] : [d])) as (keyof typeof STATS_ZH)[]
      return {
        resource: 'revocation-stats',
        title: '好品山东资格撤销统计',
        columns: [...names, 'count' as const].map((n) => ({ key: n.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), path: n, zh: STATS_ZH[n] })),
        pinnable: true,
        knownAt: q.knownAt === undefined ? undefined : base.knownAt,
        async batch(on, knownAt, _after, _size, shape) {
          const groups = await repo.registerStats(on, { ...base, knownAt }, groupBy)
          return shape === 'cells' ? { cells: cellsOf(groups.map((g) => JSON.parse(g)), this.columns), next: null } : { items: groups, next: null }
        },
      }
    },
  }
}
