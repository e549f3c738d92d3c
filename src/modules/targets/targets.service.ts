// The plan and its targets as data: reading them as of a moment, changing a target's definition
// (a new version, city-level tokens only, a department only for targets it answers for), and
// recording the measurements of reported targets.
import { randomUUID } from 'node:crypto'
import type { Transaction } from '../../db/client.ts'
import type { Actor } from '../../lib/actor.ts'
import type { ServiceDeps } from '../../lib/deps.ts'
import { assertIfMatch, etagOf } from '../../lib/http.ts'
import { AppError, problems, type FieldError } from '../../lib/problems.ts'
import { instant, notInFuture } from '../../lib/time.ts'
import { recordAudit } from '../audit/audit.repository.ts'
import { checkMetric, isComputed, type Metric } from './metrics/index.ts'
import { definitionOf, departmentsOf, measurementOf, targetOf, targetState } from './targets.documents.ts'
import * as repo from './targets.repository.ts'
import type { MeasurementQuery, PatchTargetInput, PlanDto, RecordMeasurementInput, TargetDto } from './targets.schemas.ts'
import type { Static } from 'typebox'

/** "左右" without a stated tolerance (design §8 A4). */
export const DEFAULT_TOLERANCE_PERCENT = 5

const planOf = (p: repo.PlanRow): PlanDto => ({
  code: p.code,
  title: p.title,
  issuer: p.issuer,
  issuedAt: p.issued_at.toISOString(),
  basis: { title: p.basis_title, documentNo: p.basis_document_no },
  periodStart: p.period_start.toISOString(),
  periodEnd: p.period_end.toISOString(),
})

/** Target definitions belong to the city: a county system may not change them. */
function assertCityLevel(actor: Actor, action: string) {
  if (actor.county) throw new AppError('city_level_required', `a token for county ${actor.county} may not ${action}: that is for city-level tokens`, { action })
}

/** A department's token acts only on targets its department answers for. */
function assertDepartment(actor: Actor, row: repo.TargetRow) {
  if (!actor.dept) return
  const responsible = departmentsOf(row).list.map((d) => d.code)
  if (!responsible.includes(actor.dept)) {
    throw new AppError('forbidden_department', `${actor.dept} is not among the units responsible for ${row.code} (${responsible.join(', ')})`, { department: actor.dept })
  }
}

