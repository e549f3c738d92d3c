// Incentive programs and their rule sets (who may write what: county tokens their own county's
// programs, dept tokens the programs their department sponsors), and eligibility: one enterprise's
// explanation (facts read once, rules evaluated in pure code), every program for one enterprise,
// and the set answer for a program (one SQL statement compiled from the same tree).
import type { Actor } from '../../lib/actor.ts'
import type { ServiceDeps } from '../../lib/deps.ts'
import { assertIfMatch, etagOf } from '../../lib/http.ts'
import { cellsOf, type ExportColumn, type ExportSpec } from '../../lib/export.ts'
import { decodeCursor, pageOf } from '../../lib/paging.ts'
import { usccFromPath } from '../../lib/path-params.ts'
import { AppError, problems, type FieldError } from '../../lib/problems.ts'
import { checkUscc } from '../../lib/uscc.ts'
import { instant } from '../../lib/time.ts'
import { recordAudit } from '../audit/audit.repository.ts'
import { evaluateProgram, inPeriod, type ProgramScope, type RuleSetRef } from './evaluate.ts'
import * as repo from './incentives.repository.ts'
import type { AddRuleSetInput, CreateProgramInput, PatchProgramInput, PreviewInput, ProgramDto, ProgramEligibilityQueryInput, RuleSetDto } from './incentives.schemas.ts'
import { checkRules, type RuleNode } from './rules.ts'
import type { Facts } from './predicates.ts'

const ruleSetOf = (r: repo.RuleSetRow): RuleSetDto => ({
  programCode: r.program_code, version: r.version, rules: r.rules as never, effectiveFrom: r.effective_from.toISOString(),
  recordedAt: r.recorded_at.toISOString(), changeNote: r.change_note, recordedBy: r.actor_sub,
})

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** CSV columns of an eligible-list export. */
const ELIGIBILITY_COLUMNS: ExportColumn[] = [
  { key: 'uscc', zh: '统一社会信用代码' },
  { key: 'name', zh: '企业名称' },
  { key: 'county_code', path: 'countyCode', zh: '县(市、区)代码' },
  { key: 'result', zh: '判定结果' },
  { key: 'failed_conditions', path: 'failedConditions', zh: '未满足条件' },
  { key: 'unknown_conditions', path: 'unknownConditions', zh: '无法判定条件' },
]

export function programOf(p: repo.ProgramRow, rs: repo.RuleSetRow | null): ProgramDto {
  return {
    code: p.code, name: p.name, kind: p.kind as ProgramDto['kind'], benefit: p.benefit as ProgramDto['benefit'], basis: p.basis as ProgramDto['basis'],
    level: p.level, countyCode: p.county_code, frequency: p.frequency as ProgramDto['frequency'],
    sponsorDepartments: p.departments.map((d, i) => ({ code: d.code, name: d.name, lead: i === 0 })),
    sponsorName: p.sponsor_name, deliveredBy: p.delivered_by, validFrom: iso(p.valid_from), validUntil: iso(p.valid_until),
    version: p.version, createdAt: p.created_at.toISOString(), updatedAt: p.updated_at.toISOString(), ruleSet: rs ? ruleSetOf(rs) : null,
  }
}

const programEtag = (p: repo.ProgramRow) => etagOf({ code: p.code, version: p.version })

/** County tokens write their own county's programs only; city programs are for city-level tokens. */
function assertCountyScope(actor: Actor, level: string, countyCode: string | null) {
  if (!actor.county) return
  if (level === 'city') throw new AppError('city_level_required', `a token for county ${actor.county} may not write city programs`, { action: 'write city incentive programs' })
  if (countyCode !== actor.county) throw new AppError('forbidden_county', `a token for county ${actor.county} may not write programs of county ${countyCode}`)
}

/** A department's token acts only on programs its department sponsors. */
function assertDepartment(actor: Actor, sponsors: string[], code: string) {
  if (!actor.dept) return
  if (!sponsors.includes(actor.dept)) {
    throw new AppError('forbidden_department', `${actor.dept} is not among the sponsors of ${code} (${sponsors.join(', ') || 'none'})`, { department: actor.dept })
  }
}

export interface Reader {
  /** The caller may see supervision case identifiers. */
  supervision: boolean
}

