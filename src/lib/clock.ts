// The registry's one reading of "now" on the application side. Services ask the clock the app
// was built with (app.clock), never `new Date()`, so a test can set the time instead of sleeping.
// Times the database records (recorded_at) come from the database's own clock.

export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }

export interface ManualClock extends Clock {
  set(at: Date | string): void
  advance(ms: number): void
}

/** A clock that stands still until a test sets or advances it. */
export function manualClock(start: Date | string = new Date()): ManualClock {
  let at = new Date(start).getTime()
  return {
    now: () => new Date(at),
    set: (to) => {
      at = new Date(to).getTime()
    },
    advance: (ms) => {
      at += ms
    },
  }
}
