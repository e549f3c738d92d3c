// The case lifecycle over every (state × event) pair: allowed events move to the state design §3.4
// names; the others are refused with the current state and the allowed events; closed refuses all.
import t from 'tap'
import {
  allowedEvents, apply, CASE_EVENT_TYPES, CASE_STATES, closingOutcomes, fold, isCityLevel, LATER_EVENT_TYPES, opened,
  type CaseEvent, type CaseEventType, type CaseFacts, type CaseState,
} from '../../../src/modules/supervision/case-lifecycle.ts'

const T0 = new Date('2025-03-12T01:00:00Z')
const at = (days: number) => new Date(T0.getTime() + days * 86_400_000)
const Q = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002']

/** A payload that satisfies every guard of `type` on a serious case. */
function payloadOf(type: CaseEventType, facts: CaseFacts, when: Date): Record<string, unknown> {
  switch (type) {
    case 'interview_held': return { rectificationRequired: false }
    case 'deadline_extended': return { deadline: new Date(Date.parse(facts.deadline ?? when.toISOString()) + 86_400_000 * 10).toISOString() }
    case 'severity_changed': return { to: 'serious' }
    case 'revocation_referred': return { grounds: '整改不到位', qualificationIds: Q }
    case 'province_decision': return { authority: '山东省市场监督管理局', level: 'province', outcomes: [{ qualificationId: Q[0], outcome: 'revoked' }, { qualificationId: Q[1], outcome: 'retained' }] }
    case 'closed': return { outcome: closingOutcomes(facts)[0], summary: '结案' }
    default: return {}
  }
}

const ev = (type: CaseEventType, when: Date, payload: Record<string, unknown>): CaseEvent => ({ type, occurredAt: when, payload, documentNo: '德市监函〔2025〕31号' })

/** Events that bring a serious case into each state. */
const PATHS: Record<CaseState, [CaseEventType, Record<string, unknown>][]> = {
  open: [],
  interview_scheduled: [['interview_scheduled', {}]],
  interviewed: [['interview_scheduled', {}], ['interview_held', { rectificationRequired: false }]],
  rectifying: [['interview_scheduled', {}], ['interview_held', { rectificationRequired: true, deadline: at(30).toISOString() }]],
  rectification_submitted: [['interview_scheduled', {}], ['interview_held', { rectificationRequired: true, deadline: at(30).toISOString() }], ['rectification_submitted', {}]],
  rectification_rejected: [['interview_scheduled', {}], ['interview_held', { rectificationRequired: true, deadline: at(30).toISOString() }], ['rectification_submitted', {}], ['rectification_rejected', {}]],
  rectified: [['interview_scheduled', {}], ['interview_held', { rectificationRequired: true, deadline: at(30).toISOString() }], ['rectification_submitted', {}], ['rectification_accepted', {}]],
  referred: [['revocation_referred', { grounds: 'x', qualificationIds: Q }]],
  decided: [['revocation_referred', { grounds: 'x', qualificationIds: Q }], ['province_decision', { authority: '山东省市场监督管理局', level: 'province', outcomes: [{ qualificationId: Q[0], outcome: 'revoked' }, { qualificationId: Q[1], outcome: 'retained' }] }]],
  closed: [['closed', { outcome: 'unfounded', summary: '不成立' }]],
}

function caseIn(state: CaseState, severity = 'serious'): CaseFacts {
  const events = [ev('opened', T0, { severity }), ...PATHS[state].map(([type, payload], i) => ev(type, at(i + 1), payload))]
  return fold(events)!
}

/** design §3.4: the state each event leads to from each state where it is allowed. */
const EXPECTED: Record<CaseState, Partial<Record<CaseEventType, CaseState>>> = {
  open: { interview_scheduled: 'interview_scheduled', severity_changed: 'open', referral_proposed: 'open', revocation_referred: 'referred', legal_referral: 'open', note: 'open', closed: 'closed' },
  interview_scheduled: { interview_scheduled: 'interview_scheduled', interview_cancelled: 'open', interview_held: 'interviewed', severity_changed: 'interview_scheduled', legal_referral: 'interview_scheduled', note: 'interview_scheduled' },
  interviewed: { interview_scheduled: 'interview_scheduled', severity_changed: 'interviewed', referral_proposed: 'interviewed', revocation_referred: 'referred', legal_referral: 'interviewed', note: 'interviewed', closed: 'closed' },
  rectifying: { rectification_submitted: 'rectification_submitted', deadline_extended: 'rectifying', severity_changed: 'rectifying', referral_proposed: 'rectifying', revocation_referred: 'referred', legal_referral: 'rectifying', note: 'rectifying' },
  rectification_submitted: { rectification_accepted: 'rectified', rectification_rejected: 'rectification_rejected', severity_changed: 'rectification_submitted', legal_referral: 'rectification_submitted', note: 'rectification_submitted' },
  rectification_rejected: { interview_scheduled: 'interview_scheduled', rectification_submitted: 'rectification_submitted', severity_changed: 'rectification_rejected', referral_proposed: 'rectification_rejected', revocation_referred: 'referred', legal_referral: 'rectification_rejected', note: 'rectification_rejected', closed: 'closed' },
  rectified: { severity_changed: 'rectified', legal_referral: 'rectified', note: 'rectified', closed: 'closed' },
  referred: { referral_withdrawn: 'open', province_decision: 'decided', legal_referral: 'referred', note: 'referred' },
  decided: { legal_referral: 'decided', note: 'decided', closed: 'closed' },
  closed: {},
}

