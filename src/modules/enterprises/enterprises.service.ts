// Enterprise rules: USCC check, county existence and boundaries, create/patch/batch upsert. Writes
// compose into the caller's unit of work (upsert, patch) and are audited with the enterprise's
// document before and after. Reads return the SQL-built document as text.
import type { Queryable, Transaction } from '../../db/client.ts'
import { assertCountyAccess, type Actor } from '../../lib/actor.ts'
import type { ServiceDeps } from '../../lib/deps.ts'
import { assertIfMatch } from '../../lib/http.ts'
import { cellsOf, type ExportColumn, type ExportSpec } from '../../lib/export.ts'
import { decodeCursor, encodeCursor } from '../../lib/paging.ts'
import { usccFromPath } from '../../lib/path-params.ts'
import { AppError, problemBody, problems, type FieldError } from '../../lib/problems.ts'
import { instant } from '../../lib/time.ts'
import { checkUscc } from '../../lib/uscc.ts'
import { validator } from '../../lib/validate.ts'
import { recordAudit } from '../audit/audit.repository.ts'
import * as docs from './document-cache/index.ts'
import type { EnterpriseDocument } from './document.sql.ts'
import * as repo from './enterprises.repository.ts'
import { CreateEnterprise, type CreateEnterpriseInput, type ListEnterprisesFilter, type PatchEnterpriseInput } from './enterprises.schemas.ts'

export type Outcome = 'created' | 'updated' | 'unchanged'

export type EnterpriseDoc = Pick<EnterpriseDocument, 'doc' | 'etag'>

/** An enterprise to write: its normalised USCC and the create-shaped input. */
export interface EnterpriseItem {
  uscc: string
  input: CreateEnterpriseInput
}

function normaliseUscc(raw: string, pointer = '/uscc', where: FieldError['in'] = 'body'): string {
  const result = checkUscc(raw)
  if (!result.valid) throw problems.field(where, pointer, `is not a valid 统一社会信用代码: ${result.message}`, result.expected ? { expected: result.expected } : {})
  return result.uscc
}

function rowFrom(input: Partial<CreateEnterpriseInput>, uscc: string, base?: repo.EnterpriseRow): repo.EnterpriseRow {
  const pick = <K extends keyof CreateEnterpriseInput, V>(key: K, fallback: V) =>
    key in input ? ((input[key] ?? null) as unknown as V) : fallback
  return {
    uscc,
    name: input.name ?? base?.name ?? '',
    county_code: input.countyCode ?? base?.county_code ?? '',
    industry_code: pick('industryCode', base?.industry_code ?? null),
    address: pick('address', base?.address ?? null),
    legal_representative: pick('legalRepresentative', base?.legal_representative ?? null),
    contact_name: 'contact' in input ? (input.contact?.name ?? null) : (base?.contact_name ?? null),
    contact_phone: 'contact' in input ? (input.contact?.phone ?? null) : (base?.contact_phone ?? null),
    contact_email: 'contact' in input ? (input.contact?.email ?? null) : (base?.contact_email ?? null),
    cultivation_stage: pick('cultivationStage', base?.cultivation_stage ?? null),
    business_status: input.businessStatus ?? base?.business_status ?? 'operating',
    cultivation_lists: 'cultivationLists' in input ? (input.cultivationLists ?? []) : (base?.cultivation_lists ?? []),
  }
}

/** JSON Merge Patch onto a stored row: null removes, `contact` merges field by field. */
function mergePatch(base: repo.EnterpriseRow, patch: PatchEnterpriseInput): repo.EnterpriseRow {
  const { contact: _contact, ...rest } = patch
  const row = rowFrom(rest as Partial<CreateEnterpriseInput>, base.uscc, base)
  if ('contact' in patch) {
    const c = patch.contact
    row.contact_name = c === null ? null : c && 'name' in c ? (c.name ?? null) : base.contact_name
    row.contact_phone = c === null ? null : c && 'phone' in c ? (c.phone ?? null) : base.contact_phone
    row.contact_email = c === null ? null : c && 'email' in c ? (c.email ?? null) : base.contact_email
  }
  if ('cultivationLists' in patch && patch.cultivationLists === null) row.cultivation_lists = []
  return row
}

const checkCreateItem = validator<CreateEnterpriseInput>(CreateEnterprise)

