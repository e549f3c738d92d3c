// Qualification rules: granting (catalog, certificate numbers, validity, renewal), the lifecycle
// with back-dated changes, and as-of reads. Every write runs in one transaction with its event
// and audit entry; status changes lock the qualification row first so concurrent ones serialise.
import { randomUUID } from 'node:crypto'
import type { Transaction } from '../../db/client.ts'
import { assertCountyAccess, type Actor } from '../../lib/actor.ts'
import type { ServiceDeps } from '../../lib/deps.ts'
import { etagOf } from '../../lib/http.ts'
import type { ExportColumn, ExportSpec } from '../../lib/export.ts'
import { decodeCursor, pageOf } from '../../lib/paging.ts'
import { isUuid, usccFromPath, uuidFromPath } from '../../lib/path-params.ts'
import { instant, notInFuture } from '../../lib/time.ts'
import { AppError, problems } from '../../lib/problems.ts'
import { checkUscc } from '../../lib/uscc.ts'
import { hasScope, type Principal } from '../../plugins/auth.ts'
import { recordAudit } from '../audit/audit.repository.ts'
import * as repo from './qualifications.repository.ts'
import { applyStatusChange } from './status-change.ts'
import type { GrantQualificationInput, ListQualificationsFilter, StatusChangeInput } from './qualifications.schemas.ts'

export interface QualificationResult {
  doc: string
  etag: string
}

/** The ETag covers the qualification's state, not the moment echoed with it. */
const result = (doc: repo.QualificationDoc): QualificationResult => ({ doc: repo.render(doc), etag: etagOf(doc.base) })

const qualificationId = (raw: string) => uuidFromPath(raw, 'qualification')

/** validFrom plus whole months in UTC, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(from: Date, months: number): Date {
  const d = new Date(from)
  const day = d.getUTCDate()
  d.setUTCDate(1)
  d.setUTCMonth(d.getUTCMonth() + months)
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()
  d.setUTCDate(Math.min(day, lastDay))
  return d
}

function pageOfDocs(rows: Awaited<ReturnType<typeof repo.listDocs>>, limit: number) {
  const { rows: page, nextCursor } = pageOf(rows, limit, (r) => [r.grantedAt, r.id])
  return { items: page.map((r) => repo.render(r)), nextCursor }
}

/** CSV columns of a qualification list export, in the order of the repository's cells. */
export const QUALIFICATION_COLUMNS: ExportColumn[] = [
  { key: 'id', zh: '资质编号' },
  { key: 'uscc', zh: '统一社会信用代码' },
  { key: 'enterprise_name', path: 'enterpriseName', zh: '企业名称' },
  { key: 'county_code', path: 'countyCode', zh: '县(市、区)代码' },
  { key: 'type', zh: '资格类型代码' },
  { key: 'type_name', path: 'typeName', zh: '资格类型' },
  { key: 'certificate_no', path: 'certificateNo', zh: '证书编号' },
  { key: 'title', zh: '名称' },
  { key: 'scope', zh: '范围' },
  { key: 'issuer', zh: '授予机关' },
  { key: 'issuer_level', path: 'issuerLevel', zh: '授予机关层级' },
  { key: 'granted_at', path: 'grantedAt', zh: '授予时间', time: true },
  { key: 'valid_from', path: 'validFrom', zh: '有效期起', time: true },
  { key: 'valid_until', path: 'validUntil', zh: '有效期至', time: true },
  { key: 'batch', zh: '批次' },
  { key: 'renews', zh: '续期自' },
  { key: 'renewed_by', path: 'renewedBy', zh: '续期为' },
  { key: 'status', zh: '状态' },
  { key: 'version', zh: '版本' },
  { key: 'recorded_at', path: 'recordedAt', zh: '登记时间', time: true },
  { key: 'updated_at', path: 'updatedAt', zh: '更新时间', time: true },
  { key: 'as_of', path: 'asOf', zh: '状态时点', time: true },
  { key: 'known_at', path: 'knownAt', zh: '已知时点', time: true },
]

