// Where the plan stands: every target's figure at (asOf, knownAt), city-wide, for one county or by
// county, with the target, the linear path and the other reading of an ambiguous clause; and what
// each computed figure counted. Figures come from the metrics' set statements (one per metric and
// moment), run side by side.
import type { Queryable } from '../../db/client.ts'
import type { ServiceDeps } from '../../lib/deps.ts'
import { cellsOf, type ExportColumn, type ExportSpec } from '../../lib/export.ts'
import { decodeCursor, pageOf } from '../../lib/paging.ts'
import { isUuid } from '../../lib/path-params.ts'
import { AppError, problems } from '../../lib/problems.ts'
import { instant } from '../../lib/time.ts'
import { isComputed, type Metric } from './metrics/index.ts'
import type { ActiveAt } from './metrics/active-at.ts'
import type { NewlyGranted } from './metrics/newly-granted.ts'
import { series, type MeasurementFact } from './metrics/reported.ts'
import * as rules from './progress.ts'
import { departmentsOf, measurementOf } from './targets.documents.ts'
import * as repo from './targets.repository.ts'
import { figureCounter, type FigureRequest } from './figures.ts'
import type { ContributorDto, ContributorQueryInput, ProgressDto, ProgressItemDto, ProgressQueryInput } from './targets.schemas.ts'

type Computed = ActiveAt | NewlyGranted


/** A computed figure: the city's, each recorded county's and how it was made up. */
interface Count {
  total: number
  /** By the county the enterprise was in at asOf, as recorded (retired codes not yet folded). */
  byRecordedCounty: Map<string, number>
  byType: Record<string, number>
  excludedByStatus: Record<string, number>
}

function tally(rows: repo.CountRow[]): Count {
  const count: Count = { total: 0, byRecordedCounty: new Map(), byType: {}, excludedByStatus: {} }
  for (const r of rows) {
    if (r.reason === null) {
      count.total += r.n
      count.byRecordedCounty.set(r.county_code, (count.byRecordedCounty.get(r.county_code) ?? 0) + r.n)
      count.byType[r.type_code] = (count.byType[r.type_code] ?? 0) + r.n
    } else {
      count.excludedByStatus[r.status] = (count.excludedByStatus[r.status] ?? 0) + r.n
    }
  }
  return count
}

const kindOf = (m: Metric) => m.kind

