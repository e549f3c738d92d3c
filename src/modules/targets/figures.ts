// Counting metrics for progress answers, kept per part of the registry so that a write costs a
// recount of the parts it touched, not of everything. A computed figure is a sum over enterprises
// (a metric's rules look at one enterprise's qualifications and its county at a time), so each
// figure is kept as counts per range of USCCs ("part", targets.repository.ts#figureBounds) and the
// answer is their sum.
//
// What a part's count is valid for is decided by the database, never guessed:
// - Writes: triggers on every table the metrics read record the enterprises (and types) a
//   transaction changed (target_figure_change). Each computation runs in one REPEATABLE READ
//   snapshot, reads the changes committed since the previous computation's snapshot
//   (pg_visible_in_snapshot, so a write that started early and committed late is found), drops the
//   counts of the parts those changes touch, and counts again, in the same snapshot, the parts the
//   request needs. A kept count is therefore always the count in the latest snapshot.
// - Time: counts "as of now" are counted as of the database's clock read just after the snapshot
//   was taken (so everything in the snapshot was recorded by then). The next computation finds what
//   time alone changed since that moment (grants, validities starting or ending, changes taking
//   effect: from indexes) and counts those parts again, like the parts a write touched.
// Several instances keep their own counts; each reads the same change rows.
import type { Database, Queryable, Transaction } from '../../db/client.ts'
import type { ActiveAt } from './metrics/active-at.ts'
import type { NewlyGranted } from './metrics/newly-granted.ts'
import * as repo from './targets.repository.ts'

type Computed = ActiveAt | NewlyGranted

/** Parts of the registry: more parts, less to count again after a write, more to keep per figure. */
const PARTS = 256
/** Figures kept (a metric at one moment), at most; the least recently used goes first. */
const MAX_FIGURES = 120
/** Above this share of parts to count, one statement over everything is cheaper than ranges. */
const WHOLE_SHARE = 0.25
/** A computation whose previous snapshot is older than this counts everything again (change rows are kept an hour). */
const MAX_SNAPSHOT_AGE_MS = 45 * 60_000
/** Change rows are pruned at most this often by each instance. */
const PRUNE_EVERY_MS = 5 * 60_000
/** "Now" is the database's clock when the application's agrees with it; otherwise (a test's clock) the application's, counted as a fixed moment. */
const CLOCK_AGREEMENT_MS = 2000
/** Background recounts of the parts writes touched: how often, and for how long after a figure was last asked for. */
const REFRESH_MS = 100
const REFRESH_FOR_MS = 10 * 60_000
/** Figures recounted by one background pass, at most: a request waits for one pass at worst. */
const REFRESH_BATCH = 3
/** Connections counting figures not kept yet side by side (besides the one holding the snapshot). */
const ASIDE_CONNECTIONS = 3

/** Runs `fn` over `items`, at most `n` at a time, in order of the items. */
async function inTurns<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }))
  return out
}

export interface FigureRequest {
  metric: Computed
  /** null: as of now. */
  asOf: Date | null
  start: Date
  end: Date
}

interface Part {
  rows: repo.CountRow[]
}

interface Figure {
  metric: Computed
  /** null: as of now. */
  asOf: Date | null
  knownAt: Date | null
  start: Date
  end: Date
  parts: (Part | undefined)[]
  /** Sum of the parts present, by county, type, reason and status. */
  total: Map<string, repo.CountRow>
  /** When a request last asked for it (performance.now()). */
  usedAt: number
}

const rowKey = (r: repo.CountRow) => `${r.county_code}\u0000${r.type_code}\u0000${r.reason ?? ''}\u0000${r.status}`

function add(f: Figure, rows: repo.CountRow[], sign: 1 | -1) {
  for (const r of rows) {
    const k = rowKey(r)
    const t = f.total.get(k)
    if (t) {
      t.n += sign * r.n
      if (t.n === 0) f.total.delete(k)
    } else f.total.set(k, { county_code: r.county_code, type_code: r.type_code, reason: r.reason, status: r.status, n: sign * r.n })
  }
}

