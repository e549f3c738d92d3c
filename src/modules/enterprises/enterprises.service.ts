// Enterprise rules: USCC check, county existence and boundaries, create/patch/batch upsert,
// all writes audited in the same transaction. Reads return the SQL-built document as text.
import type { Database, Transaction } from '../../db/client.ts'
import { assertCountyAccess } from '../../lib/actor.ts'
import { assertIfMatch } from '../../lib/http.ts'
import { decodeCursor, encodeCursor } from '../../lib/paging.ts'
import { usccFromPath } from '../../lib/path-params.ts'
import { AppError, problemBody, problems, type FieldError } from '../../lib/problems.ts'
import { checkUscc } from '../../lib/uscc.ts'
import { validator } from '../../lib/validate.ts'
import { appendAudit, type Actor } from '../audit/audit.repository.ts'
import * as docs from './documents.repository.ts'
import * as repo from './enterprises.repository.ts'
import { CreateEnterprise, type CreateEnterpriseInput, type ListEnterprisesFilter, type PatchEnterpriseInput } from './enterprises.schemas.ts'

export type Outcome = 'created' | 'updated' | 'unchanged'

export type EnterpriseDoc = Pick<docs.EnterpriseDocument, 'doc' | 'etag'>

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

/** Top-level fields that differ between two documents, for the audit log. */
function changes(before: Record<string, unknown>, after: Record<string, unknown>) {
  const b: Record<string, unknown> = {}
  const a: Record<string, unknown> = {}
  for (const key of Object.keys(after)) {
    if (key === 'version' || key === 'updatedAt') continue
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) {
      b[key] = before[key]
      a[key] = after[key]
    }
  }
  return { before: b, after: a }
}

const checkCreateItem = validator<CreateEnterpriseInput>(CreateEnterprise)