export function createProgressService({ db, clock }: ServiceDeps) {
  function moments(asOf: string | undefined, knownAt: string | undefined) {
    const now = clock.now()
    return { asOf: instant(asOf, 'query', '/asOf') ?? now, knownAt: instant(knownAt, 'query', '/knownAt') ?? now }
  }

  async function countiesContext(asOf: Date) {
    const all = await repo.counties(db)
    const byCode = new Map(all.map((c) => [c.code, c]))
    const day = rules.shanghaiDay(asOf)
    return { all, byCode, day, fold: (code: string) => rules.foldCounty(code, byCode, day) }
  }

  function checkCounty(code: string | undefined, byCode: Map<string, rules.CountyRef>, pointer = '/countyCode') {
    if (code !== undefined && !byCode.has(code)) throw problems.field('query', pointer, `unknown county "${code}" (see GET /v1/counties)`)
  }

  const counter = figureCounter(db)

  /** Counts of metrics at (asOf, knownAt), from the figure counter (asOf null: now; knownAt null: everything recorded), and the moment now stood for. */
  async function countFigures(requests: FigureRequest[], knownAt: Date | null, now: Date): Promise<{ counts: Count[]; now: Date }> {
    const { counts, now: at } = await counter.countAll(requests, now, knownAt)
    return { counts: counts.map(tally), now: at }
  }

  async function progress(planCode: string, q: ProgressQueryInput): Promise<ProgressDto> {
    if (q.by === 'county' && q.countyCode !== undefined) throw problems.field('query', '/by', 'by=county lists every county; leave out countyCode (or by)')
    const now = clock.now()
    const askedAsOf = instant(q.asOf, 'query', '/asOf') ?? null
    const askedKnownAt = instant(q.knownAt, 'query', '/knownAt') ?? null
    // The reads that do not wait for each other, sent together.
    const [plan, rows, counties] = await Promise.all([
      repo.findPlan(db, planCode),
      repo.targetsInForce(db, planCode, askedAsOf ?? now, askedKnownAt ?? now),
      countiesContext(askedAsOf ?? now),
    ])
    if (!plan) throw problems.notFound('target plan', planCode)
    checkCounty(q.countyCode, counties.byCode)
    let targets = rows
    if (q.target !== undefined) {
      const wanted = q.target.split(',').map((s) => s.trim()).filter(Boolean)
      const unknown = wanted.filter((c) => !rows.some((r) => r.code === c))
      if (unknown.length || wanted.length === 0) {
        throw problems.field('query', '/target', unknown.length ? `not a target of ${planCode}: ${unknown.join(', ')}` : 'name at least one target')
      }
      targets = rows.filter((r) => wanted.includes(r.code))
    }
    const start = plan.period_start
    const end = plan.period_end

    // Every count the answer needs (figure, baseline at the period start, other readings), then all at once.
    const requests: FigureRequest[] = []
    const ask = (metric: Metric, asOf: Date | null) => (isComputed(metric) ? requests.push({ metric, asOf, start, end }) - 1 : null)
    const needsBaseline = (t: repo.TargetRow, metric: Metric) => metric.kind === 'activeAt' && t.comparator !== 'indicator'
    const asked = targets.map((t) => isComputed(t.metric)
      ? {
          primary: ask(t.metric, askedAsOf)!,
          baseline: needsBaseline(t, t.metric) ? ask(t.metric, start) : null,
          alternatives: t.alternatives.map((a) => ({ reading: a.reading, metric: a.metric, count: ask(a.metric, askedAsOf), baseline: needsBaseline(t, a.metric) ? ask(a.metric, start) : null })),
        }
      : null)
    const reportedCodes = targets.filter((t) => !isComputed(t.metric)).map((t) => t.code)
    const measured = reportedCodes.length ? repo.measurements(db, reportedCodes, askedKnownAt ?? now) : Promise.resolve([])
    const { counts, now: countedAt } = await countFigures(requests, askedKnownAt, now)
    const asOf = askedAsOf ?? countedAt
    const knownAt = askedKnownAt ?? now
    const fraction = rules.elapsed(asOf, start, end)
    const at = (i: number | null) => (i === null ? null : counts[i]!)
    const figures = asked.map((f) => f && {
      primary: counts[f.primary]!,
      baseline: at(f.baseline),
      alternatives: f.alternatives.map((a) => ({ reading: a.reading, metric: a.metric, count: at(a.count), baseline: at(a.baseline) })),
    })
    const measurements = await measured
    const area = q.countyCode ?? null
    const areaCodes = area === null ? null : counties.all.filter((c) => counties.fold(c.code) === area).map((c) => c.code)
    const figureOf = (c: Count) => (areaCodes === null ? c.total : areaCodes.reduce((n, code) => n + (c.byRecordedCounty.get(code) ?? 0), 0))

    const items: ProgressItemDto[] = []
    for (const [i, t] of targets.entries()) {
      const goal: rules.Goal = { comparator: t.comparator, value: t.value === null ? null : Number(t.value), tolerancePercent: t.tolerance_percent === null ? null : Number(t.tolerance_percent) }
      // A count target is the city's: a county's figure has no goal of its own. A rate applies everywhere.
      const judged = area === null || t.unit === 'percent'
      const judge = (kind: ReturnType<typeof kindOf>, actual: number | null, baseline: number | null) => {
        if (!judged) return { actual, status: 'indicator' as const, expectedByNow: null, onTrack: null }
        const expected = rules.expectedByNow(goal, kind, fraction, baseline)
        return { actual, status: rules.status(goal, actual), expectedByNow: expected, onTrack: rules.onTrack(goal, actual, expected) }
      }
      const query = new URLSearchParams({ asOf: asOf.toISOString(), knownAt: knownAt.toISOString(), ...(area ? { countyCode: area } : {}) })
      const base = {
        code: t.code,
        section: t.section,
        label: t.label,
        quote: t.quote,
        comparator: t.comparator,
        target: goal.value,
        tolerancePercent: goal.tolerancePercent,
        unit: t.unit,
        metric: t.metric,
        definitionVersion: t.version,
        responsibleDepartments: departmentsOf(t).list,
      }
      const f = figures[i]
      if (!f) {
        const mine = measurements.filter((r) => r.target_code === t.code)
        const seriesOf = (county: string | null) => series(mine.filter((r) => r.county_code === county).map(fact), asOf)
        const own = seriesOf(area)
        const latest = own.at(-1)
        const item: ProgressItemDto = {
          ...base,
          ...judge('reported', latest ? latest.value : null, null),
          series: own.map((s) => measurementOf(mine.find((r) => r.id === s.id)!)),
          contributors: null,
        }
        if (q.by === 'county') {
          item.counties = rules.countiesOn(counties.all, counties.day).map((c) => ({ countyCode: c.code, countyName: c.name, actual: seriesOf(c.code).at(-1)?.value ?? null }))
          item.cityTotal = item.actual
        }
        items.push(item)
        continue
      }
      const { primary, baseline, alternatives } = f
      const item: ProgressItemDto = {
        ...base,
        ...judge(t.metric.kind, figureOf(primary), baseline ? figureOf(baseline) : null),
        ...(baseline ? { baseline: figureOf(baseline) } : {}),
        breakdown: { byType: primary.byType, excludedByStatus: primary.excludedByStatus },
        contributors: `/v1/targets/${t.code}/contributors?${query}`,
      }
      if (alternatives.length) {
        item.alternatives = alternatives.map((a) => ({
          reading: a.reading,
          metric: a.metric,
          ...judge(a.metric.kind, a.count ? figureOf(a.count) : null, a.baseline ? figureOf(a.baseline) : null),
        }))
      }
      if (q.by === 'county') {
        item.counties = byCounty(primary, counties)
        item.cityTotal = item.counties.reduce((n, c) => n + (c.actual ?? 0), 0)
      }
      items.push(item)
    }
    return {
      plan: { code: plan.code, title: plan.title, periodStart: plan.period_start.toISOString(), periodEnd: plan.period_end.toISOString() },
      asOf: asOf.toISOString(),
      knownAt: knownAt.toISOString(),
      countyCode: area,
      by: q.by ?? null,
      periodState: rules.periodState(asOf, start, end),
      elapsed: rules.round2(fraction),
      items,
    }
  }

  /** Every county in use at asOf (and any other a figure was recorded under), with retired codes folded in. */
  function byCounty(c: Count, counties: Awaited<ReturnType<typeof countiesContext>>) {
    const listed = new Map(rules.countiesOn(counties.all, counties.day).map((x) => [x.code, { countyCode: x.code, countyName: x.name, actual: 0 as number | null, mergedFrom: [] as { countyCode: string; countyName: string; actual: number }[] }]))
    for (const code of c.byRecordedCounty.keys()) {
      const folded = counties.fold(code)
      if (!listed.has(folded)) listed.set(folded, { countyCode: folded, countyName: counties.byCode.get(folded)?.name ?? folded, actual: 0, mergedFrom: [] })
    }
    for (const county of counties.all) {
      const folded = counties.fold(county.code)
      const n = c.byRecordedCounty.get(county.code) ?? 0
      const entry = listed.get(folded)
      if (!entry) continue
      entry.actual = (entry.actual ?? 0) + n
      if (folded !== county.code) entry.mergedFrom.push({ countyCode: county.code, countyName: county.name, actual: n })
    }
    return [...listed.values()]
      .sort((a, b) => a.countyCode.localeCompare(b.countyCode))
      .map(({ mergedFrom, ...rest }) => (mergedFrom.length ? { ...rest, mergedFrom } : rest))
  }

  /** What a contributors read needs before reading rows: the target, its plan and metric, the counties. */
  async function contributorContext(code: string, q: ContributorQueryInput) {
    const { asOf, knownAt } = moments(q.asOf, q.knownAt)
    const [target, counties] = await Promise.all([repo.findTarget(db, code, asOf, knownAt), countiesContext(asOf)])
    if (!target) throw problems.notFound('target', code)
    const plan = (await repo.findPlan(db, target.plan_code))!
    const reading = q.reading ?? 'primary'
    const metric = reading === 'primary' ? target.metric : target.alternatives.find((a) => a.reading === reading)?.metric
    if (!metric) {
      throw problems.field('query', '/reading', `target ${code} has no reading "${reading}"; readings: ${['primary', ...target.alternatives.map((a) => a.reading)].join(', ')}`)
    }
    if (!isComputed(metric)) {
      throw new AppError('conflict', `target ${code} is reported, not computed from the registry: its figures are its measurements (GET /v1/targets/${code}/measurements)`)
    }
    checkCounty(q.countyCode, counties.byCode)
    const countyCodes = q.countyCode === undefined ? undefined : counties.all.filter((c) => counties.fold(c.code) === q.countyCode).map((c) => c.code)
    /** Rows after `after` (one more than `limit`) read on `on`, as list items. */
    const read = async (on: Queryable, moments: { asOf: Date; knownAt: Date | null }, after: { uscc: string; id: string } | undefined, limit: number) => {
      const rows = await repo.contributors(on, metric, { ...moments, start: plan.period_start, end: plan.period_end }, {
        countyCodes,
        includeExcluded: q.includeExcluded ?? false,
        after,
        limit: limit + 1,
      })
      return rows.map((r) => {
        const county = counties.fold(r.county_code)
        const item: ContributorDto = {
          qualificationId: r.qualification_id,
          uscc: r.uscc,
          enterpriseName: r.enterprise_name,
          countyCode: county,
          countyName: counties.byCode.get(county)?.name ?? county,
          type: r.type_code,
          typeName: r.type_name,
          certificateNo: r.certificate_no,
          grantedAt: r.granted_at,
          statusAtAsOf: r.status,
          counted: r.reason === null,
          excludedBecause: r.reason as ContributorDto['excludedBecause'],
        }
        return item
      })
    }
    return { asOf, knownAt, reading, read }
  }

  async function contributors(code: string, q: ContributorQueryInput) {
    const { asOf, knownAt, reading, read } = await contributorContext(code, q)
    const after = decodeCursor(q.cursor, ['string', 'string'], ([u, id]) => /^[0-9A-Z]{18}$/.test(u as string) && isUuid(id as string)) as [string, string] | undefined
    const limit = q.limit ?? 50
    // Left out, knownAt is everything recorded, as for the figures.
    const rows = await read(db, { asOf, knownAt: q.knownAt === undefined ? null : knownAt }, after ? { uscc: after[0], id: after[1] } : undefined, limit)
    const page = pageOf(rows, limit, (r) => [r.uscc, r.qualificationId])
    return { target: code, reading, asOf: asOf.toISOString(), knownAt: knownAt.toISOString(), items: page.rows, nextCursor: page.nextCursor }
  }

  /** Every contributor as an export (src/lib/export.ts), as of `asOf` (default: the export's knownAt) as known at the export's knownAt. */
  async function contributorsExport(code: string, q: ContributorQueryInput): Promise<ExportSpec<{ uscc: string; id: string }>> {
    const { read } = await contributorContext(code, q)
    const pinnedAsOf = instant(q.asOf, 'query', '/asOf')
    return {
      resource: `contributors-${code}`,
      title: `指标${code}计入明细`,
      columns: CONTRIBUTOR_COLUMNS,
      pinnable: true,
      knownAt: instant(q.knownAt, 'query', '/knownAt'),
      async batch(on, knownAt, after, size, shape) {
        const rows = await read(on, { asOf: pinnedAsOf ?? knownAt, knownAt }, after, size)
        const page = rows.slice(0, size)
        const last = page.at(-1)
        const next = rows.length > size && last ? { uscc: last.uscc, id: last.qualificationId } : null
        return shape === 'cells' ? { cells: cellsOf(page, CONTRIBUTOR_COLUMNS), next } : { items: page.map((r) => JSON.stringify(r)), next }
      },
    }
  }

  return { progress, contributors, contributorsExport }
}

