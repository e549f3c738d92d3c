// The supervision case lifecycle (design §3.4): the only place that says which event may follow
// which, what each does to the case's derived facts, and which events are the city's. Pure: the
// service checks a new event with `apply`, stores the facts after it on the event row, and every
// read of a case at a moment reads the facts after the last event visible then.

export const CASE_STATES = [
  'open', 'interview_scheduled', 'interviewed', 'rectifying', 'rectification_submitted',
  'rectification_rejected', 'rectified', 'referred', 'decided', 'closed',
] as const
export type CaseState = (typeof CASE_STATES)[number]

export const CASE_EVENT_TYPES = [
  'opened', 'interview_scheduled', 'interview_cancelled', 'interview_held', 'rectification_submitted',
  'rectification_accepted', 'rectification_rejected', 'deadline_extended', 'severity_changed', 'referral_proposed',
  'revocation_referred', 'referral_withdrawn', 'province_decision', 'legal_referral', 'note', 'closed',
] as const
export type CaseEventType = (typeof CASE_EVENT_TYPES)[number]
/** Events recorded on an existing case (opening is POST /v1/supervision-cases). */
export const LATER_EVENT_TYPES = CASE_EVENT_TYPES.filter((t) => t !== 'opened') as Exclude<CaseEventType, 'opened'>[]

export const SEVERITIES = ['minor', 'serious'] as const
export type Severity = (typeof SEVERITIES)[number]
export const CASE_OUTCOMES = ['unfounded', 'no_further_action', 'rectified', 'revoked', 'retained'] as const
export type CaseOutcome = (typeof CASE_OUTCOMES)[number]

/** The derived facts of a case after an event (stored with the event; JSON-safe). */
export interface CaseFacts {
  state: CaseState
  /** occurredAt of the event that entered the state. */
  stateSince: string
  severity: Severity
  /** The rectification deadline in force. */
  deadline: string | null
  referralPending: boolean
  referralProposed: boolean
  legalReferral: boolean
  outcome: CaseOutcome | null
  openedAt: string
  closedAt: string | null
  lastOccurredAt: string
  /** Where interview_cancelled returns to. */
  stateBeforeInterview: CaseState | null
  /** Where referral_withdrawn returns to. */
  stateBeforeReferral: CaseState | null
  referral: {
    referredAt: string
    to: { authority: string; level: string }
    documentNo: string | null
    grounds: string
    qualificationIds: string[]
  } | null
  decision: {
    decidedAt: string
    effectiveAt: string
    authority: string
    level: string
    documentNo: string
    outcomes: { qualificationId: string; outcome: 'revoked' | 'retained' }[]
  } | null
}

/** An event as the lifecycle sees it: its type, when it happened, and the payload fields it reads. */
export interface CaseEvent {
  type: CaseEventType
  occurredAt: Date
  documentNo?: string | null
  payload: Record<string, any>
}

export type Refusal =
  | { refused: 'case_closed'; closedAt: string | null; outcome: CaseOutcome | null }
  | { refused: 'not_allowed'; currentState: CaseState | null; allowedEvents: CaseEventType[] }
  | { refused: 'guard'; currentState: CaseState; allowedEvents: CaseEventType[]; guard: string }
  | { refused: 'outcome'; allowedOutcomes: CaseOutcome[] }

const SAME_STATE_ANY_BUT: Partial<Record<CaseEventType, readonly CaseState[]>> = {
  severity_changed: ['referred', 'decided', 'closed'],
  legal_referral: ['closed'],
  note: ['closed'],
}

/** The states each event may be recorded in (before guards). */
const FROM: Record<Exclude<CaseEventType, 'opened' | 'severity_changed' | 'legal_referral' | 'note'>, readonly CaseState[]> = {
  interview_scheduled: ['open', 'interviewed', 'rectification_rejected', 'interview_scheduled'],
  interview_cancelled: ['interview_scheduled'],
  interview_held: ['interview_scheduled'],
  rectification_submitted: ['rectifying', 'rectification_rejected'],
  rectification_accepted: ['rectification_submitted'],
  rectification_rejected: ['rectification_submitted'],
  deadline_extended: ['rectifying'],
  referral_proposed: ['open', 'interviewed', 'rectifying', 'rectification_rejected'],
  revocation_referred: ['open', 'interviewed', 'rectifying', 'rectification_rejected'],
  referral_withdrawn: ['referred'],
  province_decision: ['referred'],
  closed: ['open', 'interviewed', 'rectified', 'rectification_rejected', 'decided'],
}

