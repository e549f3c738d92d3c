// Writes of several modules compose in one unit of work: an enterprise change and a qualification
// status change made in one transaction commit together, with their audit entries, or not at all.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { sealAudit } from '../../src/modules/audit/audit.repository.ts'
import { createEnterpriseService } from '../../src/modules/enterprises/enterprises.service.ts'
import { applyStatusChange } from '../../src/modules/qualifications/status-change.ts'
import { build, newUscc } from '../helpers/app.ts'
import { createEnterprise, grant } from '../helpers/fixtures.ts'

const app = await build(t)
const enterprises = createEnterpriseService({ db: app.db, clock: app.clock })

async function setting() {
  const uscc = newUscc()
  await createEnterprise(app, { uscc })
  const q = await grant(app, uscc, { grantedAt: '2024-01-01T00:00:00+08:00' })
  return { uscc, q }
}

/** Renames the enterprise and suspends its qualification in one unit of work, then runs `end`. */
const both = (uscc: string, qualificationId: string, requestId: string, end: () => void) =>
  app.db.transaction(async (tx) => {
    const actor = { sub: 'unit-of-work-test', requestId }
    const item = await enterprises.checkItem(tx, actor, { uscc, name: '统一事务测试有限公司', countyCode: '371402' }, '')
    await enterprises.upsert(tx, actor, [item])
    await applyStatusChange(tx, actor, {
      qualificationId,
      to: 'suspended',
      reasonCode: 'test',
      reason: '一并暂停',
      occurredAt: null,
      effectiveAt: new Date('2025-01-01T00:00:00+08:00'),
      decision: { authority: '德州市市场监督管理局', level: 'city', documentNo: null, decidedAt: null },
    })
    end()
  })

async function state(uscc: string, qualificationId: string, requestId: string) {
  await sealAudit(app.db, true)
  const [row] = await app.db.query<{ name: string; status: string; audited: string[] }>(
    `SELECT e.name, q.status::text AS status,
            (SELECT array_agg(a.operation ORDER BY a.id) FROM audit_event a WHERE a.request_id = $3) AS audited
     FROM enterprise e JOIN qualification q ON q.uscc = e.uscc WHERE e.uscc = $1 AND q.id = $2::uuid`,
    [uscc, qualificationId, requestId],
  )
  return row!
}

t.test('a failure after both modules wrote leaves neither write and no audit entry', async (t) => {
  const { uscc, q } = await setting()
  const requestId = randomUUID()
  await t.rejects(both(uscc, q.id, requestId, () => {
    throw new Error('a later step failed')
  }), /a later step failed/)
  const after = await state(uscc, q.id, requestId)
  t.not(after.name, '统一事务测试有限公司', 'the enterprise change was rolled back')
  t.equal(after.status, 'active', 'the status change was rolled back')
  t.equal(after.audited, null, 'no audit entry')
})

t.test('both writes commit together, each with its audit entries under the one request id', async (t) => {
  const { uscc, q } = await setting()
  const requestId = randomUUID()
  await both(uscc, q.id, requestId, () => {})
  const after = await state(uscc, q.id, requestId)
  t.equal(after.name, '统一事务测试有限公司')
  t.equal(after.status, 'suspended')
  t.same(after.audited, ['enterprise.update', 'qualification.change_status', 'qualification_event.create'])
})
