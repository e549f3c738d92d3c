// Instants sent by callers, as the registry reads them: one parser for every date-time in a body,
// a query or a cursor, and the "not in the future" rule with the clock skew it tolerates.
import type { Clock } from './clock.ts'
import { problems, type FieldError } from './problems.ts'

/** Clock difference tolerated between callers and the registry for "not in the future" rules. */
export const CLOCK_SKEW_MS = 60_000

/** A date-time the schema accepted, as a Date; some RFC 3339 forms (leap seconds) JavaScript cannot represent. */
export function instant(value: string, where: FieldError['in'], pointer: string): Date
export function instant(value: string | undefined, where: FieldError['in'], pointer: string): Date | undefined
export function instant(value: string | undefined, where: FieldError['in'], pointer: string): Date | undefined {
  if (value === undefined) return undefined
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) throw problems.field(where, pointer, 'is not a date-time this registry can represent')
  return d
}

/** 400 when `d` lies ahead of the clock by more than the tolerated skew. */
export function notInFuture(clock: Clock, d: Date | undefined, pointer: string): void {
  if (d && d.getTime() > clock.now().getTime() + CLOCK_SKEW_MS) throw problems.field('body', pointer, 'must not be in the future')
}