t.test('every (state × event) pair', async (t) => {
  let pairs = 0
  for (const state of CASE_STATES) {
    const facts = caseIn(state)
    t.equal(facts.state, state, `the path reaches ${state}`)
    for (const type of CASE_EVENT_TYPES) {
      pairs++
      const when = at(20)
      const result = apply(facts, ev(type, when, payloadOf(type, facts, when)))
      const expected = EXPECTED[state][type]
      if (state === 'closed') {
        t.same('refused' in result && result.refused, 'case_closed', `closed refuses ${type}`)
      } else if (expected) {
        t.ok('facts' in result, `${state} allows ${type}`)
        if ('facts' in result) t.equal(result.facts.state, expected, `${state} --${type}--> ${expected}`)
        t.ok(allowedEvents(facts, when).includes(type as never), `${type} is among the allowed events of ${state}`)
      } else {
        t.ok('refused' in result && result.refused === 'not_allowed', `${state} refuses ${type}`)
        if ('refused' in result && result.refused === 'not_allowed') {
          t.equal(result.currentState, state)
          t.same(result.allowedEvents, Object.keys(EXPECTED[state]).filter((e) => LATER_EVENT_TYPES.includes(e as never)).sort((a, b) => LATER_EVENT_TYPES.indexOf(a as never) - LATER_EVENT_TYPES.indexOf(b as never)), `refusal of ${type} in ${state} lists the allowed events`)
        }
      }
    }
  }
  t.equal(pairs, CASE_STATES.length * CASE_EVENT_TYPES.length)
  t.same(allowedEvents(caseIn('closed')), [], 'a closed case allows nothing')
  t.ok('refused' in apply(null, ev('note', T0, {})), 'nothing before opened')
  t.equal(apply(null, ev('opened', T0, { severity: 'minor' })).hasOwnProperty('facts'), true)
})

t.test('guards', async (t) => {
  const minorOpen = caseIn('open', 'minor')
  const refused = apply(minorOpen, ev('revocation_referred', at(1), payloadOf('revocation_referred', minorOpen, at(1))))
  t.equal('refused' in refused && refused.refused, 'guard', 'a minor open case is not referred at once')
  t.notOk(allowedEvents(minorOpen).includes('revocation_referred'))

  const minorRectifying = caseIn('rectifying', 'minor')
  const early = apply(minorRectifying, ev('revocation_referred', at(10), payloadOf('revocation_referred', minorRectifying, at(10))))
  t.equal('refused' in early && early.refused, 'guard', 'before the deadline of a minor case: guard')
  if ('refused' in early && early.refused === 'guard') t.match(early.guard, /deadline/)
  const late = apply(minorRectifying, ev('revocation_referred', at(40), payloadOf('revocation_referred', minorRectifying, at(40))))
  t.ok('facts' in late && late.facts.state === 'referred', 'after the deadline it succeeds')

  const shorter = apply(minorRectifying, ev('deadline_extended', at(10), { deadline: at(20).toISOString(), reason: 'x' }))
  t.equal('refused' in shorter && shorter.refused, 'guard', 'an extension must move the deadline later')

  const held = apply(caseIn('interview_scheduled'), ev('interview_held', at(10), { rectificationRequired: true, deadline: at(5).toISOString() }))
  t.equal('refused' in held && held.refused, 'guard', 'a deadline before the interview')

  const badClose = apply(caseIn('rectified'), ev('closed', at(10), { outcome: 'unfounded', summary: 'x' }))
  t.same('refused' in badClose && badClose, { refused: 'outcome', allowedOutcomes: ['rectified'] }, 'closing outcome must fit the state')
  const derived = apply(caseIn('decided'), ev('closed', at(10), { summary: 'x' }))
  t.equal('facts' in derived && derived.facts.outcome, 'revoked', 'after a decision the outcome is derived')
})

t.test('returns and facts', async (t) => {
  const cancelled = fold([ev('opened', T0, { severity: 'minor' }), ev('interview_scheduled', at(1), {}), ev('interview_scheduled', at(2), {}), ev('interview_cancelled', at(3), {})])!
  t.equal(cancelled.state, 'open', 'a cancelled (rescheduled) interview returns to the state before the first scheduling')
  const withdrawn = fold([ev('opened', T0, { severity: 'serious' }), ev('interview_scheduled', at(1), {}), ev('interview_held', at(2), { rectificationRequired: false }),
    ev('revocation_referred', at(3), { grounds: 'x', qualificationIds: Q }), ev('referral_withdrawn', at(4), {})])!
  t.equal(withdrawn.state, 'interviewed', 'a withdrawn referral returns to the state before it')
  t.equal(withdrawn.referralPending, false)
  const referred = caseIn('referred')
  t.equal(referred.referralPending, true)
  t.same(referred.referral!.qualificationIds, Q)
  const decided = caseIn('decided')
  t.equal(decided.referralPending, false, 'the decision releases the referral')
  t.equal(decided.stateSince, at(2).toISOString())
  const flagged = fold([ev('opened', T0, { severity: 'minor' }), ev('legal_referral', at(1), {}), ev('referral_proposed', at(2), {}), ev('severity_changed', at(3), { to: 'serious' })])!
  t.same([flagged.legalReferral, flagged.referralProposed, flagged.severity, flagged.state, flagged.stateSince], [true, true, 'serious', 'open', T0.toISOString()])
  t.equal(opened(ev('opened', T0, { severity: 'minor' })).openedAt, T0.toISOString())
})

t.test('city-level events', async (t) => {
  for (const type of ['revocation_referred', 'referral_withdrawn', 'province_decision'] as const) t.ok(isCityLevel(type, 'referred'))
  t.ok(isCityLevel('closed', 'decided'))
  t.notOk(isCityLevel('closed', 'rectified'))
  t.notOk(isCityLevel('interview_scheduled', 'open'))
})
