import t from 'tap'
import { allowedTransitions, allowedTransitionsAt, canTransition, effectiveStatus, FINAL_STATUSES, RECORDED_STATUSES } from '../../../src/modules/qualifications/lifecycle.ts'

t.test('transitions follow domain.md', async (t) => {
  t.same([...allowedTransitions('active')].sort(), ['annulled', 'revoked', 'suspended', 'withdrawn'])
  t.same([...allowedTransitions('suspended')].sort(), ['active', 'annulled', 'revoked', 'withdrawn'])
  t.ok(canTransition('suspended', 'active'), 'reinstatement')
  t.notOk(canTransition('active', 'active'))
  for (const final of FINAL_STATUSES) {
    for (const to of RECORDED_STATUSES) t.notOk(canTransition(final, to), `${final} -> ${to} stays final`)
  }
})

t.test('effective status follows from dates', async (t) => {
  const from = new Date('2024-01-01T00:00:00Z')
  const until = new Date('2025-01-01T00:00:00Z')
  t.equal(effectiveStatus('active', from, until, new Date('2024-06-01T00:00:00Z')), 'active')
  t.equal(effectiveStatus('active', from, until, until), 'expired', 'expires at valid_until exactly')
  t.equal(effectiveStatus('suspended', from, until, new Date('2026-01-01T00:00:00Z')), 'expired')
  t.equal(effectiveStatus('revoked', from, until, new Date('2026-01-01T00:00:00Z')), 'revoked', 'final states are not overridden by expiry')
  t.equal(effectiveStatus('active', from, null, new Date('2099-01-01T00:00:00Z')), 'active', 'no expiry without valid_until')
  t.equal(effectiveStatus('active', from, until, new Date('2023-06-01T00:00:00Z')), 'pending')
  t.equal(effectiveStatus(null, from, until, new Date('2024-06-01T00:00:00Z')), 'pending')
})

t.test('targets depend on the effective status at the change', async (t) => {
  t.same([...allowedTransitionsAt('pending')].sort(), ['annulled', 'revoked', 'suspended', 'withdrawn'], 'not yet valid behaves as active')
  t.same([...allowedTransitionsAt('expired')].sort(), ['annulled', 'revoked'], 'after expiry only a decision that voids it')
  t.same(allowedTransitionsAt('active'), allowedTransitions('active'))
  t.same(allowedTransitionsAt('suspended'), allowedTransitions('suspended'))
  for (const final of FINAL_STATUSES) t.same(allowedTransitionsAt(final), [], `${final} stays final`)
})