export function createEnterpriseService(db: Database) {
  let counties: Promise<Map<string, { retired: boolean; successor: string | null }>> | undefined
  // Counties change only by migration; one read per process is enough.
  const countyTable = () =>
    (counties ??= db
      .query<{ code: string; retired: boolean; successor_code: string | null }>(
        'SELECT code, valid_until IS NOT NULL AND valid_until < current_date AS retired, successor_code FROM county',
      )
      .then((rows) => new Map(rows.map((r) => [r.code, { retired: r.retired, successor: r.successor_code }])))
      .catch((error) => {
        counties = undefined
        throw error
      }))

  async function assertCounty(code: string, pointer = '/countyCode') {
    const county = (await countyTable()).get(code)
    if (!county) throw problems.field('body', pointer, `unknown county code "${code}" (see GET /v1/counties)`)
    if (county.retired) {
      throw problems.field('body', pointer, `county code ${code} is retired${county.successor ? `; use ${county.successor}` : ''}`)
    }
  }

  /**
   * Writes rows in the caller's transaction, audits every change against the documents the
   * caller read before (beforeDocs) and commits; returns each row's outcome.
   */
  async function writeRows(
    tx: Transaction,
    actor: Actor,
    rows: repo.EnterpriseRow[],
    before: Map<string, repo.EnterpriseRow>,
    beforeDocs: Map<string, EnterpriseDoc>,
    mode: 'create' | 'upsert',
  ) {
    const now = new Date()
    const written = await repo.upsertRows(tx, rows, mode)
    if (mode === 'create') {
      const existing = rows.find((r) => !written.has(r.uscc))
      if (existing) throw new AppError('enterprise_exists', `enterprise ${existing.uscc} is already registered; change it with PATCH /v1/enterprises/${existing.uscc}`)
    }
    const listsChanged = await repo.replaceCultivationLists(tx, rows, before)
    await repo.touchEnterprises(tx, [...listsChanged].filter((u) => !written.has(u)))
    const outcomes = new Map<string, Outcome>(rows.map((r) => [r.uscc, written.get(r.uscc) ?? (listsChanged.has(r.uscc) ? 'updated' : 'unchanged')]))
    const created = rows.map((r) => r.uscc).filter((u) => outcomes.get(u) === 'created')
    const updated = rows.map((r) => r.uscc).filter((u) => outcomes.get(u) === 'updated')
    // A creation's audit entry is its whole document, written by the statement that builds it.
    const refreshed = docs.refreshDocuments(tx, rows.map((r) => r.uscc), now, { actor, usccs: created })
    // With no update to audit, the refresh is the last statement and travels with the COMMIT.
    if (updated.length === 0) return { outcomes, docs: await tx.commit(refreshed) }
    const afterDocs = await refreshed
    await tx.commit(
      appendAudit(
        tx,
        actor,
        // An updated enterprise existed, so the caller read its document before.
        updated.map((uscc) => ({
          operation: 'enterprise.update',
          entityType: 'enterprise',
          entityId: uscc,
          ...changes(JSON.parse(beforeDocs.get(uscc)!.doc), JSON.parse(afterDocs.get(uscc)!.doc)),
        })),
      ),
    )
    return { outcomes, docs: afterDocs }
  }

  return {
    async get(rawUscc: string, asOf?: string): Promise<EnterpriseDoc> {
      const uscc = usccFromPath(rawUscc)
      // The stored document answers "now" while it is fresh; any other moment is computed.
      const doc = asOf
        ? (await docs.liveDocuments(db, [uscc], new Date(asOf))).get(uscc)
        : await docs.currentDocument(db, uscc, new Date())
      if (!doc) throw problems.notFound('enterprise', uscc)
      return doc
    },

    async list(filter: ListEnterprisesFilter) {
      const [after] = (decodeCursor(filter.cursor, ['string']) ?? []) as [string?]
      const page = await repo.listPage(db, filter, after)
      let items = page.items
      if (items === null) {
        // Some item's stored document is not fresh: the page is computed as of the same moment.
        const computed = await docs.liveDocuments(db, page.usccs, page.at)
        const part = filter.view === 'full' ? 'doc' : 'summary'
        items = page.usccs.map((u) => computed.get(u)?.[part]).filter((d): d is string => d !== undefined).join(',')
      }
      return { items, nextCursor: page.more && page.last ? encodeCursor([page.last]) : null }
    },

    async create(actor: Actor, input: CreateEnterpriseInput): Promise<EnterpriseDoc> {
      const uscc = normaliseUscc(input.uscc)
      await assertCounty(input.countyCode)
      assertCountyAccess(actor, input.countyCode, 'register')
      const row = rowFrom(input, uscc)
      return db.transaction(async (tx) => {
        const written = await writeRows(tx, actor, [row], new Map(), new Map(), 'create')
        return written.docs.get(uscc)!
      })
    },

    async patch(actor: Actor, rawUscc: string, patch: PatchEnterpriseInput, ifMatch: string | undefined): Promise<EnterpriseDoc> {
      const uscc = usccFromPath(rawUscc)
      if (patch.countyCode !== undefined) await assertCounty(patch.countyCode)
      return db.transaction(async (tx) => {
        const before = await repo.rowsOf(tx, [uscc])
        const current = before.get(uscc)
        if (!current) throw problems.notFound('enterprise', uscc)
        const beforeDocs = await docs.currentDocuments(tx, [uscc], new Date())
        assertIfMatch(ifMatch, beforeDocs.get(uscc)!.etag)
        assertCountyAccess(actor, current.county_code)
        const row = mergePatch(current, patch)
        if (row.county_code !== current.county_code) assertCountyAccess(actor, row.county_code, 'move enterprises into')
        const written = await writeRows(tx, actor, [row], before, beforeDocs, 'upsert')
        return written.docs.get(uscc)!
      })
    },

    /** Upserts up to 1000 enterprises by USCC. Atomic: all or nothing; otherwise each item stands alone. */
    async batch(actor: Actor, items: unknown[], atomic: boolean, requestId: string) {
      type Result = { index: number; uscc: string | null; status: number; outcome: Outcome | 'rejected'; problem?: unknown }
      const results: Result[] = []
      const accepted: { index: number; uscc: string; input: CreateEnterpriseInput }[] = []
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
        const checked = checkCreateItem(item, `/items/${index}`)
        if (!checked.ok) {
          reject(index, usccOf(item), problems.validation(checked.errors))
          continue
        }
        try {
          const uscc = normaliseUscc(checked.value.uscc, `/items/${index}/uscc`)
          await assertCounty(checked.value.countyCode, `/items/${index}/countyCode`)
          assertCountyAccess(actor, checked.value.countyCode, 'register')
          if (seen.has(uscc)) throw problems.field('body', `/items/${index}/uscc`, `duplicates item ${seen.get(uscc)} of this batch`)
          seen.set(uscc, index)
          accepted.push({ index, uscc, input: checked.value })
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

      const write = async (tx: Transaction, group: typeof accepted) => {
        const before = await repo.rowsOf(tx, group.map((a) => a.uscc))
        for (const a of group) {
          const existing = before.get(a.uscc)
          // A county system may not take over another county's enterprise by upserting it.
          if (existing) assertCountyAccess(actor, existing.county_code)
        }
        const rows = group.map((a) => rowFrom(a.input, a.uscc, before.get(a.uscc)))
        const beforeDocs = await docs.currentDocuments(tx, [...before.keys()], new Date())
        return (await writeRows(tx, actor, rows, before, beforeDocs, 'upsert')).outcomes
      }
      const record = (a: (typeof accepted)[number], outcome: Outcome) =>
        results.push({ index: a.index, uscc: a.uscc, status: outcome === 'created' ? 201 : 200, outcome })

      if (accepted.length > 0) {
        try {
          const outcomes = await db.transaction((tx) => write(tx, accepted))
          for (const a of accepted) record(a, outcomes.get(a.uscc)!)
        } catch (error) {
          if (atomic) throw error
          // One item spoiled the set: give each item its own transaction and result.
          for (const a of accepted) {
            try {
              const outcomes = await db.transaction((tx) => write(tx, [a]))
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