export function createQualificationService({ db, clock }: ServiceDeps) {
  function listFilter(f: Omit<ListQualificationsFilter, 'uscc' | 'countyCode'> & { uscc?: string; countyCode?: string | undefined }): repo.ListFilter {
    const after = decodeCursor(f.cursor, ['string', 'string'], ([at, id]) => !Number.isNaN(new Date(at as string).getTime()) && isUuid(id as string)) as
      | [string, string]
      | undefined
    return {
      type: f.type,
      status: f.status,
      countyCode: f.countyCode,
      uscc: f.uscc,
      grantedFrom: instant(f.grantedFrom, 'query', '/grantedFrom'),
      grantedTo: instant(f.grantedTo, 'query', '/grantedTo'),
      expiringBefore: instant(f.expiringBefore, 'query', '/expiringBefore'),
      asOf: instant(f.asOf, 'query', '/asOf') ?? null,
      knownAt: instant(f.knownAt, 'query', '/knownAt') ?? null,
      after: after ? { grantedAt: new Date(after[0]), id: after[1] } : undefined,
      limit: f.limit,
    }
  }

  async function grantIn(tx: Transaction, actor: Actor, uscc: string, input: GrantQualificationInput): Promise<QualificationResult & { id: string }> {
    const grantedAt = instant(input.grantedAt, 'body', '/grantedAt')
    notInFuture(clock, grantedAt, '/grantedAt')
    const validFrom = instant(input.validFrom, 'body', '/validFrom') ?? grantedAt
    const explicitUntil = input.validUntil === undefined ? undefined : input.validUntil === null ? null : instant(input.validUntil, 'body', '/validUntil')
    if (explicitUntil && explicitUntil <= validFrom) throw problems.field('body', '/validUntil', 'must be after validFrom')

    const context = await repo.grantContext(tx, uscc, input.type, input.certificateNo ?? null)
    if (!context.county_code) throw problems.notFound('enterprise', uscc)
    assertCountyAccess(actor, context.county_code, 'grant qualifications to')
    const type = context.type
    if (!type) throw problems.field('body', '/type', `unknown qualification type "${input.type}" (see GET /v1/qualification-types)`)
    if (type.certificate_based && !input.certificateNo) {
      throw problems.field('body', '/certificateNo', `is required: ${input.type} is certificate-based`)
    }
    const validUntil =
      explicitUntil !== undefined ? explicitUntil : type.default_validity_months ? addMonths(validFrom, type.default_validity_months) : null

    if (input.renews) {
      const renewed = await repo.lockQualification(tx, input.renews.toLowerCase())
      if (!renewed) throw problems.field('body', '/renews', `qualification ${input.renews} does not exist`)
      if (renewed.uscc !== uscc || renewed.type_code !== input.type) {
        throw problems.field('body', '/renews', `qualification ${renewed.id} is a ${renewed.type_code} of ${renewed.uscc}; a renewal keeps the enterprise and the type`)
      }
      if (renewed.renewed_by) {
        throw new AppError('already_renewed', `qualification ${renewed.id} is already renewed by ${renewed.renewed_by}`, { renewedBy: renewed.renewed_by })
      }
      if (['revoked', 'annulled', 'withdrawn'].includes(renewed.status)) {
        throw new AppError('conflict', `qualification ${renewed.id} is ${renewed.status}; only an active, suspended or expired qualification can be renewed`, { currentStatus: renewed.status })
      }
    }
    if (context.certificate_holder) throw certificateTaken(input.type, input.certificateNo!, context.certificate_holder)

    const id = randomUUID()
    // The qualification, its first event and its document, sent together in one round trip; a
    // unique rule taken meanwhile fails the insert and the rest.
    const inserted = repo.insertQualification(tx, {
      id,
      uscc,
      type: input.type,
      certificateNo: input.certificateNo ?? null,
      title: input.title ?? null,
      scope: input.scope ?? null,
      issuer: input.issuer,
      issuerLevel: input.issuerLevel,
      grantedAt,
      validFrom,
      validUntil,
      batch: input.batch ?? null,
      renews: input.renews?.toLowerCase() ?? null,
      documents: input.documents ?? [],
    })
    const appended = repo.appendEvent(tx, {
      qualificationId: id,
      from: null,
      to: 'active',
      reasonCode: input.renews ? 'renewal' : 'grant',
      reason: null,
      occurredAt: null,
      effectiveAt: grantedAt,
      decision: { authority: input.issuer, level: input.issuerLevel, documentNo: null, decidedAt: grantedAt },
    }, actor)
    const document = repo.currentDoc(tx, id)
    let event: Awaited<typeof appended>
    let doc: repo.QualificationDoc
    try {
      ;[, event, doc] = await Promise.all([inserted, appended, document])
    } catch (error) {
      // A concurrent grant took the number or the renewal between the checks and the insert.
      const taken = repo.takenRule(error)
      if (taken === 'renewal') throw new AppError('already_renewed', `qualification ${input.renews} is already renewed`)
      if (taken === 'certificate') throw certificateTaken(input.type, input.certificateNo!, null)
      throw error
    }
    recordAudit(tx, actor, [
      { operation: 'qualification.grant', entityType: 'qualification', entityId: id, before: null, after: doc.base, effectiveAt: grantedAt },
      { operation: 'qualification_event.create', entityType: 'qualification_event', entityId: `${id}:${event.seq}`, before: null, after: event.doc, effectiveAt: grantedAt },
    ])
    return { ...result(doc), id }
  }

  return {
    async get(rawId: string, asOf?: string, knownAt?: string): Promise<QualificationResult> {
      const id = qualificationId(rawId)
      const doc = await repo.findDoc(db, id, instant(asOf, 'query', '/asOf') ?? null, instant(knownAt, 'query', '/knownAt') ?? null)
      if (!doc) throw problems.notFound('qualification', id)
      return result(doc)
    },

    async list(filter: ListQualificationsFilter) {
      let uscc: string | undefined
      if (filter.uscc !== undefined) {
        const checked = checkUscc(filter.uscc)
        if (!checked.valid) throw problems.field('query', '/uscc', `is not a valid 统一社会信用代码: ${checked.message}`)
        uscc = checked.uscc
      }
      return pageOfDocs(await repo.listDocs(db, listFilter({ ...filter, uscc })), filter.limit)
    },

    /**
     * The whole list as an export (src/lib/export.ts): batches in grant order in the export's
     * snapshot, every one as of the same moments (asOf defaults to the export's knownAt).
     */
    exportSpec(filter: ListQualificationsFilter): ExportSpec<[string, string]> {
      let uscc: string | undefined
      if (filter.uscc !== undefined) {
        const checked = checkUscc(filter.uscc)
        if (!checked.valid) throw problems.field('query', '/uscc', `is not a valid 统一社会信用代码: ${checked.message}`)
        uscc = checked.uscc
      }
      const base = listFilter({ ...filter, cursor: undefined, uscc })
      return {
        resource: 'qualifications',
        title: '资质名录',
        columns: QUALIFICATION_COLUMNS,
        pinnable: true,
        knownAt: base.knownAt ?? undefined,
        async batch(q, knownAt, after, size, shape) {
          const f: repo.ListFilter = {
            ...base,
            asOf: base.asOf ?? knownAt,
            knownAt,
            after: after ? { grantedAt: new Date(after[0]), id: after[1] } : undefined,
            limit: size,
          }
          const rows = shape === 'cells' ? await repo.listCells(q, f) : await repo.listDocs(q, f)
          const last = rows.length > size ? rows[size - 1] : undefined
          const next: [string, string] | null = last ? [last.grantedAt, last.id] : null
          if (rows.length > size) rows.length = size
          return shape === 'cells'
            ? { cells: (rows as Awaited<ReturnType<typeof repo.listCells>>).map((r) => r.cells), next }
            : { items: (rows as Awaited<ReturnType<typeof repo.listDocs>>).map((r) => repo.render(r)), next }
        },
      }
    },

    async listOfEnterprise(rawUscc: string, filter: Omit<ListQualificationsFilter, 'uscc' | 'countyCode'>) {
      const uscc = usccFromPath(rawUscc)
      const rows = await repo.listDocs(db, listFilter({ ...filter, uscc }))
      if (rows.length === 0 && !(await repo.enterpriseCounty(db, uscc))) throw problems.notFound('enterprise', uscc)
      return pageOfDocs(rows, filter.limit)
    },

    async history(rawId: string, knownAt?: string) {
      const id = qualificationId(rawId)
      const found = await repo.history(db, id, instant(knownAt, 'query', '/knownAt') ?? null)
      if (!found) throw problems.notFound('qualification', id)
      return `{"qualificationId":"${id}","knownAt":"${found.knownAt}","items":${found.items}}`
    },

    /**
     * Records a grant in the caller's unit of work: the qualification, its first history event and
     * their audit entries. A unique rule taken by a concurrent grant fails the insert (409).
     */
    grantIn,

    async grant(actor: Actor, rawUscc: string, input: GrantQualificationInput): Promise<QualificationResult & { id: string }> {
      const uscc = usccFromPath(rawUscc)
      return db.transaction((tx) => grantIn(tx, actor, uscc, input))
    },

    async changeStatus(actor: Actor, principal: Principal, rawId: string, input: StatusChangeInput, ifMatch: string | undefined) {
      const id = qualificationId(rawId)
      // Annulment ends a listing and frees the certificate number as revocation does: the same right decides both.
      if ((input.to === 'revoked' || input.to === 'annulled') && !hasScope(principal, 'revocation:decide')) {
        const description = `${input.to === 'revoked' ? 'revoking' : 'annulling'} a qualification needs the scope revocation:decide`
        throw new AppError('insufficient_scope', description, { requiredScopes: ['qualifications:write', 'revocation:decide'] }, {
          'www-authenticate': `Bearer realm="haopin-registry", error="insufficient_scope", error_description="${description}", scope="revocation:decide"`,
        })
      }
      const effectiveAt = instant(input.effectiveAt, 'body', '/effectiveAt')
      const occurredAt = instant(input.occurredAt, 'body', '/occurredAt')
      const decidedAt = instant(input.decision.decidedAt, 'body', '/decision/decidedAt')
      notInFuture(clock, occurredAt, '/occurredAt')
      notInFuture(clock, decidedAt, '/decision/decidedAt')
      const applied = await db.transaction((tx) =>
        applyStatusChange(tx, actor, {
          qualificationId: id,
          to: input.to,
          reasonCode: input.reasonCode,
          reason: input.reason,
          occurredAt: occurredAt ?? null,
          effectiveAt,
          decision: { authority: input.decision.authority, level: input.decision.level, documentNo: input.decision.documentNo ?? null, decidedAt: decidedAt ?? null },
          ifMatch,
        }),
      )
      return { id, doc: `{"change":${applied.change},"qualification":${repo.render(applied.qualification)}}`, etag: etagOf(applied.qualification.base) }
    },
  }
}

function certificateTaken(type: string, certificateNo: string, holder: string | null) {
  return new AppError(
    'certificate_number_taken',
    `certificate number ${certificateNo} of ${type} is already used${holder ? ` by qualification ${holder}` : ''}; only an annulled qualification frees its number`,
    holder ? { qualificationId: holder } : {},
  )
}
