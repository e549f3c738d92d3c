// Counting metrics for progress answers, reusing a count while it is certain to be the same: the
// registry's stamp is unchanged (nothing was committed to the tables figures read since it was
// taken, and nobody was writing to them then) and, for a count "as of now", no moment at which time
// alone changes a figure has come (registryState().next). The database decides both, so several
// instances and concurrent writers stay exact; a read that names its own knownAt is never served here.
import type { Database } from '../../db/client.ts'
import type { ActiveAt } from './metrics/active-at.ts'
import type { NewlyGranted } from './metrics/newly-granted.ts'
import * as repo from './targets.repository.ts'

type Computed = ActiveAt | NewlyGranted

/** Counts kept for one stamp, at most this many (a caller naming many dates cannot grow it further). */
const MAX_ENTRIES = 500
/** The application's clock must be the database's for "now" to be shared (a test's own clock is not). */
const CLOCK_AGREEMENT_MS = 2000

interface Generation {
  stamp: string
  /** "Now" of the counts as of now, and until when they hold. */
  now: Date
  next: Date | null
  entries: Map<string, Promise<repo.CountRow[]>>
}

export interface FigureRequest {
  metric: Computed
  /** null: as of now. */
  asOf: Date | null
  start: Date
  end: Date
}

const counters = new WeakMap<Database, ReturnType<typeof createFigureCounter>>()

/** The counter of a database: one per database, so the API and the page share their counts. */
export function figureCounter(db: Database) {
  return counters.get(db) ?? counters.set(db, createFigureCounter(db)).get(db)!
}

function createFigureCounter(db: Database) {
  let generation: Generation | null = null

  /** The generation valid at `now` (the application's clock), or null when counts cannot be shared. */
  async function current(now: Date, asked: Promise<repo.RegistryState>): Promise<Generation | null> {
    const state = await asked
    // While someone is writing, a count could miss what commits next without the stamp showing it.
    if (!state.quiet || Math.abs(state.now.getTime() - now.getTime()) > CLOCK_AGREEMENT_MS) return null
    const g = generation
    const holds = (x: Generation) => x.now <= now && (x.next === null || now < x.next)
    if (g && g.stamp === state.stamp && holds(g)) return g
    const fresh: Generation = { stamp: state.stamp, now: state.now, next: state.next, entries: new Map() }
    // Counts at fixed dates outlive a change of "now" while nothing is committed.
    if (g && g.stamp === state.stamp) for (const [key, value] of g.entries) if (!key.startsWith('now|')) fresh.entries.set(key, value)
    generation = fresh
    // Counted at the database's now: usable for this request when that is not before the
    // application's now, or when no figure changes in between.
    return fresh.now >= now || holds(fresh) ? fresh : null
  }

  /**
   * Counts for a request made at `now` with knownAt left out (everything recorded): each from the
   * current generation, or counted now. Also answers the moment "now" stands for: the generation's
   * when it was just taken a moment after the application's now. `state` may be asked for early,
   * alongside the caller's other reads.
   */
  async function countAll(requests: FigureRequest[], now: Date, state: Promise<repo.RegistryState> = repo.registryState(db)): Promise<{ counts: repo.CountRow[][]; now: Date }> {
    const g = await current(now, state)
    const at = g && g.now > now ? g.now : now
    const counts = await Promise.all(requests.map(async (r) => {
      if (!g) return repo.countMetric(db, r.metric, { asOf: r.asOf ?? at, knownAt: null, start: r.start, end: r.end })
      const key = `${r.asOf ? r.asOf.toISOString() : 'now'}|${r.start.toISOString()}|${r.end.toISOString()}|${JSON.stringify(r.metric)}`
      let entry = g.entries.get(key)
      if (!entry) {
        entry = repo.countMetric(db, r.metric, { asOf: r.asOf ?? g.now, knownAt: null, start: r.start, end: r.end })
        if (g.entries.size >= MAX_ENTRIES) g.entries.clear()
        g.entries.set(key, entry)
        // A failed count is not kept.
        entry.catch(() => g.entries.delete(key))
      }
      return entry
    }))
    return { counts, now: at }
  }

  return { countAll }
}