/** CSV columns of an enterprise list export (the summary's fields; `view=full` NDJSON carries whole documents). */
const ENTERPRISE_COLUMNS: ExportColumn[] = [
  { key: 'uscc', zh: '统一社会信用代码' },
  { key: 'name', zh: '企业名称' },
  { key: 'county_code', path: 'countyCode', zh: '县(市、区)代码' },
  { key: 'county_name', path: 'countyName', zh: '县(市、区)' },
  { key: 'cultivation_stage', path: 'cultivationStage', zh: '培育阶段' },
  { key: 'business_status', path: 'businessStatus', zh: '经营状态' },
  { key: 'brand_status', path: 'brandStatus', zh: '品牌状态' },
  { key: 'active_qualification_types', path: 'activeQualificationTypes', zh: '有效资格类型' },
  { key: 'version', zh: '版本' },
  { key: 'updated_at', path: 'updatedAt', zh: '更新时间', time: true },
]

/** A page of list items (JSON texts) on any handle: the pool, or an export's snapshot. */
async function pageOn(q: Queryable, filter: ListEnterprisesFilter, after: string | undefined) {
  const page = await docs.enterprisePage(q, filter, after)
  const part = filter.view === 'full' ? 'doc' : 'summary'
  if (page.items !== null) return { ...page, items: page.items === '' ? [] : splitItems(page.items) }
  // Some item's stored document is not fresh: the page is computed as of the same moment.
  const computed = await docs.liveDocuments(q, page.usccs, page.at)
  return { ...page, items: page.usccs.map((u) => computed.get(u)?.[part]).filter((d): d is string => d !== undefined) }
}

/** The items of a page SQL joined with commas, one JSON text each (top-level commas only). */
function splitItems(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let inString = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++
      else if (c === 34) inString = false
    } else if (c === 34) inString = true
    else if (c === 123 || c === 91) depth++
    else if (c === 125 || c === 93) depth--
    else if (c === 44 && depth === 0) {
      out.push(text.slice(start, i))
      start = i + 1
    }
  }
  out.push(text.slice(start))
  return out
}