export function createIncentiveService({ db, clock }: ServiceDeps) {
  /** Programs read for their lists, by code (see programEligibility). */
  const keptPrograms = new Map<string, { program: repo.ProgramRow; ruleSets: RuleSetRef[]; listingTypes: string[] }>()
  function moments(asOf?: string, knownAt?: string, where: FieldError['in'] = 'query') {
    const now = clock.now()
    const a = instant(asOf, where, '/asOf') ?? now
    const k = instant(knownAt, where, '/knownAt') ?? now
    return { asOf: a, knownAt: k > now ? now : k }
  }

  async function checkedRules(rules: unknown, pointer: string): Promise<RuleNode> {
    const checked = checkRules(rules, pointer, await repo.catalog(db))
    if ('errors' in checked) throw problems.validation(checked.errors)
    return checked.rules
  }

  async function checkDepartments(codes: string[], pointer: string, deliveredBy?: string | null) {
    const all = [...codes, ...(deliveredBy ? [deliveredBy] : [])]
    if (all.length === 0) return
    const known = await repo.departmentCodes(db, all)
    const errors: FieldError[] = []
    codes.forEach((c, i) => { if (!known.has(c)) errors.push({ in: 'body', pointer: `${pointer}/${i}`, message: `unknown department "${c}" (see GET /v1/departments)` }) })
    if (deliveredBy && !known.has(deliveredBy)) errors.push({ in: 'body', pointer: '/deliveredBy', message: `unknown department "${deliveredBy}" (see GET /v1/departments)` })
    if (errors.length) throw problems.validation(errors)
  }

  async function program(code: string): Promise<repo.ProgramRow> {
    const p = await repo.findProgram(db, code)
    if (!p) throw problems.notFound('incentive program', code)
    return p
  }

  function explanationOf(p: ProgramScope, rs: RuleSetRef | null, f: Facts, uscc: string, name: string, reader: Reader) {
    const ev = evaluateProgram(p, rs, f, reader.supervision)
    return {
      program: { code: p.code, name: p.name },
      ruleSet: rs ? { version: rs.version, effectiveFrom: rs.effectiveFrom.toISOString(), recordedAt: rs.recordedAt.toISOString() } : null,
      enterprise: { uscc, name, countyCode: f.enterprise?.countyCode ?? null },
      asOf: f.asOf.toISOString(),
      knownAt: f.knownAt.toISOString(),
      eligible: ev.eligible,
      result: ev.result,
      failedConditions: ev.failedConditions,
      unknownConditions: ev.unknownConditions,
      conditions: ev.conditions,
    }
  }

  async function factsFor(usccRaw: string, asOf: Date, knownAt: Date, where: 'path' | 'body' = 'path') {
    let uscc: string
    if (where === 'path') uscc = usccFromPath(usccRaw)
    else {
      const c = checkUscc(usccRaw)
      if (!c.valid) throw problems.field('body', '/uscc', 'is not a valid 统一社会信用代码')
      uscc = c.uscc
    }
    const found = await repo.factsOf(db, uscc, asOf, knownAt)
    if (!found) throw where === 'path' ? problems.notFound('enterprise', uscc) : problems.field('body', '/uscc', `enterprise ${uscc} is not in the registry`)
    return { uscc, ...found }
  }

  return {
    async listPrograms(q: { kind?: string; level?: string; countyCode?: string; department?: string; activeAt?: string; limit: number; cursor?: string }) {
      const after = decodeCursor(q.cursor, ['string'])
      const rows = await repo.listPrograms(db, {
        kind: q.kind, level: q.level, countyCode: q.countyCode, department: q.department, activeAt: instant(q.activeAt, 'query', '/activeAt'),
        after: after?.[0] as string | undefined, limit: q.limit + 1,
      })
      const page = pageOf(rows, q.limit, (r) => [r.code])
      const now = clock.now()
      const sets = new Map((await repo.ruleSetsInForce(db, page.rows.map((r) => r.code), now, now)).map((r) => [r.program_code, r]))
      return { items: page.rows.map((r) => programOf(r, sets.get(r.code) ?? null)), nextCursor: page.nextCursor }
    },

    async getProgram(code: string, asOfRaw?: string, knownAtRaw?: string) {
      const { asOf, knownAt } = moments(asOfRaw, knownAtRaw)
      const p = await program(code)
      const rs = await repo.ruleSetInForce(db, code, asOf, knownAt)
      return { doc: programOf(p, rs), etag: programEtag(p) }
    },

    async createProgram(actor: Actor, input: CreateProgramInput) {
      const countyCode = input.countyCode ?? null
      if (input.level === 'county' && !countyCode) throw problems.field('body', '/countyCode', 'a county program needs its county')
      if (input.level === 'city' && countyCode) throw problems.field('body', '/countyCode', 'a city program has no county')
      assertCountyScope(actor, input.level, countyCode)
      const departments = input.sponsorDepartments ?? []
      if (input.level === 'city' && departments.length === 0) throw problems.field('body', '/sponsorDepartments', 'a city program names its sponsoring departments (lead first)')
      assertDepartment(actor, departments, input.code)
      const validFrom = instant(input.validFrom, 'body', '/validFrom') ?? null
      const validUntil = instant(input.validUntil, 'body', '/validUntil') ?? null
      if (validFrom && validUntil && validUntil <= validFrom) throw problems.field('body', '/validUntil', 'must be after validFrom')
      await checkDepartments(departments, '/sponsorDepartments', input.deliveredBy)
      if (countyCode && !(await repo.catalog(db)).counties.has(countyCode)) throw problems.field('body', '/countyCode', `unknown county "${countyCode}" (see GET /v1/counties)`)
      const rules = await checkedRules(input.rules, '/rules')
      const effectiveFrom = instant(input.rulesEffectiveFrom, 'body', '/rulesEffectiveFrom') ?? validFrom ?? clock.now()
      return db.transaction(async (tx) => {
        const inserted = await repo.insertProgram(tx, {
          code: input.code, name: input.name, kind: input.kind, benefit: input.benefit, basis: input.basis, level: input.level, countyCode,
          frequency: input.frequency ?? null, sponsorName: input.sponsorName ?? null, deliveredBy: input.deliveredBy ?? null, validFrom, validUntil, departments,
        })
        if (!inserted) throw new AppError('incentive_program_exists', `incentive program ${input.code} already exists`)
        const rs = await repo.appendRuleSet(tx, input.code, 1, rules, effectiveFrom, input.changeNote ?? null, actor)
        const row = (await repo.findProgram(tx, input.code))!
        const doc = programOf(row, rs)
        recordAudit(tx, actor, [
          { operation: 'incentive_program.create', entityType: 'incentive_program', entityId: input.code, before: null, after: JSON.stringify({ ...doc, ruleSet: null }) },
          { operation: 'incentive_rule_set.create', entityType: 'incentive_rule_set', entityId: `${input.code}:1`, before: null, after: JSON.stringify(ruleSetOf(rs)), effectiveAt: effectiveFrom },
        ])
        return { doc, etag: programEtag(row) }
      })
    },

    async patchProgram(actor: Actor, code: string, patch: PatchProgramInput, ifMatch: string | undefined) {
      return db.transaction(async (tx) => {
        const cur = await repo.lockProgram(tx, code)
        if (!cur) throw problems.notFound('incentive program', code)
        assertIfMatch(ifMatch, programEtag(cur))
        assertCountyScope(actor, cur.level, cur.county_code)
        const sponsors = cur.departments.map((d) => d.code)
        assertDepartment(actor, sponsors, code)
        const departments = patch.sponsorDepartments === undefined ? sponsors : patch.sponsorDepartments ?? []
        if (cur.level === 'city' && departments.length === 0) throw problems.field('body', '/sponsorDepartments', 'a city program names its sponsoring departments')
        // A department may not hand its program to others and lose it.
        assertDepartment(actor, departments, code)
        const deliveredBy = patch.deliveredBy === undefined ? cur.delivered_by : patch.deliveredBy
        if (patch.sponsorDepartments !== undefined || patch.deliveredBy !== undefined) await checkDepartments(departments, '/sponsorDepartments', deliveredBy)
        const pick = <T>(v: T | undefined, old: T) => (v === undefined ? old : v)
        const validFrom = patch.validFrom === undefined ? cur.valid_from : patch.validFrom === null ? null : instant(patch.validFrom, 'body', '/validFrom')
        const validUntil = patch.validUntil === undefined ? cur.valid_until : patch.validUntil === null ? null : instant(patch.validUntil, 'body', '/validUntil')
        if (validFrom && validUntil && validUntil <= validFrom) throw problems.field('body', '/validUntil', 'must be after validFrom')
        const now = clock.now()
        const rs = await repo.ruleSetInForce(tx, code, now, now)
        const before = programOf(cur, rs)
        await repo.updateProgram(tx, {
          code, name: pick(patch.name, cur.name), kind: pick(patch.kind, cur.kind), benefit: pick(patch.benefit, cur.benefit), basis: pick(patch.basis, cur.basis),
          level: cur.level, countyCode: cur.county_code, frequency: pick(patch.frequency, cur.frequency as never) ?? null, sponsorName: pick(patch.sponsorName, cur.sponsor_name) ?? null,
          deliveredBy: deliveredBy ?? null, validFrom, validUntil, departments,
        })
        const row = (await repo.findProgram(tx, code))!
        const doc = programOf(row, rs)
        recordAudit(tx, actor, [{ operation: 'incentive_program.update', entityType: 'incentive_program', entityId: code, before: JSON.stringify({ ...before, ruleSet: null }), after: JSON.stringify({ ...doc, ruleSet: null }) }])
        return { doc, etag: programEtag(row) }
      })
    },

    async addRuleSet(actor: Actor, code: string, input: AddRuleSetInput) {
      const rules = await checkedRules(input.rules, '/rules')
      const effectiveFrom = instant(input.effectiveFrom, 'body', '/effectiveFrom')
      return db.transaction(async (tx) => {
        const cur = await repo.lockProgram(tx, code)
        if (!cur) throw problems.notFound('incentive program', code)
        assertCountyScope(actor, cur.level, cur.county_code)
        assertDepartment(actor, cur.departments.map((d) => d.code), code)
        const last = await repo.lastRuleSet(tx, code)
        if (last && effectiveFrom < last.effective_from) {
          throw new AppError('out_of_order_change', `rule set ${last.version} takes effect at ${last.effective_from.toISOString()}; a new version cannot take effect before it`, {
            lastEffectiveAt: last.effective_from.toISOString(),
          })
        }
        const rs = await repo.appendRuleSet(tx, code, (last?.version ?? 0) + 1, rules, effectiveFrom, input.changeNote ?? null, actor)
        await repo.touchProgram(tx, code)
        const after = (await repo.findProgram(tx, code))!
        const doc = ruleSetOf(rs)
        // The program's version (its ETag) moves with every rule set: both entities changed.
        recordAudit(tx, actor, [
          { operation: 'incentive_program.update', entityType: 'incentive_program', entityId: code, before: JSON.stringify(programOf(cur, null)), after: JSON.stringify(programOf(after, null)) },
          { operation: 'incentive_rule_set.create', entityType: 'incentive_rule_set', entityId: `${code}:${rs.version}`, before: null, after: JSON.stringify(doc), effectiveAt: effectiveFrom },
        ])
        return doc
      })
    },

    async listRuleSets(code: string, knownAtRaw?: string) {
      const { knownAt } = moments(undefined, knownAtRaw)
      await program(code)
      return { items: (await repo.ruleSets(db, code, knownAt)).map(ruleSetOf) }
    },

    async getRuleSet(code: string, version: number) {
      await program(code)
      const rs = await repo.ruleSet(db, code, version)
      if (!rs) throw problems.notFound('rule set', `${code}:${version}`)
      return ruleSetOf(rs)
    },

    async eligibility(code: string, usccRaw: string, q: { asOf?: string; knownAt?: string; ruleSetVersion?: number }, reader: Reader) {
      const { asOf, knownAt } = moments(q.asOf, q.knownAt)
      const uscc = usccFromPath(usccRaw)
      // The program, its rule set and the enterprise's facts are independent reads: one statement.
      const { program: p, ruleSet: rs, found } = await repo.explanationInputs(db, code, uscc, asOf, knownAt, q.ruleSetVersion)
      if (!p) throw problems.notFound('incentive program', code)
      if (q.ruleSetVersion !== undefined && !rs) throw problems.field('query', '/ruleSetVersion', `program ${code} has no rule set version ${q.ruleSetVersion}`)
      if (!found) throw problems.notFound('enterprise', uscc)
      return explanationOf(p, rs, found.facts, uscc, found.name, reader)
    },

    async enterpriseEligibility(usccRaw: string, q: { asOf?: string; knownAt?: string; explain?: boolean }, reader: Reader) {
      const { asOf, knownAt } = moments(q.asOf, q.knownAt)
      const f = await factsFor(usccRaw, asOf, knownAt)
      const county = f.facts.enterprise?.countyCode ?? null
      const programs = (await repo.listPrograms(db, { activeAt: asOf, limit: null }))
        .filter((p) => p.level === 'city' || p.county_code === county)
      const sets = new Map((await repo.ruleSetsInForce(db, programs.map((p) => p.code), asOf, knownAt)).map((r) => [r.program_code, r]))
      return {
        uscc: f.uscc, asOf: asOf.toISOString(), knownAt: knownAt.toISOString(),
        items: programs.map((p) => {
          const rs = sets.get(p.code)
          const e = explanationOf(repo.scopeOf(p), rs ? repo.ruleSetRef(rs) : null, f.facts, f.uscc, f.name, reader)
          return {
            program: e.program, eligible: e.eligible, result: e.result, failedConditions: e.failedConditions, unknownConditions: e.unknownConditions,
            ...(q.explain ? { explanation: e } : {}),
          }
        }),
      }
    },

    async programEligibility(code: string, q: { asOf?: string; knownAt?: string; result?: 'eligible' | 'not_eligible' | 'unknown' | 'all'; countyCode?: string; limit: number; cursor?: string }) {
      const { asOf, knownAt } = moments(q.asOf, q.knownAt)
      const after = decodeCursor(q.cursor, ['string'])
      const setQuery = { asOf, knownAt, countyCode: q.countyCode, result: q.result ?? 'eligible', after: after?.[0] as string | undefined, limit: q.limit + 1 } as const
      // The program and its rule sets as last read, trusted by the set statement only while the
      // program's version and the listing types are unchanged (its guard): one statement per page.
      let kept = keptPrograms.get(code)
      if (!kept) {
        const read = await repo.programWithRuleSets(db, code)
        if (!read) throw problems.notFound('incentive program', code)
        if (keptPrograms.size >= 1000) keptPrograms.clear()
        keptPrograms.set(code, (kept = read))
      }
      let p = kept.program
      let rs = repo.inForce(kept.ruleSets, asOf, knownAt)
      let rows = await repo.evaluateSet(db, repo.scopeOf(p), rs, {
        ...setQuery, listingTypes: kept.listingTypes, guard: { programCode: code, programVersion: p.version, listingTypes: kept.listingTypes },
      })
      if (rows.length === 0) {
        // Changed since it was read, or the page is empty: the program, its rule set in force and the
        // listing types as of now, in one statement, then the set statement.
        keptPrograms.delete(code)
        const found = await repo.programForSet(db, code, asOf, knownAt)
        if (!found) throw problems.notFound('incentive program', code)
        p = found.program
        rs = found.ruleSet
        rows = await repo.evaluateSet(db, repo.scopeOf(p), rs, { ...setQuery, listingTypes: found.listingTypes })
      }
      const page = pageOf(rows, q.limit, (r) => [r.uscc])
      // The page as JSON text around the items the statement built (EligibilityPage, in its order).
      const json = `{"program":${JSON.stringify({ code: p.code, name: p.name })},"ruleSetVersion":${rs?.version ?? null},"asOf":"${asOf.toISOString()}",` +
        `"knownAt":"${knownAt.toISOString()}","items":[${page.rows.map((r) => r.item).join(',')}],"nextCursor":${JSON.stringify(page.nextCursor)}}`
      return { json, nextCursor: page.nextCursor }
    },

    /** The whole list as an export: every enterprise the query selects, in keyset batches from one snapshot. */
    async programEligibilityExport(code: string, q: ProgramEligibilityQueryInput): Promise<ExportSpec<string>> {
      const p = await program(code)
      const scope = repo.scopeOf(p)
      const pinnedAsOf = instant(q.asOf, 'query', '/asOf')
      let rs: { value: RuleSetRef | null } | null = null
      return {
        resource: `eligibility-${code}`,
        title: `${p.name}符合条件企业`,
        columns: ELIGIBILITY_COLUMNS,
        pinnable: true,
        knownAt: instant(q.knownAt, 'query', '/knownAt'),
        async batch(on, knownAt, after, size, shape) {
          const asOf = pinnedAsOf ?? knownAt
          if (!rs) {
            const row = await repo.ruleSetInForce(on, code, asOf, knownAt)
            rs = { value: row ? repo.ruleSetRef(row) : null }
          }
          const rows = await repo.evaluateSet(on, scope, rs.value, { asOf, knownAt, countyCode: q.countyCode, result: q.result ?? 'eligible', after, limit: size + 1 })
          const batch = rows.slice(0, size)
          const next = rows.length > size ? batch.at(-1)!.uscc : null
          // The items are built in SQL for the list's pages; the CSV reads its columns from them.
          return shape === 'cells' ? { cells: cellsOf(batch.map((r) => JSON.parse(r.item)), ELIGIBILITY_COLUMNS), next } : { items: batch.map((r) => r.item), next }
        },
      }
    },

    async preview(input: PreviewInput, reader: Reader) {
      const { asOf, knownAt } = moments(input.asOf, input.knownAt, 'body')
      const rules = await checkedRules(input.rules, '/rules')
      const f = await factsFor(input.uscc, asOf, knownAt, 'body')
      const scope: ProgramScope = { code: 'PREVIEW', name: '规则试算', level: 'city', countyCode: null, validFrom: null, validUntil: null }
      const rs: RuleSetRef = { version: 0, effectiveFrom: asOf, recordedAt: knownAt, rules }
      return explanationOf(scope, rs, f.facts, f.uscc, f.name, reader)
    },

    inPeriod,
  }
}
