// Keeps the stored enterprise documents fresh in the background: every interval it rebuilds those
// that a change or the passing of time made stale, in batches, one instance at a time. Reads are
// correct without it (they compute whatever is stale); it only keeps them on the one-row path.
import type { FastifyBaseLogger } from 'fastify'
import type { Database } from '../../../db/client.ts'
import type { Clock } from '../../../lib/clock.ts'
import { periodic, type Periodic } from '../../../lib/periodic.ts'
import { refreshStale } from './store.ts'

/** Small, so that a write to a document being refreshed waits a few milliseconds at most. */
const BATCH = 100
/** Bounds one tick's work (5,000 documents) so a backlog, e.g. after a migration, is spread out. */
const MAX_BATCHES_PER_TICK = 50

export type DocumentRefresher = Periodic

export function documentRefresher(db: Database, clock: Clock, intervalMs: number, log: FastifyBaseLogger): DocumentRefresher {
  return periodic({
    intervalMs,
    log,
    failure: 'refreshing stored enterprise documents failed; reads compute them until a later pass succeeds',
    async pass(stopped) {
      let total = 0
      for (let i = 0; i < MAX_BATCHES_PER_TICK && !stopped(); i++) {
        const n = await refreshStale(db, BATCH, clock.now())
        total += n
        if (n < BATCH) break
      }
      return total
    },
  })
}
