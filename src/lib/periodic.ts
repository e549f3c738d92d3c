// A background pass that runs every interval on each instance (the stored-document refresher, the
// audit sealer). Passes never overlap within an instance; across instances the pass itself decides
// who works (both take an advisory lock and skip their turn when another instance holds it).
import type { FastifyBaseLogger } from 'fastify'

export interface Periodic {
  start(): void
  /** Stops scheduling and waits for a running pass to finish. */
  stop(): Promise<void>
  /** One pass now (tests, tools); joins the running one if there is one. */
  runOnce(): Promise<number>
}

/**
 * `pass` does one round of work and returns how much it did; it is given `stopped` to end a long
 * round early at shutdown. A failed pass is logged as `failure` and retried at the next interval.
 * An interval of 0 never schedules (runOnce still works).
 */
export function periodic(o: { intervalMs: number; log: FastifyBaseLogger; failure: string; pass: (stopped: () => boolean) => Promise<number> }): Periodic {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<number> | undefined
  let stopped = false

  function runOnce(): Promise<number> {
    running ??= o.pass(() => stopped).finally(() => {
      running = undefined
    })
    return running
  }

  function schedule() {
    if (stopped || o.intervalMs <= 0) return
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) => o.log.warn({ err: error }, o.failure))
        .finally(schedule)
    }, o.intervalMs)
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