export function createTargetService({ db, clock }: ServiceDeps) {
  function moments(asOf?: string, knownAt?: string) {
    const now = clock.now()
    return { asOf: instant(asOf, 'query', '/asOf') ?? now, knownAt: instant(knownAt, 'query', '/knownAt') ?? now }
  }

  /** The definition a Merge Patch leads to, checked field by field. */
  async function nextDefinition(tx: Transaction, current: repo.TargetRow, patch: PatchTargetInput): Promise<repo.DefinitionInput> {
    const errors: FieldError[] = []
    const comparator = patch.comparator ?? current.comparator
    const value = patch.value !== undefined ? patch.value : current.value === null ? null : Number(current.value)
    let tolerance = patch.tolerancePercent !== undefined ? patch.tolerancePercent : current.tolerance_percent === null ? null : Number(current.tolerance_percent)
    // The tolerance belongs to "左右": it follows the comparator unless the patch says otherwise.
    if (comparator !== 'approximately' && patch.tolerancePercent === undefined) tolerance = null
    if (comparator === 'approximately' && tolerance === null && patch.tolerancePercent === undefined) tolerance = DEFAULT_TOLERANCE_PERCENT
    if (comparator === 'approximately' && tolerance === null) errors.push({ in: 'body', pointer: '/tolerancePercent', message: 'an approximately (左右) target needs a tolerance' })
    if (comparator !== 'approximately' && tolerance !== null) errors.push({ in: 'body', pointer: '/tolerancePercent', message: `only an approximately (左右) target has a tolerance; this one is ${comparator}` })
    if (comparator === 'indicator' && value !== null) errors.push({ in: 'body', pointer: '/value', message: 'an indicator has no number: send null' })
    if (comparator !== 'indicator' && value === null) errors.push({ in: 'body', pointer: '/value', message: `a ${comparator} target needs a number` })
    const unit = patch.unit ?? current.unit
    if (unit === 'percent' && value !== null && value > 100) errors.push({ in: 'body', pointer: '/value', message: 'a percentage is at most 100' })

    const knownTypes = await repo.qualificationTypeCodes(tx)
    let metric: Metric = current.metric
    if (patch.metric !== undefined) {
      const checked = checkMetric(patch.metric, '/metric', knownTypes)
      if ('metric' in checked) metric = checked.metric
      else errors.push(...checked.errors)
    }
    if (isComputed(metric) && unit === 'percent') errors.push({ in: 'body', pointer: '/unit', message: `a ${metric.kind} metric counts enterprises or qualifications, not a percentage` })
    let alternatives = current.alternatives
    if (patch.alternatives !== undefined) {
      alternatives = []
      const readings = new Set<string>()
      for (const [i, a] of (patch.alternatives ?? []).entries()) {
        if (readings.has(a.reading) || a.reading === 'primary') errors.push({ in: 'body', pointer: `/alternatives/${i}/reading`, message: `"${a.reading}" is taken; each reading needs its own name` })
        readings.add(a.reading)
        const checked = checkMetric(a.metric, `/alternatives/${i}/metric`, knownTypes)
        if ('metric' in checked) alternatives.push({ reading: a.reading, metric: checked.metric })
        else errors.push(...checked.errors)
      }
    }
    let departments: string[] | null = current.own_departments?.map((d) => d.code) ?? null
    if (patch.responsibleDepartments !== undefined) {
      departments = patch.responsibleDepartments
      if (departments) {
        const known = await repo.departmentCodes(tx, departments)
        departments.forEach((code, i) => {
          if (!known.has(code)) errors.push({ in: 'body', pointer: `/responsibleDepartments/${i}`, message: `unknown department "${code}" (see GET /v1/departments)` })
        })
      }
    }
    if (errors.length) throw problems.validation(errors)
    const effectiveFrom = instant(patch.effectiveFrom, 'body', '/effectiveFrom') ?? clock.now()
    if (effectiveFrom < current.effective_from) {
      throw new AppError('out_of_order_change', `version ${current.version} takes effect at ${current.effective_from.toISOString()}; a new version cannot take effect before it`, {
        lastEffectiveAt: current.effective_from.toISOString(),
      })
    }
    return { label: patch.label ?? current.label, unit, comparator, value, tolerancePercent: tolerance, metric, alternatives, departments, effectiveFrom, changeNote: patch.changeNote ?? null }
  }

  return {
    async listPlans() {
      return { items: (await repo.listPlans(db)).map(planOf) }
    },

    async getPlan(code: string, asOfRaw?: string, knownAtRaw?: string): Promise<PlanDto> {
      const { asOf, knownAt } = moments(asOfRaw, knownAtRaw)
      const plan = await repo.findPlan(db, code)
      if (!plan) throw problems.notFound('target plan', code)
      const [tasks, targets] = await Promise.all([repo.tasksOf(db, code), repo.targetsInForce(db, code, asOf, knownAt)])
      return {
        ...planOf(plan),
        tasks: tasks.map((t) => ({ taskNo: t.task_no, title: t.title, departments: t.departments.map((d, i) => ({ ...d, lead: i === 0 })) })),
        targets: targets.map((t) => targetOf(t, asOf, knownAt)),
      }
    },

    async getTarget(code: string, asOfRaw?: string, knownAtRaw?: string): Promise<{ doc: TargetDto; etag: string }> {
      const { asOf, knownAt } = moments(asOfRaw, knownAtRaw)
      const [row, history] = await Promise.all([repo.findTarget(db, code, asOf, knownAt), repo.definitionsOf(db, code, knownAt)])
      if (!row) throw problems.notFound('target', code)
      return { doc: targetOf(row, asOf, knownAt, history), etag: etagOf(targetState(row)) }
    },

    async patchTarget(actor: Actor, code: string, patch: PatchTargetInput, ifMatch: string | undefined): Promise<{ doc: TargetDto; etag: string }> {
      assertCityLevel(actor, 'change target definitions')
      return db.transaction(async (tx) => {
        const current = await repo.lockTarget(tx, code)
        if (!current) throw problems.notFound('target', code)
        assertIfMatch(ifMatch, etagOf(targetState(current)))
        assertDepartment(actor, current)
        const next = await nextDefinition(tx, current, patch)
        const now = clock.now()
        const after = await repo.appendDefinition(tx, code, current.version + 1, next, actor)
        const before = targetOf(current, now, now)
        const doc = targetOf(after, now, now)
        recordAudit(tx, actor, [
          { operation: 'target.update', entityType: 'target', entityId: code, before: JSON.stringify(before), after: JSON.stringify(doc), effectiveAt: next.effectiveFrom },
          { operation: 'target_definition.create', entityType: 'target_definition', entityId: `${code}:${after.version}`, before: null, after: JSON.stringify(definitionOf(after)), effectiveAt: next.effectiveFrom },
        ])
        return { doc, etag: etagOf(targetState(after)) }
      })
    },

    async recordMeasurement(actor: Actor, code: string, input: RecordMeasurementInput) {
      const periodFrom = instant(input.periodFrom, 'body', '/periodFrom')
      const periodTo = instant(input.periodTo, 'body', '/periodTo')
      if (periodTo <= periodFrom) throw problems.field('body', '/periodTo', 'must be after periodFrom')
      notInFuture(clock, periodTo, '/periodTo')
      const countyCode = input.countyCode ?? null
      if (actor.county && countyCode !== actor.county) {
        throw new AppError('forbidden_county', countyCode
          ? `a token for county ${actor.county} may not record figures of county ${countyCode}`
          : `a token for county ${actor.county} records its own county's figures: send countyCode ${actor.county} (city-wide figures are for city-level tokens)`)
      }
      return db.transaction(async (tx) => {
        const now = clock.now()
        const target = await repo.findTarget(tx, code, now, now)
        if (!target) throw problems.notFound('target', code)
        if (isComputed(target.metric)) {
          throw new AppError('conflict', `target ${code} is computed from the registry (${target.metric.kind}); measurements are for reported metrics`)
        }
        assertDepartment(actor, target)
        if (target.unit === 'percent' && input.value > 100) throw problems.field('body', '/value', 'is a percentage: 0 to 100')
        if (countyCode !== null && !(await repo.countyExists(tx, countyCode))) throw problems.field('body', '/countyCode', `unknown county "${countyCode}" (see GET /v1/counties)`)
        if (input.supersedes) {
          const old = await repo.findMeasurement(tx, input.supersedes.toLowerCase())
          if (!old) throw problems.field('body', '/supersedes', `measurement ${input.supersedes} does not exist`)
          if (old.target_code !== code) throw problems.field('body', '/supersedes', `measurement ${old.id} belongs to target ${old.target_code}, not ${code}`)
          if (old.county_code !== countyCode) throw problems.field('body', '/countyCode', `a correction keeps the area of what it corrects (${old.county_code ?? 'city-wide'})`)
          if (old.superseded) throw new AppError('conflict', `measurement ${old.id} is already superseded; correct the measurement that superseded it`)
        }
        let row: repo.MeasurementRow
        try {
          row = await repo.insertMeasurement(tx, {
            id: randomUUID(), targetCode: code, countyCode, periodFrom, periodTo, value: input.value, source: input.source,
            method: input.method ?? null, documentNo: input.documentNo ?? null, supersedes: input.supersedes?.toLowerCase() ?? null,
          }, actor)
        } catch (error) {
          // Two corrections of one measurement at once: the unique index lets one through.
          if ((error as { code?: string }).code === '23505') throw new AppError('conflict', `measurement ${input.supersedes} was superseded meanwhile`)
          throw error
        }
        const doc = measurementOf(row)
        recordAudit(tx, actor, [{ operation: 'target_measurement.create', entityType: 'target_measurement', entityId: row.id, before: null, after: JSON.stringify(doc), effectiveAt: periodTo }])
        return doc
      })
    },

    async listMeasurements(code: string, q: Static<typeof MeasurementQuery>) {
      const { knownAt } = moments(undefined, q.knownAt)
      const now = clock.now()
      const target = await repo.findTarget(db, code, now, now)
      if (!target) throw problems.notFound('target', code)
      const rows = await repo.measurements(db, [code], knownAt, q.countyCode)
      return { targetCode: code, knownAt: knownAt.toISOString(), items: rows.map(measurementOf) }
    },
  }
}