/** CSV columns of a contributors export. */
const CONTRIBUTOR_COLUMNS: ExportColumn[] = [
  { key: 'qualification_id', path: 'qualificationId', zh: '资质编号' },
  { key: 'uscc', zh: '统一社会信用代码' },
  { key: 'enterprise_name', path: 'enterpriseName', zh: '企业名称' },
  { key: 'county_code', path: 'countyCode', zh: '县(市、区)代码' },
  { key: 'county_name', path: 'countyName', zh: '县(市、区)' },
  { key: 'type', zh: '资格类型代码' },
  { key: 'type_name', path: 'typeName', zh: '资格类型' },
  { key: 'certificate_no', path: 'certificateNo', zh: '证书编号' },
  { key: 'granted_at', path: 'grantedAt', zh: '授予时间', time: true },
  { key: 'status_at_as_of', path: 'statusAtAsOf', zh: '状态' },
  { key: 'counted', zh: '是否计入' },
  { key: 'excluded_because', path: 'excludedBecause', zh: '未计入原因' },
]

function fact(r: repo.MeasurementRow): MeasurementFact {
  return { id: r.id, countyCode: r.county_code, periodFrom: new Date(r.period_from), periodTo: new Date(r.period_to), value: Number(r.value), recordedAt: new Date(r.recorded_at), supersedes: r.supersedes }
}
