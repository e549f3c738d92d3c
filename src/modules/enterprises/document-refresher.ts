// Keeps the stored enterprise documents fresh in the background: every interval it rebuilds those
// that a change or the passing of time made stale, in batches, one instance at a time. Reads are
// correct without it (they compute whatever is stale); it only keeps them on the one-row path.
import type { FastifyBaseLogger } from 'fastify'
import type { Database } from '../../db/client.ts'
import { refreshStale } from './documents.repository.ts'

/** Small, so that a write to a document being refreshed waits a few milliseconds at most. */
const BATCH = 100
/** Bounds one tick's work (5,000 documents) so a backlog, e.g. after a migration, is spread out. */
const MAX_BATCHES_PER_TICK = 50

export interface DocumentRefresher {
  start(): void
  /** Stops scheduling and waits for a running pass to finish. */
  stop(): Promise<void>
  /** One pass now (tests, tools): refreshes until nothing stale is left or the pass bound is hit. */
  runOnce(): Promise<number>
}

export function documentRefresher(db: Database, intervalMs: number, log: FastifyBaseLogger): DocumentRefresher {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined
  let stopped = false

  async function pass(): Promise<number> {
    let total = 0
    for (let i = 0; i < MAX_BATCHES_PER_TICK && !stopped; i++) {
      const n = await refreshStale(db, BATCH)
      total += n
      if (n < BATCH) break
    }
    return total
  }

  function runOnce(): Promise<number> {
    running ??= pass().finally(() => {
      running = undefined
    })
    return running
  }

  function schedule() {
    if (stopped || intervalMs <= 0) return
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) => log.warn({ err: error }, 'refreshing stored enterprise documents failed; reads compute them until a later pass succeeds'))
        .finally(schedule)
    }, intervalMs)
    timer.unref()
  }

  return {
    start: schedule,
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running?.catch(() => undefined)
    },
    runOnce,
  }
}
