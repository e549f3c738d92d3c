// The qualification lifecycle (domain.md): the only place that says which status may follow which.

export const RECORDED_STATUSES = ['active', 'suspended', 'revoked', 'annulled', 'withdrawn'] as const
export type RecordedStatus = (typeof RECORDED_STATUSES)[number]
/** Status as answered for a moment: recorded statuses plus those that follow from dates. */
export const EFFECTIVE_STATUSES = [...RECORDED_STATUSES, 'expired', 'pending'] as const
export type EffectiveStatus = (typeof EFFECTIVE_STATUSES)[number]

export const FINAL_STATUSES: readonly RecordedStatus[] = ['revoked', 'annulled', 'withdrawn']

const TRANSITIONS: Record<RecordedStatus, readonly RecordedStatus[]> = {
  active: ['suspended', 'revoked', 'annulled', 'withdrawn'],
  suspended: ['active', 'revoked', 'annulled', 'withdrawn'],
  revoked: [],
  annulled: [],
  withdrawn: [],
}

export function allowedTransitions(from: RecordedStatus): readonly RecordedStatus[] {
  return TRANSITIONS[from]
}

export function canTransition(from: RecordedStatus, to: RecordedStatus): boolean {
  return TRANSITIONS[from].includes(to)
}

// Once validUntil has passed there is nothing left to suspend, reinstate or give up; a decision
// can still void it after the fact (misconduct while it was valid, or granted in error).
const AFTER_EXPIRY: readonly RecordedStatus[] = ['revoked', 'annulled']

/**
 * Targets allowed for a change taking effect while the qualification is in `status` (its
 * effective status at that moment): `pending` (granted, not yet valid) behaves like `active`.
 */
export function allowedTransitionsAt(status: EffectiveStatus): readonly RecordedStatus[] {
  if (status === 'pending') return TRANSITIONS.active
  if (status === 'expired') return AFTER_EXPIRY
  return TRANSITIONS[status]
}

/** Same rule as the SQL function qualification_status_at, for one qualification in memory. */
export function effectiveStatus(
  lastStatus: RecordedStatus | null,
  validFrom: Date,
  validUntil: Date | null,
  asOf: Date,
): EffectiveStatus {
  if (lastStatus === null) return 'pending'
  if ((lastStatus === 'active' || lastStatus === 'suspended') && validUntil && validUntil <= asOf) return 'expired'
  if (lastStatus === 'active' && validFrom > asOf) return 'pending'
  return lastStatus
}
