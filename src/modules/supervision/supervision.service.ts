// Supervision cases (动态监管, design §3): opening, events checked by the pure lifecycle, the
// referral to the province with its hold on the named qualifications, and the province's decision,
// which revokes through applyStatusChange in the case's own unit of work. Every write locks the
// case row first, so events on one case run one after the other; the database decides every race.
import { randomUUID } from 'node:crypto'
import type { Transaction } from '../../db/client.ts'
import { assertCountyAccess, type Actor } from '../../lib/actor.ts'
import type { ServiceDeps } from '../../lib/deps.ts'
import { cellsOf, type ExportColumn, type ExportSpec } from '../../lib/export.ts'
import { assertIfMatch } from '../../lib/http.ts'
import { decodeCursor, pageOf } from '../../lib/paging.ts'
import { isUuid, usccFromPath } from '../../lib/path-params.ts'
import { AppError, problems } from '../../lib/problems.ts'
import { instant, notInFuture } from '../../lib/time.ts'
import { checkUscc } from '../../lib/uscc.ts'
import { hasScope, type Principal } from '../../plugins/auth.ts'
import { recordAudit } from '../audit/audit.repository.ts'
import { applyStatusChange, lockForReferral } from '../qualifications/status-change.ts'
import { apply, CASE_STATES, isCityLevel, opened, type CaseFacts, type CaseState } from './case-lifecycle.ts'
import { renderCase } from './case-document.ts'
import * as repo from './supervision.repository.ts'
import type { EventInputDto, ListCasesFilter, OpenCaseInput } from './supervision.schemas.ts'

const ENDING = ['revoked', 'annulled', 'withdrawn']

function cityLevelRequired(actor: Actor, action: string): void {
  if (actor.county) {
    throw new AppError('city_level_required', `${action} is a city-level action; a token for county ${actor.county} may not do it`, { action })
  }
}

/** A case key from the path: a uuid (any case) or a caseNo; anything else is unknown. */
function caseKey(raw: string): string {
  if (isUuid(raw)) return raw.toLowerCase()
  if (/^HPJG-\d{6}-\d{4}-\d{4,}$/.test(raw)) return raw
  throw problems.notFound('supervision case', raw)
}

const iso = (d: Date) => d.toISOString()

/** CSV columns of a case list export (the JSON item's fields; lists of objects are JSON texts joined by `;`). */
export const CASE_COLUMNS: ExportColumn[] = [
  { key: 'id', zh: '案件ID' },
  { key: 'case_no', path: 'caseNo', zh: '案件编号' },
  { key: 'external_ref', path: 'externalRef', zh: '外部文号' },
  { key: 'uscc', zh: '统一社会信用代码' },
  { key: 'enterprise_name', path: 'enterpriseName', zh: '企业名称' },
  { key: 'county_code', path: 'countyCode', zh: '县(市、区)代码' },
  { key: 'county_name', path: 'countyName', zh: '县(市、区)' },
  { key: 'source', zh: '案件来源' },
  { key: 'topic', zh: '问题类别' },
  { key: 'severity', zh: '严重程度' },
  { key: 'title', zh: '案件名称' },
  { key: 'findings', zh: '问题描述' },
  { key: 'problem_occurred_at', path: 'problemOccurredAt', zh: '问题发生时间', time: true },
  { key: 'lead_department_code', path: 'leadDepartmentCode', zh: '牵头部门代码' },
  { key: 'related_case_id', path: 'relatedCaseId', zh: '关联案件ID' },
  { key: 'qualifications', zh: '涉及资质' },
  { key: 'state', zh: '案件状态' },
  { key: 'state_since', path: 'stateSince', zh: '进入状态时间', time: true },
  { key: 'rectification_deadline', path: 'rectification.deadline', zh: '整改期限', time: true },
  { key: 'rectification_overdue', path: 'rectification.overdue', zh: '整改是否逾期' },
  { key: 'referral_referred_at', path: 'referral.referredAt', zh: '报省时间', time: true },
  { key: 'referral_authority', path: 'referral.to.authority', zh: '报送至机关' },
  { key: 'referral_document_no', path: 'referral.documentNo', zh: '报省文号' },
  { key: 'referral_grounds', path: 'referral.grounds', zh: '报省理由' },
  { key: 'referral_qualification_ids', path: 'referral.qualificationIds', zh: '报省撤销资质' },
  { key: 'referral_age_days', path: 'referralAgeDays', zh: '报省已过天数' },
  { key: 'decision_decided_at', path: 'decision.decidedAt', zh: '决定时间', time: true },
  { key: 'decision_effective_at', path: 'decision.effectiveAt', zh: '决定生效时间', time: true },
  { key: 'decision_authority', path: 'decision.authority', zh: '决定机关' },
  { key: 'decision_level', path: 'decision.level', zh: '决定机关层级' },
  { key: 'decision_document_no', path: 'decision.documentNo', zh: '决定文号' },
  { key: 'decision_outcomes', path: 'decision.outcomes', zh: '决定结果' },
  { key: 'legal_referral', path: 'legalReferral', zh: '是否移送司法' },
  { key: 'referral_proposed', path: 'referralProposed', zh: '是否建议报省' },
  { key: 'outcome', zh: '结案结果' },
  { key: 'opened_at', path: 'openedAt', zh: '立案时间', time: true },
  { key: 'closed_at', path: 'closedAt', zh: '结案时间', time: true },
  { key: 'version', zh: '事项数' },
  { key: 'recorded_at', path: 'recordedAt', zh: '登记时间', time: true },
  { key: 'updated_at', path: 'updatedAt', zh: '更新时间', time: true },
  { key: 'as_of', path: 'asOf', zh: '状态时点', time: true },
  { key: 'known_at', path: 'knownAt', zh: '已知时点', time: true },
]

