// What every metric module shares: the moments it is evaluated for (as SQL expressions), the
// parameters of a statement, and the reasons a qualification is not counted.
import type { EffectiveStatus } from '../../qualifications/lifecycle.ts'

/** The moments of one evaluation, as SQL expressions (placeholders with casts). */
export interface SqlWindow {
  /** The moment the figure is for (effective time). */
  asOf: string
  /** What the registry had recorded by then. */
  knownAt: string
  /** The plan's period: [start, end). */
  start: string
  end: string
}

/**
 * A condition on the USCC column of a qualification alias that keeps some enterprises only. Exact
 * for every metric: a metric's verdicts on one enterprise's qualifications depend on those alone.
 */
export type Scope = (alias: string) => string

/** Statement parameters, numbered in the order they are added. */
export class SqlParams {
  readonly values: unknown[] = []
  add(value: unknown, cast = ''): string {
    this.values.push(value)
    return `$${this.values.length}${cast}`
  }
}

/**
 * Why a qualification of a metric's types does not count (null: it counts).
 * - `annulled`: granted in error; never counts once the annulment is known.
 * - `not_active_at_as_of`: its status at asOf is not active (suspended, expired, revoked, pending...).
 * - `granted_before_period` / `granted_after_as_of` / `granted_after_period`: outside the window.
 * - `renewal`: renews an earlier qualification, so it is not new.
 * - `held_before_period`: the enterprise held one of the types before the period, so it is not new.
 * - `status_at_as_of`: its status at asOf is excluded by the metric (revoked by default).
 * - `enterprise_already_counted`: counted by enterprise, and the enterprise counts through another.
 */
export const EXCLUSION_REASONS = [
  'annulled',
  'not_active_at_as_of',
  'granted_before_period',
  'granted_after_as_of',
  'granted_after_period',
  'renewal',
  'held_before_period',
  'status_at_as_of',
  'enterprise_already_counted',
] as const
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number]

/** One qualification as a metric sees it at (asOf, knownAt): the facts the rules decide on. */
export interface QualificationFact {
  id: string
  uscc: string
  type: string
  grantedAt: Date
  renewsId: string | null
  /** Status at asOf as known at knownAt (status.sql.ts). */
  statusAtAsOf: EffectiveStatus
  /** An annulment of it was recorded by knownAt. */
  annulled: boolean
}

export interface Window {
  asOf: Date
  start: Date
  end: Date
}

/** A qualification with the rule's verdict: counted, or the reason it is not. */
export interface Verdict {
  fact: QualificationFact
  reason: ExclusionReason | null
}

/** Orders facts as the SQL does (grant time, then id), so the counted one of an enterprise is the same. */
export const byGrant = (a: QualificationFact, b: QualificationFact) =>
  a.grantedAt.getTime() - b.grantedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Marks all but the first counted fact of each enterprise (facts in grant order). */
export function oncePerEnterprise(verdicts: Verdict[]): Verdict[] {
  const seen = new Set<string>()
  return verdicts.map((v) => {
    if (v.reason !== null) return v
    if (seen.has(v.fact.uscc)) return { ...v, reason: 'enterprise_already_counted' }
    seen.add(v.fact.uscc)
    return v
  })
}
