// One public rate-limit budget per client address across every public route (verification,
// pages, reference data, checkpoints, templates): @fastify/rate-limit otherwise keeps a separate
// count per route, so a client could spend the budget once per route. Health probes are exempt.
import type { RouteOptions } from 'fastify'

interface Entry {
  current: number
  ttl: number
  started: number
}

/** A fixed-window count per key, shared by every route (child() is itself), bounded in size. */
export class SharedBudgetStore {
  private readonly counts = new Map<string, Entry>()
  /** Client addresses tracked at most. */
  private readonly limit = 10_000

  private entry(key: string, timeWindow: number, now: number): Entry | undefined {
    const entry = this.counts.get(key)
    return entry && entry.started + timeWindow > now ? entry : undefined
  }

  incr(key: string, cb: (err: Error | null, res: { current: number; ttl: number }) => void, timeWindow: number): void {
    const now = Date.now()
    let entry = this.entry(key, timeWindow, now)
    if (!entry) {
      entry = { current: 0, ttl: timeWindow, started: now }
      // The oldest key goes first when the map is full (Map keeps insertion order).
      if (this.counts.size >= this.limit) this.counts.delete(this.counts.keys().next().value!)
      this.counts.delete(key)
      this.counts.set(key, entry)
    }
    entry.current++
    entry.ttl = timeWindow - (now - entry.started)
    cb(null, { current: entry.current, ttl: entry.ttl })
  }

  read(key: string, cb: (err: Error | null, res: { current: number; ttl: number }) => void, timeWindow: number): void {
    const now = Date.now()
    const entry = this.entry(key, timeWindow, now)
    cb(null, entry ? { current: entry.current, ttl: timeWindow - (now - entry.started) } : { current: 0, ttl: timeWindow })
  }

  child(): SharedBudgetStore {
    return this
  }
}

const EXEMPT = new Set(['/healthz', '/readyz'])

/** An onRoute hook (added before the rate-limit plugin) giving every public route the one budget. */
export function publicBudget(budget: { max: number; windowMs: number }) {
  return (route: RouteOptions) => {
    const config = route.config as { auth?: unknown; rateLimit?: unknown } | undefined
    if (config?.auth !== false || EXEMPT.has(route.url) || config.rateLimit === false) return
    route.config = { ...config, rateLimit: { max: budget.max, timeWindow: budget.windowMs } } as RouteOptions['config']
  }
}