/** Outcomes a case may be closed with, by the state it is closed from. */
export function closingOutcomes(facts: CaseFacts): CaseOutcome[] {
  switch (facts.state) {
    case 'open': return ['unfounded', 'no_further_action']
    case 'interviewed': return ['no_further_action']
    case 'rectified': return ['rectified']
    case 'rectification_rejected': return ['no_further_action']
    case 'decided': return [facts.decision?.outcomes.some((o) => o.outcome === 'revoked') ? 'revoked' : 'retained']
    default: return []
  }
}

function stateAllows(state: CaseState, type: CaseEventType): boolean {
  if (type === 'opened') return false
  const excluded = SAME_STATE_ANY_BUT[type]
  if (excluded) return !excluded.includes(state)
  return (FROM as Record<string, readonly CaseState[]>)[type]!.includes(state)
}

/** A guard that fails for `event` on a case with `facts`, by name; null when none fails. */
function failedGuard(facts: CaseFacts, type: CaseEventType, at: Date | null, payload: Record<string, any> = {}): string | null {
  if (type === 'revocation_referred') {
    if (facts.state === 'open' && facts.severity !== 'serious') return 'referral from open needs severity serious'
    if (facts.state === 'rectifying' && facts.severity !== 'serious') {
      const overdue = at !== null && facts.deadline !== null && at.getTime() > Date.parse(facts.deadline)
      if (!overdue) return 'referral while rectifying needs severity serious or the deadline passed'
    }
  }
  if (type === 'deadline_extended' && payload.deadline !== undefined && facts.deadline !== null) {
    if (Date.parse(payload.deadline) <= Date.parse(facts.deadline)) return 'the new deadline must be after the current deadline'
  }
  if (type === 'interview_held' && payload.rectificationRequired) {
    if (!payload.deadline || (at && Date.parse(payload.deadline) <= at.getTime())) return 'a required rectification needs a deadline after occurredAt'
  }
  return null
}

/**
 * The events a case with `facts` allows at `at` (default: its last event's time), before scopes and
 * county: what a county UI may offer. Guards that depend only on the case are applied.
 */
export function allowedEvents(facts: CaseFacts | null, at: Date | null = null): CaseEventType[] {
  if (facts === null) return ['opened']
  const moment = at ?? new Date(facts.lastOccurredAt)
  return LATER_EVENT_TYPES.filter((t) => stateAllows(facts.state, t) && failedGuard(facts, t, moment) === null && (t !== 'closed' || closingOutcomes(facts).length > 0))
}

/** Events only a city-level token may record on a case in `state`. */
export function isCityLevel(type: CaseEventType, state: CaseState | null): boolean {
  return type === 'revocation_referred' || type === 'referral_withdrawn' || type === 'province_decision' || (type === 'closed' && state === 'decided')
}

/** The state an event leads to from `facts` (assumes it is allowed). */
export function nextState(facts: CaseFacts, event: CaseEvent): CaseState {
  switch (event.type) {
    case 'opened': return 'open'
    case 'interview_scheduled': return 'interview_scheduled'
    case 'interview_cancelled': return facts.stateBeforeInterview ?? 'open'
    case 'interview_held': return event.payload.rectificationRequired ? 'rectifying' : 'interviewed'
    case 'rectification_submitted': return 'rectification_submitted'
    case 'rectification_accepted': return 'rectified'
    case 'rectification_rejected': return event.payload.newDeadline ? 'rectifying' : 'rectification_rejected'
    case 'revocation_referred': return 'referred'
    case 'referral_withdrawn': return facts.stateBeforeReferral ?? 'open'
    case 'province_decision': return 'decided'
    case 'closed': return 'closed'
    default: return facts.state
  }
}