function drop(f: Figure, part: number) {
  const old = f.parts[part]
  if (!old) return
  add(f, old.rows, -1)
  f.parts[part] = undefined
}

const counters = new WeakMap<Database, ReturnType<typeof createFigureCounter>>()

/** The counter of a database: one per database, so the API and the page share their counts. */
export function figureCounter(db: Database) {
  return counters.get(db) ?? counters.set(db, createFigureCounter(db)).get(db)!
}

function createFigureCounter(db: Database) {
  let bounds: string[] | null = null
  /** The snapshot every kept count is valid in, and the database's clock just after it was taken: counts as of now are as of that moment. */
  let snapshot: { text: string; at: Date } | null = null
  const figures = new Map<string, Figure>()
  let lastPrune = 0
  // One computation at a time: each moves every kept count to its own snapshot.
  let queue: Promise<unknown> = Promise.resolve()

  function reset() {
    bounds = null
    snapshot = null
    figures.clear()
  }

  /** The types whose changes touch a metric's counts. */
  const typesOf = (m: Computed, listing: string[]) => ('listingTypes' in m && m.listingTypes ? listing : m.types ?? [])

  /** requests null: a refresh, recounting the few parts missing from figures asked for lately. */
  async function compute(tx: Transaction, requests: FigureRequest[] | null, appNow: Date | null, knownAt: Date | null): Promise<{ counts: repo.CountRow[][]; now: Date }> {
    await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
    bounds ??= await repo.figureBounds(tx, PARTS)
    const b = bounds
    const { state, changes } = await repo.figureChanges(tx, snapshot?.text ?? null, b)
    const previous = snapshot
    if (!previous || state.now.getTime() - previous.at.getTime() > MAX_SNAPSHOT_AGE_MS || state.now < previous.at) figures.clear()
    const dirty = (list: { part: number | null; type_code: string | null }[], nowOnly: boolean) => {
      if (list.some((c) => c.part === null)) {
        for (const [k, f] of figures) if (!nowOnly || f.asOf === null) figures.delete(k)
        return
      }
      if (!list.length) return
      for (const f of figures.values()) {
        if (nowOnly && f.asOf !== null) continue
        const types = new Set(typesOf(f.metric, state.listing_types))
        for (const c of list) if (c.type_code === null || types.has(c.type_code)) drop(f, c.part!)
      }
    }
    // What was committed since the last snapshot: the parts it touched are counted again; for counts
    // as of now, also the parts where time alone changed something since the last "now".
    dirty(changes, false)
    if (figures.size && previous && [...figures.values()].some((f) => f.asOf === null)) dirty(await repo.figureTimeChanges(tx, previous.at, state.now, b), true)
    snapshot = { text: state.snapshot, at: state.now }
    // A clock of its own (tests): "now" is that moment, counted like any fixed moment.
    const shared = appNow === null || Math.abs(state.now.getTime() - appNow.getTime()) <= CLOCK_AGREEMENT_MS
    const now = shared || appNow === null ? state.now : appNow

    const parts = b.length + 1
    const recent = performance.now() - REFRESH_FOR_MS
    const wanted = requests === null
      ? [...figures.values()]
          .filter((f) => f.usedAt >= recent && f.parts.some((p) => !p) && f.parts.filter((p) => !p).length <= parts * WHOLE_SHARE)
          .sort((x, y) => y.usedAt - x.usedAt)
          .slice(0, REFRESH_BATCH)
      : requests.map((r) => {
      const asOf = r.asOf ?? (shared ? null : appNow)
      const key = `${asOf ? asOf.toISOString() : 'now'}|${knownAt ? knownAt.toISOString() : ''}|${r.start.toISOString()}|${r.end.toISOString()}|${JSON.stringify(r.metric)}`
      let f = figures.get(key)
      if (f) figures.delete(key)
      else f = { metric: r.metric, asOf, knownAt, start: r.start, end: r.end, parts: new Array(parts).fill(undefined), total: new Map(), usedAt: 0 }
      f.usedAt = performance.now()
      figures.set(key, f) // most recently used last
      return f
    })
    while (figures.size > MAX_FIGURES) figures.delete(figures.keys().next().value!)

    const missing = new Map<Figure, number[]>()
    for (const f of new Set(wanted)) {
      const m: number[] = []
      f.parts.forEach((p, i) => { if (!p) m.push(i) })
      if (m.length) missing.set(f, m)
    }
    // Counts of a few parts in one round trip on this connection (they run one after the other);
    // counts of everything (a figure not kept yet: seconds each) side by side on other connections
    // that share this snapshot, where the database has more than one.
    const jobs = [...missing].map(([f, m]) => ({ f, m, whole: m.length > parts * WHOLE_SHARE }))
    const count = (on: Queryable, j: (typeof jobs)[number]) =>
      repo.countMetricByPart(on, j.f.metric, { asOf: j.f.asOf ?? now, knownAt: j.f.knownAt, start: j.f.start, end: j.f.end }, b, j.whole ? null : repo.partRanges(b, j.m))
    const aside = db.kind === 'postgres' ? jobs.filter((j) => j.whole) : []
    const here = jobs.filter((j) => !aside.includes(j))
    const exported = aside.length > 1 ? (await tx.query<{ id: string }>('SELECT pg_export_snapshot() AS id'))[0]!.id : null
    const [near, far] = await Promise.all([
      Promise.all(here.map(async (j) => ({ ...j, rows: await count(tx, j) }))),
      exported === null
        ? Promise.all(aside.map(async (j) => ({ ...j, rows: await count(tx, j) })))
        : inTurns(aside, ASIDE_CONNECTIONS, (j) => db.transaction(async (other) => {
            await other.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
            await other.query(`SET TRANSACTION SNAPSHOT '${exported.replace(/'/g, "''")}'`)
            return { ...j, rows: await count(other, j) }
          })),
    ])
    const results = [...near, ...far]
    for (const { f, m, whole, rows } of results) {
      const byPart = new Map<number, repo.CountRow[]>()
      for (const { part, ...row } of rows) {
        const list = byPart.get(part)
        if (list) list.push(row)
        else byPart.set(part, [row])
      }
      // A count over everything replaces every part (those present were the same).
      for (const i of whole ? f.parts.keys() : m) {
        drop(f, i)
        const part: Part = { rows: byPart.get(i) ?? [] }
        f.parts[i] = part
        add(f, part.rows, 1)
      }
    }
    return { counts: wanted.map((f) => [...f.total.values()].map((r) => ({ ...r }))), now }
  }

  /**
   * Counts for a request made at `now` (the application's clock) as known at `knownAt` (null:
   * everything recorded), and the moment "as of now" stood for.
   */
  function countAll(requests: FigureRequest[], now: Date, knownAt: Date | null): Promise<{ counts: repo.CountRow[][]; now: Date }> {
    const run = exclusive(requests, now, knownAt)
    scheduleRefresh()
    void run.then(() => {
      if (lastPrune && performance.now() - lastPrune < PRUNE_EVERY_MS) return
      lastPrune = performance.now()
      repo.pruneFigureChanges(db).catch(() => {})
    }, () => {})
    return run
  }

  function exclusive(requests: FigureRequest[] | null, now: Date | null, knownAt: Date | null) {
    const run = queue.then(async () => {
      try {
        return await db.transaction((tx) => compute(tx, requests, now, knownAt))
      } catch (error) {
        // Counts half replaced are not kept.
        reset()
        throw error
      }
    })
    queue = run.catch(() => {})
    return run
  }

  // While figures are asked for, the parts that writes touch are recounted in the background, a few
  // figures every REFRESH_MS (a figure missing many parts is left to its next request), so that a
  // request finds little to count. A refresh is a computation like a request's, in the same queue.
  let refreshing: NodeJS.Timeout | null = null
  function scheduleRefresh() {
    if (refreshing || REFRESH_MS <= 0) return
    refreshing = setTimeout(() => {
      exclusive(null, null, null)
        .catch(() => {})
        .finally(() => {
          refreshing = null
          if ([...figures.values()].some((f) => f.usedAt >= performance.now() - REFRESH_FOR_MS)) scheduleRefresh()
        })
    }, REFRESH_MS)
    refreshing.unref()
  }

  return { countAll }
}