export function createEnterpriseService({ db, clock }: ServiceDeps) {
  let counties: Promise<Map<string, { retired: boolean; successor: string | null }>> | undefined
  // Counties change only by migration; one read per process is enough (through the unit of work's
  // transaction when there is one: on the embedded database a statement outside it would wait for it).
  const countyTable = (q: Queryable) =>
    (counties ??= q
      .query<{ code: string; retired: boolean; successor_code: string | null }>(
        'SELECT code, valid_until IS NOT NULL AND valid_until < current_date AS retired, successor_code FROM county',
      )
      .then((rows) => new Map(rows.map((r) => [r.code, { retired: r.retired, successor: r.successor_code }])))
      .catch((error) => {
        counties = undefined
        throw error
      }))

  async function assertCounty(q: Queryable, code: string, pointer = '/countyCode') {
    const county = (await countyTable(q)).get(code)
    if (!county) throw problems.field('body', pointer, `unknown county code "${code}" (see GET /v1/counties)`)
    if (county.retired) {
      throw problems.field('body', pointer, `county code ${code} is retired${county.successor ? `; use ${county.successor}` : ''}`)
    }
  }

  /**
   * Writes rows in the caller's unit of work and audits every change with the enterprise's
   * document before (from beforeDocs, read by the caller) and after; returns each row's outcome
   * and the documents as written.
   */
  async function writeRows(
    tx: Transaction,
    actor: Actor,
    rows: repo.EnterpriseRow[],
    before: Map<string, repo.EnterpriseRow>,
    beforeDocs: Map<string, EnterpriseDoc>,
    mode: 'create' | 'upsert',
  ) {
    const written = await repo.upsertRows(tx, rows, mode)
    if (mode === 'create') {
      const existing = rows.find((r) => !written.has(r.uscc))
      if (existing) throw new AppError('enterprise_exists', `enterprise ${existing.uscc} is already registered; change it with PATCH /v1/enterprises/${existing.uscc}`)
    }
    const listsChanged = await repo.replaceCultivationLists(tx, rows, before)
    await repo.touchEnterprises(tx, [...listsChanged].filter((u) => !written.has(u)))
    const outcomes = new Map<string, Outcome>(rows.map((r) => [r.uscc, written.get(r.uscc) ?? (listsChanged.has(r.uscc) ? 'updated' : 'unchanged')]))
    const afterDocs = await docs.refreshDocuments(tx, rows.map((r) => r.uscc), clock.now())
    recordAudit(
      tx,
      actor,
      rows
        .filter((r) => outcomes.get(r.uscc) !== 'unchanged')
        .map((r) => {
          const created = outcomes.get(r.uscc) === 'created'
          // An updated enterprise existed, so the caller read its document before.
          return {
            operation: created ? 'enterprise.create' : 'enterprise.update',
            entityType: 'enterprise',
            entityId: r.uscc,
            before: created ? null : beforeDocs.get(r.uscc)!.doc,
            after: afterDocs.get(r.uscc)!.doc,
          }
        }),
    )
    return { outcomes, docs: afterDocs }
  }

  /**
   * A create-shaped item checked as one of a set (pointers under `pointer`); its normalised USCC.
   * `q` is the unit of work's transaction when called inside one.
   */
  async function checkItem(q: Queryable, actor: Actor, item: unknown, pointer: string): Promise<EnterpriseItem> {
    const checked = checkCreateItem(item, pointer)
    if (!checked.ok) throw problems.validation(checked.errors)
    const uscc = normaliseUscc(checked.value.uscc, `${pointer}/uscc`)
    await assertCounty(q, checked.value.countyCode, `${pointer}/countyCode`)
    assertCountyAccess(actor, checked.value.countyCode, 'register')
    return { uscc, input: checked.value }
  }

  /**
   * Registers or updates enterprises by USCC in the caller's unit of work (items checked by
   * checkItem, each USCC once): fields an item omits keep their stored values. A county system may
   * not take over another county's enterprise this way.
   */
  async function upsert(tx: Transaction, actor: Actor, items: EnterpriseItem[]) {
    const before = await repo.rowsOf(tx, items.map((a) => a.uscc))
    for (const existing of before.values()) assertCountyAccess(actor, existing.county_code)
    const rows = items.map((a) => rowFrom(a.input, a.uscc, before.get(a.uscc)))
    const beforeDocs = await docs.currentDocuments(tx, [...before.keys()], clock.now())
    return writeRows(tx, actor, rows, before, beforeDocs, 'upsert')
  }

  return {
    checkItem,
    upsert,

    async get(rawUscc: string, asOf?: string, knownAt?: string): Promise<EnterpriseDoc> {
      const uscc = usccFromPath(rawUscc)
      // The stored document answers "now" while it is fresh; any other moment is computed.
      const at = instant(asOf, 'query', '/asOf')
      const known = instant(knownAt, 'query', '/knownAt') ?? null
      const doc = at || known ? await docs.documentAt(db, uscc, at ?? clock.now(), known) : await docs.currentDocument(db, uscc, clock.now())
      if (!doc) throw problems.notFound('enterprise', uscc)
      return doc
    },

    async list(filter: ListEnterprisesFilter) {
      const [after] = (decodeCursor(filter.cursor, ['string']) ?? []) as [string?]
      // updatedSince as every instant is read (a calendar date in Asia/Shanghai; years 1–9999).
      const updatedSince = instant(filter.updatedSince, 'query', '/updatedSince')?.toISOString()
      const page = await docs.enterprisePage(db, { ...filter, updatedSince }, after)
      let items = page.items
      if (items === null) {
        // Some item's stored document is not fresh: the page is computed as of the same moment.
        const computed = await docs.liveDocuments(db, page.usccs, page.at)
        const part = filter.view === 'full' ? 'doc' : 'summary'
        items = page.usccs.map((u) => computed.get(u)?.[part]).filter((d): d is string => d !== undefined).join(',')
      }
      return { items, nextCursor: page.more && page.last ? encodeCursor([page.last]) : null }
    },

    /** The whole list as an export (src/lib/export.ts): pages of 1,000 in USCC order, in the export's snapshot. */
    exportSpec(filter: ListEnterprisesFilter): ExportSpec<string> {
      const updatedSince = instant(filter.updatedSince, 'query', '/updatedSince')?.toISOString()
      return {
        resource: 'enterprises',
        title: '企业名录',
        columns: ENTERPRISE_COLUMNS,
        pinnable: false,
        async batch(q, _knownAt, after, size, shape) {
          const page = await pageOn(q, { ...filter, updatedSince, limit: size }, after)
          const next = page.more && page.last ? page.last : null
          // The items are stored documents: the CSV reads its columns from them.
          return shape === 'cells' ? { cells: cellsOf(page.items.map((d) => JSON.parse(d)), ENTERPRISE_COLUMNS), next } : { items: page.items, next }
        },
      }
    },

    async create(actor: Actor, input: CreateEnterpriseInput): Promise<EnterpriseDoc> {
      const uscc = normaliseUscc(input.uscc)
      await assertCounty(db, input.countyCode)
      assertCountyAccess(actor, input.countyCode, 'register')
      const row = rowFrom(input, uscc)
      return db.transaction(async (tx) => (await writeRows(tx, actor, [row], new Map(), new Map(), 'create')).docs.get(uscc)!)
    },

    async patch(actor: Actor, rawUscc: string, patch: PatchEnterpriseInput, ifMatch: string | undefined): Promise<EnterpriseDoc> {
      const uscc = usccFromPath(rawUscc)
      if (patch.countyCode !== undefined) await assertCounty(db, patch.countyCode)
      return db.transaction(async (tx) => {
        const before = await repo.rowsOf(tx, [uscc])
        const current = before.get(uscc)
        if (!current) throw problems.notFound('enterprise', uscc)
        const beforeDocs = await docs.currentDocuments(tx, [uscc], clock.now())
        assertIfMatch(ifMatch, beforeDocs.get(uscc)!.etag)
        assertCountyAccess(actor, current.county_code)
        const row = mergePatch(current, patch)
        if (row.county_code !== current.county_code) assertCountyAccess(actor, row.county_code, 'move enterprises into')
        return (await writeRows(tx, actor, [row], before, beforeDocs, 'upsert')).docs.get(uscc)!
      })
    },

    /** Upserts up to 1000 enterprises by USCC. Atomic: all or nothing; otherwise each item stands alone. */
    async batch(actor: Actor, items: unknown[], atomic: boolean, requestId: string) {
      type Result = { index: number; uscc: string | null; status: number; outcome: Outcome | 'rejected'; problem?: unknown }
      const results: Result[] = []
      const accepted: (EnterpriseItem & { index: number })[] = []
      const seen = new Map<string, number>()
      const reject = (index: number, uscc: string | null, error: AppError) =>
        results.push({ index, uscc, status: error.status, outcome: 'rejected', problem: problemBody(error.code, error.message, requestId, error.extra) })

      /** The item's USCC, normalised, when it is a valid one, whatever else is wrong with the item. */
      const usccOf = (item: unknown) => {
        const raw = (item as { uscc?: unknown } | null)?.uscc
        const checked = typeof raw === 'string' ? checkUscc(raw) : undefined
        return checked?.valid ? checked.uscc : null
      }
      for (const [index, item] of items.entries()) {
        try {
          const checked = await checkItem(db, actor, item, `/items/${index}`)
          if (seen.has(checked.uscc)) throw problems.field('body', `/items/${index}/uscc`, `duplicates item ${seen.get(checked.uscc)} of this batch`)
          seen.set(checked.uscc, index)
          accepted.push({ index, ...checked })
        } catch (error) {
          if (!(error instanceof AppError)) throw error
          reject(index, usccOf(item), error)
        }
      }
      if (atomic && results.length > 0) {
        throw new AppError('batch_rejected', `${results.length} of ${items.length} items were rejected; nothing was written`, {
          items: results.sort((a, b) => a.index - b.index),
        })
      }

      const record = (a: (typeof accepted)[number], outcome: Outcome) =>
        results.push({ index: a.index, uscc: a.uscc, status: outcome === 'created' ? 201 : 200, outcome })

      if (accepted.length > 0) {
        try {
          const { outcomes } = await db.transaction((tx) => upsert(tx, actor, accepted))
          for (const a of accepted) record(a, outcomes.get(a.uscc)!)
        } catch (error) {
          if (atomic) throw error
          // One item spoiled the set: give each item its own transaction and result.
          for (const a of accepted) {
            try {
              const { outcomes } = await db.transaction((tx) => upsert(tx, actor, [a]))
              record(a, outcomes.get(a.uscc)!)
            } catch (itemError) {
              if (!(itemError instanceof AppError)) throw itemError
              reject(a.index, a.uscc, itemError)
            }
          }
        }
      }
      results.sort((a, b) => a.index - b.index)
      const count = (o: Result['outcome']) => results.filter((r) => r.outcome === o).length
      return { atomic, created: count('created'), updated: count('updated'), unchanged: count('unchanged'), rejected: count('rejected'), items: results }
    },
  }
}