/** The facts of a case opened by `event`. */
export function opened(event: CaseEvent): CaseFacts {
  const at = event.occurredAt.toISOString()
  return {
    state: 'open', stateSince: at, severity: event.payload.severity, deadline: null, referralPending: false, referralProposed: false,
    legalReferral: false, outcome: null, openedAt: at, closedAt: null, lastOccurredAt: at, stateBeforeInterview: null,
    stateBeforeReferral: null, referral: null, decision: null,
  }
}

/** The facts after `event`, or why the case refuses it. */
export function apply(facts: CaseFacts | null, event: CaseEvent): { facts: CaseFacts } | Refusal {
  if (facts === null) {
    return event.type === 'opened' ? { facts: opened(event) } : { refused: 'not_allowed', currentState: null, allowedEvents: ['opened'] }
  }
  if (facts.state === 'closed') return { refused: 'case_closed', closedAt: facts.closedAt, outcome: facts.outcome }
  if (!stateAllows(facts.state, event.type)) return { refused: 'not_allowed', currentState: facts.state, allowedEvents: allowedEvents(facts, event.occurredAt) }
  const guard = failedGuard(facts, event.type, event.occurredAt, event.payload)
  if (guard) return { refused: 'guard', currentState: facts.state, allowedEvents: allowedEvents(facts, event.occurredAt), guard }
  const p = event.payload
  const at = event.occurredAt.toISOString()
  const to = nextState(facts, event)
  const next: CaseFacts = { ...facts, state: to, lastOccurredAt: at, stateSince: to === facts.state ? facts.stateSince : at }
  switch (event.type) {
    case 'interview_scheduled':
      if (facts.state !== 'interview_scheduled') next.stateBeforeInterview = facts.state
      break
    case 'interview_cancelled':
      next.stateBeforeInterview = null
      break
    case 'interview_held':
      next.stateBeforeInterview = null
      if (p.rectificationRequired) next.deadline = new Date(p.deadline).toISOString()
      break
    case 'rectification_rejected':
      if (p.newDeadline) next.deadline = new Date(p.newDeadline).toISOString()
      break
    case 'deadline_extended':
      next.deadline = new Date(p.deadline).toISOString()
      break
    case 'severity_changed':
      next.severity = p.to
      break
    case 'referral_proposed':
      next.referralProposed = true
      break
    case 'revocation_referred':
      next.stateBeforeReferral = facts.state
      next.referralPending = true
      next.referral = {
        referredAt: at,
        to: { authority: p.to?.authority ?? '山东省市场监督管理局', level: p.to?.level ?? 'province' },
        documentNo: event.documentNo ?? null,
        grounds: p.grounds,
        qualificationIds: [...p.qualificationIds].map((id: string) => id.toLowerCase()).sort(),
      }
      break
    case 'referral_withdrawn':
      next.stateBeforeReferral = null
      next.referralPending = false
      next.referral = null
      break
    case 'province_decision':
      next.referralPending = false
      next.decision = {
        decidedAt: at,
        effectiveAt: new Date(p.effectiveAt ?? at).toISOString(),
        authority: p.authority,
        level: p.level,
        documentNo: event.documentNo ?? '',
        outcomes: [...p.outcomes].map((o: any) => ({ qualificationId: String(o.qualificationId).toLowerCase(), outcome: o.outcome }))
          .sort((a, b) => (a.qualificationId < b.qualificationId ? -1 : 1)),
      }
      break
    case 'legal_referral':
      next.legalReferral = true
      break
    case 'closed': {
      const allowed = closingOutcomes(facts)
      const outcome = p.outcome ?? (facts.state === 'decided' ? allowed[0] : undefined)
      if (!allowed.includes(outcome)) return { refused: 'outcome', allowedOutcomes: allowed }
      next.outcome = outcome
      next.closedAt = at
      break
    }
  }
  return { facts: next }
}

/** The facts after a whole history, oldest first; throws on an event the lifecycle refuses. */
export function fold(events: CaseEvent[]): CaseFacts | null {
  let facts: CaseFacts | null = null
  for (const event of events) {
    const result = apply(facts, event)
    if ('refused' in result) throw new Error(`event ${event.type} refused: ${result.refused}`)
    facts = result.facts
  }
  return facts
}
