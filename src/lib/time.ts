// Instants sent by callers, as the registry reads them: one parser for every date-time in a body,
// a query or a cursor, and the "not in the future" rule with the clock skew it tolerates.
// A calendar date (YYYY-MM-DD) means the start of that day in Asia/Shanghai, the registry's
// time zone: "effective 1 July" starts at 2025-07-01T00:00:00+08:00, not at 08:00.
import type { Clock } from './clock.ts'
import { problems, type FieldError } from './problems.ts'

/** Clock difference tolerated between callers and the registry for "not in the future" rules. */
export const CLOCK_SKEW_MS = 60_000

/** The registry's time zone offset (Asia/Shanghai has kept +08:00 since 1991). */
export const REGISTRY_OFFSET = '+08:00'

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/

/** The accepted forms, as error messages show them. */
export const INSTANT_FORMS =
  'a date-time with its offset, e.g. 2025-07-01T08:30:00+08:00 or 2025-07-01T00:30:00Z, or a calendar date, e.g. 2025-07-01 (the start of that day in Asia/Shanghai)'

/** A date-time or calendar date the schema accepted, as a Date; some RFC 3339 forms (leap seconds, instants before year 1 or after 9999 in UTC) the registry cannot represent. */
export function instant(value: string, where: FieldError['in'], pointer: string): Date
export function instant(value: string | undefined, where: FieldError['in'], pointer: string): Date | undefined
export function instant(value: string | undefined, where: FieldError['in'], pointer: string): Date | undefined {
  if (value === undefined) return undefined
  const d = new Date(CALENDAR_DATE.test(value) ? `${value}T00:00:00${REGISTRY_OFFSET}` : value)
  // Years 1–9999 in UTC: toISOString() writes year 0 as 0000 and later years as +010000, which
  // PostgreSQL refuses (0001-01-01 in Asia/Shanghai is 0000-12-31T16:00Z).
  const year = d.getUTCFullYear()
  if (Number.isNaN(d.getTime()) || year < 1 || year > 9999) throw problems.field(where, pointer, 'is not a date-time this registry can represent')
  return d
}

/** 400 when `d` lies ahead of the clock by more than the tolerated skew. */
export function notInFuture(clock: Clock, d: Date | undefined, pointer: string): void {
  if (d && d.getTime() > clock.now().getTime() + CLOCK_SKEW_MS) throw problems.field('body', pointer, 'must not be in the future')
}
