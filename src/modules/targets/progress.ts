// The progress rules (design §5.3), pure: where the period stands, whether a figure meets its
// target, the linear path a target is expected to follow, and the county a retired code now is.

export type Comparator = 'at_least' | 'approximately' | 'indicator'
export type ProgressStatus = 'met' | 'not_met' | 'no_data' | 'indicator'
export type PeriodState = 'before' | 'running' | 'ended'

export interface Goal {
  comparator: Comparator
  value: number | null
  tolerancePercent: number | null
}

export function periodState(asOf: Date, start: Date, end: Date): PeriodState {
  if (asOf < start) return 'before'
  return asOf >= end ? 'ended' : 'running'
}

/** Share of the period elapsed at asOf, 0 to 1. */
export function elapsed(asOf: Date, start: Date, end: Date): number {
  const share = (asOf.getTime() - start.getTime()) / (end.getTime() - start.getTime())
  return Math.min(1, Math.max(0, share))
}

/** Whether `actual` meets `bar` under the comparator: "左右" (approximately) within the tolerance below. */
function meets(goal: Goal, actual: number, bar: number): boolean {
  if (goal.comparator === 'approximately') return actual >= bar * (1 - (goal.tolerancePercent ?? 0) / 100)
  return actual >= bar
}

export function status(goal: Goal, actual: number | null): ProgressStatus {
  if (goal.comparator === 'indicator' || goal.value === null) return 'indicator'
  if (actual === null) return 'no_data'
  return meets(goal, actual, goal.value) ? 'met' : 'not_met'
}

/**
 * Where a straight line from the start of the period to the target stands at asOf: for new
 * grants from 0, for a stock from what was held when the period began (`baseline`), for a
 * reported figure the target itself. Null for an indicator.
 */
export function expectedByNow(goal: Goal, kind: 'activeAt' | 'newlyGranted' | 'reported', fraction: number, baseline: number | null): number | null {
  if (goal.comparator === 'indicator' || goal.value === null) return null
  if (kind === 'reported') return goal.value
  const from = kind === 'activeAt' ? (baseline ?? 0) : 0
  return round2(from + (goal.value - from) * fraction)
}

/** On track: the figure meets the expected point under the target's own comparator. */
export function onTrack(goal: Goal, actual: number | null, expected: number | null): boolean | null {
  if (actual === null || expected === null) return null
  return meets(goal, actual, expected)
}

export const round2 = (n: number) => Math.round(n * 100) / 100

export interface CountyRef {
  code: string
  name: string
  /** Last day of validity (YYYY-MM-DD), null while in use. */
  validUntil: string | null
  validFrom: string
  successorCode: string | null
}

/** The Asia/Shanghai calendar day of an instant (YYYY-MM-DD). */
export function shanghaiDay(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10)
}

/** The county a code stands for on `day`: a code retired by then is its successor's (followed to the end). */
export function foldCounty(code: string, counties: ReadonlyMap<string, CountyRef>, day: string): string {
  let current = code
  for (let i = 0; i < 10; i++) {
    const c = counties.get(current)
    if (!c || c.validUntil === null || c.validUntil >= day || !c.successorCode) return current
    current = c.successorCode
  }
  return current
}

/** Counties in use on `day`, in code order (those that started later or were retired are left out). */
export function countiesOn(counties: Iterable<CountyRef>, day: string): CountyRef[] {
  return [...counties].filter((c) => c.validFrom <= day && (c.validUntil === null || c.validUntil >= day)).sort((a, b) => a.code.localeCompare(b.code))
}