export function createSupervisionService({ db, clock }: ServiceDeps) {
  /** The case after a write, as of now or of the event just recorded if it occurred a moment ahead of the clock. */
  async function caseDoc(tx: Transaction, id: string, occurredAt: Date) {
    const now = clock.now()
    const row = await repo.findCase(tx, id, occurredAt > now ? occurredAt : now, null)
    if (!row) throw new Error(`supervision case ${id} is not readable in its own write`)
    return renderCase(row)
  }

  function listFilter(actor: Actor, f: Omit<ListCasesFilter, 'uscc'> & { uscc?: string | undefined }): repo.ListFilter {
    if (actor.county && f.countyCode && f.countyCode !== actor.county) assertCountyAccess(actor, f.countyCode, 'read supervision cases of')
    const states = f.state?.split(',')
    states?.forEach((s, i) => {
      if (!(CASE_STATES as readonly string[]).includes(s)) throw problems.field('query', '/state', `item ${i} "${s}" is not a case state (${CASE_STATES.join(', ')})`)
    })
    const after = decodeCursor(f.cursor, ['string', 'string'], ([at, id]) => !Number.isNaN(Date.parse(at as string)) && isUuid(id as string)) as [string, string] | undefined
    return {
      countyCode: actor.county ?? f.countyCode,
      uscc: f.uscc,
      states,
      severity: f.severity,
      source: f.source,
      topic: f.topic,
      qualificationId: f.qualificationId?.toLowerCase(),
      overdue: f.overdue,
      referralPending: f.referralPending,
      legalReferral: f.legalReferral,
      referredBefore: instant(f.referredBefore, 'query', '/referredBefore'),
      leadDepartment: f.leadDepartment,
      openedFrom: instant(f.openedFrom, 'query', '/openedFrom'),
      openedTo: instant(f.openedTo, 'query', '/openedTo'),
      updatedSince: instant(f.updatedSince, 'query', '/updatedSince'),
      asOf: instant(f.asOf, 'query', '/asOf') ?? null,
      knownAt: instant(f.knownAt, 'query', '/knownAt') ?? null,
      after: after ? { openedAt: after[0], id: after[1] } : undefined,
      limit: f.limit,
    }
  }

  function page(rows: repo.CaseRow[], limit: number) {
    const { rows: items, nextCursor } = pageOf(rows, limit, (r) => [r.facts.openedAt, r.id])
    return { items: items.map((r) => renderCase(r).doc), nextCursor }
  }

  /**
   * A case list as an export (src/lib/export.ts): the same filter as the page (a county token's
   * county imposed), read in (openedAt, id) batches in the export's snapshot, every case as of the
   * same moments (asOf defaults to the export's knownAt).
   */
  function exportSpec(actor: Actor, f: ListCasesFilter, resource: string, title: string): ExportSpec<[string, string]> {
    const base = listFilter(actor, { ...f, cursor: undefined })
    return {
      resource,
      title,
      columns: CASE_COLUMNS,
      pinnable: true,
      knownAt: base.knownAt ?? undefined,
      async batch(q, knownAt, after, size, shape) {
        const rows = await repo.listCases(q, {
          ...base,
          asOf: base.asOf ?? knownAt,
          knownAt,
          after: after ? { openedAt: after[0], id: after[1] } : undefined,
          limit: size,
        })
        const page = rows.slice(0, size)
        const last = page.at(-1)
        const next: [string, string] | null = rows.length > size && last ? [last.facts.openedAt, last.id] : null
        const items = page.map((r) => renderCase(r).doc)
        return shape === 'cells' ? { cells: cellsOf(items.map((d) => JSON.parse(d)), CASE_COLUMNS), next } : { items, next }
      },
    }
  }

  /** A query's uscc filter, checked. */
  function usccFilter(raw: string | undefined): string | undefined {
    if (raw === undefined) return undefined
    const checked = checkUscc(raw)
    if (!checked.valid) throw problems.field('query', '/uscc', `is not a valid 统一社会信用代码: ${checked.message}`)
    return checked.uscc
  }

  /** Checks a referral's qualifications and holds them for this case (the partial unique index decides races). */
  async function refer(tx: Transaction, locked: repo.LockedCase, seq: number, ids: string[], at: Date): Promise<void> {
    const found = await lockForReferral(tx, ids, at)
    const byId = new Map(found.map((q) => [q.id, q]))
    ids.forEach((id, i) => {
      const q = byId.get(id)
      if (!q) throw problems.field('body', `/payload/qualificationIds/${i}`, `qualification ${id} does not exist`)
      if (q.uscc !== locked.uscc) throw problems.field('body', `/payload/qualificationIds/${i}`, `qualification ${id} is held by ${q.uscc}, not by the case's enterprise ${locked.uscc}`)
    })
    for (const q of found) {
      if (ENDING.includes(q.statusAt)) {
        throw new AppError('invalid_transition', `qualification ${q.id} is ${q.statusAt} at ${iso(at)}; there is nothing left to revoke`, { qualificationId: q.id, currentStatus: q.statusAt, allowedTransitions: [] })
      }
    }
    const [held] = await repo.pendingReferrals(tx, locked.id, ids)
    if (held) throw referralPending(held.qualification_id, held.case_id, held.case_no)
    try {
      await repo.addQualifications(tx, locked.id, seq, ids, true)
    } catch (error) {
      if (repo.referralTaken(error)) throw new AppError('revocation_referral_pending', 'a concurrent referral holds one of the qualifications', { qualificationIds: ids })
      throw error
    }
  }

  function referralPending(qualificationId: string, caseId: string, caseNo: string) {
    return new AppError('revocation_referral_pending', `qualification ${qualificationId} is already referred for revocation by supervision case ${caseNo}`, { caseId, caseNo, qualificationId })
  }

  return {
    async open(actor: Actor, input: OpenCaseInput) {
      const checked = checkUscc(input.uscc)
      if (!checked.valid) throw problems.field('body', '/uscc', `is not a valid 统一社会信用代码: ${checked.message}`, checked.expected ? { expected: checked.expected } : {})
      const uscc = checked.uscc
      const occurredAt = instant(input.occurredAt, 'body', '/occurredAt') ?? clock.now()
      notInFuture(clock, occurredAt, '/occurredAt')
      const problemOccurredAt = instant(input.problemOccurredAt, 'body', '/problemOccurredAt') ?? null
      notInFuture(clock, problemOccurredAt ?? undefined, '/problemOccurredAt')
      const qualificationIds = (input.qualificationIds ?? []).map((id) => id.toLowerCase())
      const department = input.leadDepartmentCode ?? 'MARKET_REGULATION'
      return db.transaction(async (tx) => {
        const ctx = await repo.openContext(tx, uscc, input.externalRef ?? null, input.relatedCaseId ?? null, department, qualificationIds)
        if (!ctx.county_code) throw problems.field('body', '/uscc', `enterprise ${uscc} is not registered (POST /v1/enterprises first)`)
        assertCountyAccess(actor, ctx.county_code, 'open supervision cases on')
        if (ctx.external_ref_case) throw new AppError('supervision_case_exists', `externalRef ${input.externalRef} is case ${ctx.external_ref_case}`, { caseId: ctx.external_ref_case })
        if (input.relatedCaseId && !ctx.related_found) throw problems.field('body', '/relatedCaseId', `supervision case ${input.relatedCaseId} does not exist`)
        if (!ctx.department_found) throw problems.field('body', '/leadDepartmentCode', `unknown department "${department}" (see GET /v1/departments)`)
        const holders = new Map(ctx.qualifications.map((q) => [q.id, q.uscc]))
        qualificationIds.forEach((id, i) => {
          const holder = holders.get(id)
          if (!holder) throw problems.field('body', `/qualificationIds/${i}`, `qualification ${id} does not exist`)
          if (holder !== uscc) throw problems.field('body', `/qualificationIds/${i}`, `qualification ${id} is held by ${holder}, not by ${uscc}`)
        })
        const payload = {
          source: input.source, topic: input.topic, severity: input.severity, title: input.title, findings: input.findings,
          problemOccurredAt: problemOccurredAt ? iso(problemOccurredAt) : null, qualificationIds,
        }
        const facts = opened({ type: 'opened', occurredAt, payload })
        const id = randomUUID()
        try {
          await repo.insertCase(tx, {
            id, uscc, countyCode: ctx.county_code, source: input.source, topic: input.topic, severity: input.severity, title: input.title,
            problemOccurredAt, leadDepartmentCode: department, relatedCaseId: input.relatedCaseId?.toLowerCase() ?? null,
            externalRef: input.externalRef ?? null, openedAt: occurredAt, facts,
          })
        } catch (error) {
          if (repo.externalRefTaken(error)) throw new AppError('supervision_case_exists', `externalRef ${input.externalRef} was taken by a concurrent opening`)
          throw error
        }
        // The writes and the case after them, sent together: one round trip.
        const [event, , after] = await Promise.all([
          repo.insertEvent(tx, {
            caseId: id, seq: 1, type: 'opened', occurredAt, effectiveAt: occurredAt, fromState: null, toState: 'open', authority: null,
            documentNo: input.documentNo ?? null, documents: input.documents ?? [], note: input.note ?? null, payload, facts,
          }, actor),
          repo.addQualifications(tx, id, 1, qualificationIds, false),
          caseDoc(tx, id, occurredAt),
        ])
        const times = { occurredAt, effectiveAt: occurredAt }
        recordAudit(tx, actor, [
          { operation: 'supervision_case.open', entityType: 'supervision_case', entityId: id, before: null, after: after.base, ...times },
          { operation: 'supervision_event.create', entityType: 'supervision_event', entityId: `${id}:1`, before: null, after: event, ...times },
        ])
        return { id, ...after }
      })
    },

    async get(actor: Actor, rawKey: string, asOf?: string, knownAt?: string) {
      const key = caseKey(rawKey)
      const row = await repo.findCase(db, key, instant(asOf, 'query', '/asOf') ?? null, instant(knownAt, 'query', '/knownAt') ?? null)
      if (!row) throw problems.notFound('supervision case', rawKey)
      assertCountyAccess(actor, row.county_code, 'read supervision cases of')
      return renderCase(row)
    },

    async list(actor: Actor, f: ListCasesFilter) {
      return page(await repo.listCases(db, listFilter(actor, { ...f, uscc: usccFilter(f.uscc) })), f.limit)
    },

    /** Every matching case, for GET /v1/supervision-cases?format=csv|ndjson. */
    listExport(actor: Actor, f: ListCasesFilter): ExportSpec<[string, string]> {
      return exportSpec(actor, { ...f, uscc: usccFilter(f.uscc) }, 'supervision-cases', '监管案件')
    },

    async listOfEnterprise(actor: Actor, rawUscc: string, f: Omit<ListCasesFilter, 'uscc'>) {
      const uscc = usccFromPath(rawUscc)
      const rows = await repo.listCases(db, listFilter(actor, { ...f, uscc }))
      if (rows.length === 0 && !(await repo.enterpriseCounty(db, uscc))) throw problems.notFound('enterprise', uscc)
      return page(rows, f.limit)
    },

    /** Every matching case of one enterprise, for GET /v1/enterprises/{uscc}/supervision-cases?format=csv|ndjson (404 for an unknown enterprise). */
    async enterpriseListExport(actor: Actor, rawUscc: string, f: Omit<ListCasesFilter, 'uscc'>): Promise<ExportSpec<[string, string]>> {
      const uscc = usccFromPath(rawUscc)
      if (!(await repo.enterpriseCounty(db, uscc))) throw problems.notFound('enterprise', uscc)
      return exportSpec(actor, { ...f, uscc }, `supervision-cases-${uscc}`, `监管案件-${uscc}`)
    },

    async events(actor: Actor, rawKey: string, knownAt?: string) {
      const found = await repo.listEvents(db, caseKey(rawKey), instant(knownAt, 'query', '/knownAt') ?? null)
      if (!found) throw problems.notFound('supervision case', rawKey)
      assertCountyAccess(actor, found.county_code, 'read supervision cases of')
      return `{"caseId":"${found.id}","knownAt":"${found.known_at}","items":${found.items}}`
    },

    async record(actor: Actor, principal: Principal, rawKey: string, input: EventInputDto, ifMatch: string | undefined) {
      const key = caseKey(rawKey)
      const occurredAt = instant(input.occurredAt, 'body', '/occurredAt')
      notInFuture(clock, occurredAt, '/occurredAt')
      const p = input.payload
      // Times in the payload, as instants, checked against occurredAt.
      const later = (field: string) => {
        const d = instant(p[field] as string | undefined, 'body', `/payload/${field}`)
        if (d && d <= occurredAt) throw problems.field('body', `/payload/${field}`, 'must be after occurredAt')
        return d
      }
      const payload: Record<string, unknown> = { ...p }
      for (const field of ['deadline', 'newDeadline', 'scheduledFor', 'effectiveAt'] as const) {
        if (p[field] === undefined) continue
        const d = field === 'deadline' || field === 'newDeadline' ? later(field) : instant(p[field] as string, 'body', `/payload/${field}`)
        payload[field] = iso(d!)
      }
      if (input.type === 'interview_held' && p.rectificationRequired && !p.deadline) {
        throw problems.field('body', '/payload/deadline', 'is required when rectificationRequired is true')
      }
      if (input.type === 'revocation_referred') payload.qualificationIds = (p.qualificationIds as string[]).map((id) => id.toLowerCase())
      if (input.type === 'province_decision') {
        if (!hasScope(principal, 'revocation:decide')) {
          const description = 'recording the province\'s decision needs the scope revocation:decide'
          throw new AppError('insufficient_scope', description, { requiredScopes: ['supervision:write', 'revocation:decide'] }, {
            'www-authenticate': `Bearer realm="haopin-registry", error="insufficient_scope", error_description="${description}", scope="revocation:decide"`,
          })
        }
        payload.outcomes = (p.outcomes as { qualificationId: string }[]).map((o) => ({ ...o, qualificationId: o.qualificationId.toLowerCase() }))
      }
      return db.transaction(async (tx) => {
        const [locked, now] = await Promise.all([repo.lockCase(tx, key), repo.findCase(tx, key, null, null)])
        if (!locked) throw problems.notFound('supervision case', rawKey)
        // The last event may have occurred a moment ahead of the clock (the tolerated skew): read the case as of it then.
        const before = now && now.version === locked.version ? now : await repo.findCase(tx, locked.id, new Date(locked.facts.lastOccurredAt), null)
        if (!before) throw problems.notFound('supervision case', rawKey)
        assertCountyAccess(actor, locked.county_code, 'act on supervision cases of')
        const facts: CaseFacts = locked.facts
        if (isCityLevel(input.type, facts.state)) cityLevelRequired(actor, input.type === 'closed' ? 'closing a decided case' : input.type)
        const beforeDoc = renderCase(before)
        assertIfMatch(ifMatch, beforeDoc.etag)
        if (facts.state !== 'closed' && occurredAt.getTime() < Date.parse(facts.lastOccurredAt)) {
          throw new AppError('out_of_order_event', `the case's last event occurred at ${facts.lastOccurredAt}; a new event cannot occur before it`, { lastOccurredAt: facts.lastOccurredAt })
        }
        const result = apply(facts, { type: input.type, occurredAt, documentNo: input.documentNo ?? null, payload })
        if ('refused' in result) throw refusal(result)
        const next = result.facts
        const seq = locked.version + 1
        const qualificationChanges: { qualificationId: string; seq: number; toStatus: 'revoked' }[] = []
        let effectiveAt = occurredAt
        if (input.type === 'revocation_referred') {
          await refer(tx, locked, seq, payload.qualificationIds as string[], occurredAt)
        } else if (input.type === 'referral_withdrawn') {
          await repo.releaseReferral(tx, locked.id)
        } else if (input.type === 'province_decision') {
          const decision = next.decision!
          effectiveAt = new Date(decision.effectiveAt)
          const referred = facts.referral!.qualificationIds
          const named = decision.outcomes.map((o) => o.qualificationId)
          const missing = referred.filter((id) => !named.includes(id))
          const extra = named.filter((id) => !referred.includes(id))
          const duplicated = named.filter((id, i) => named.indexOf(id) !== i)
          if (missing.length || extra.length || duplicated.length) {
            throw problems.field('body', '/payload/outcomes', `must name each referred qualification exactly once${missing.length ? `; missing: ${missing.join(', ')}` : ''}${extra.length ? `; not referred: ${extra.join(', ')}` : ''}${duplicated.length ? `; named twice: ${duplicated.join(', ')}` : ''}`, { missing, extra, duplicated })
          }
          const outcomes = (payload.outcomes as { qualificationId: string; outcome: string; reasonCode?: string; reason?: string }[])
          const occurred = locked.problem_occurred_at ? new Date(locked.problem_occurred_at) : null
          // In qualification-id order (outcomes are sorted), as every unit of work locks qualifications.
          for (const o of [...outcomes].sort((a, b) => (a.qualificationId < b.qualificationId ? -1 : 1))) {
            if (o.outcome !== 'revoked') continue
            const applied = await applyStatusChange(tx, actor, {
              qualificationId: o.qualificationId,
              to: 'revoked',
              reasonCode: o.reasonCode ?? 'supervision_revocation',
              reason: o.reason ?? facts.referral!.grounds,
              occurredAt: occurred,
              effectiveAt,
              decision: { authority: decision.authority, level: decision.level, documentNo: decision.documentNo, decidedAt: occurredAt },
              caseLink: { caseId: locked.id, eventSeq: seq },
            }, '/payload').catch((error: unknown) => {
              if (error instanceof AppError && !('qualificationId' in error.extra)) {
                throw new AppError(error.code, error.message, { ...error.extra, qualificationId: o.qualificationId }, error.headers)
              }
              throw error
            })
            qualificationChanges.push({ qualificationId: o.qualificationId, seq: applied.seq, toStatus: 'revoked' })
          }
          await repo.releaseReferral(tx, locked.id)
        }
        // The writes and the case after them, sent together: one round trip.
        const [event, , after] = await Promise.all([
          repo.insertEvent(tx, {
            caseId: locked.id, seq, type: input.type, occurredAt, effectiveAt, fromState: facts.state, toState: next.state,
            authority: input.authority ?? null, documentNo: input.documentNo ?? null, documents: input.documents ?? [], note: input.note ?? null,
            payload, facts: next,
          }, actor),
          repo.updateCase(tx, locked.id, seq, next),
          caseDoc(tx, locked.id, occurredAt),
        ])
        const times = { occurredAt, effectiveAt }
        recordAudit(tx, actor, [
          { operation: 'supervision_case.event', entityType: 'supervision_case', entityId: locked.id, before: beforeDoc.base, after: after.base, ...times },
          { operation: 'supervision_event.create', entityType: 'supervision_event', entityId: `${locked.id}:${seq}`, before: null, after: event, ...times },
        ])
        return {
          id: locked.id,
          seq,
          etag: after.etag,
          doc: `{"event":${event},"case":${after.doc},"qualificationChanges":${JSON.stringify(qualificationChanges)}}`,
        }
      })
    },
  }
}

function refusal(r: Exclude<ReturnType<typeof apply>, { facts: CaseFacts }>): AppError {
  switch (r.refused) {
    case 'case_closed':
      return new AppError('case_closed', `the case was closed at ${r.closedAt} (${r.outcome}); open a new case with relatedCaseId`, { closedAt: r.closedAt, outcome: r.outcome })
    case 'outcome':
      return problems.field('body', '/payload/outcome', `must be one of ${r.allowedOutcomes.join(', ')} in the case's state`, { allowedValues: r.allowedOutcomes })
    case 'guard':
      return new AppError('invalid_case_transition', `${r.guard} (the case is ${r.currentState})`, { currentState: r.currentState, allowedEvents: r.allowedEvents, guard: r.guard })
    default:
      return new AppError('invalid_case_transition', `the case is ${r.currentState}; allowed now: ${r.allowedEvents.join(', ') || 'nothing'}`, { currentState: r.currentState as CaseState, allowedEvents: r.allowedEvents })
  }
}
