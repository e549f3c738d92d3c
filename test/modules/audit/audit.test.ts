import t from 'tap'
import { buildApp } from '../../../src/app.ts'
import { migrate, readMigrations } from '../../../src/db/migrate.ts'
import { sealAudit } from '../../../src/modules/audit/audit.repository.ts'
import { bearer, build, buildOwn, newUscc, onServer, testConfig } from '../../helpers/app.ts'
import { emptyDatabase } from '../../helpers/databases.ts'
import { changeStatus, createEnterprise, grant, holdOpen, reader } from '../../helpers/fixtures.ts'

const auditor = await bearer(['audit:read'])
const writer = await bearer(['registry:read', 'registry:write', 'admin'], { sub: 'audit-test-writer', county: '371402', dept: 'MARKET_REGULATION' })

// Tests that count or break the chain use buildOwn: a database of their own, whose chain starts at 1.

t.test('every write is audited with who, what, and the entity before and after', async (t) => {
  const app = await build(t)
  const uscc = newUscc()
  await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc, name: '审计测试有限公司', countyCode: '371402' } })
  await app.inject({ method: 'PATCH', url: `/v1/enterprises/${uscc}`, headers: { ...writer, 'content-type': 'application/merge-patch+json', 'x-request-id': 'audit-req-1' }, payload: '{"address":"德州市"}' })
  await app.inject({ method: 'POST', url: '/v1/enterprises/batch', headers: writer, payload: { items: [{ uscc, name: '审计测试集团有限公司', countyCode: '371402' }] } })
  const code = `AUDIT_T_${Date.now()}`
  await app.inject({ method: 'POST', url: '/v1/qualification-types', headers: writer, payload: { code, name: '测试', level: 'municipal', domain: 'service', leadDepartmentCode: 'COMMERCE', certificateBased: false } })
  const typeEtag = (await app.inject({ url: `/v1/qualification-types/${code}` })).headers.etag as string
  await app.inject({ method: 'PATCH', url: `/v1/qualification-types/${code}`, headers: { ...writer, 'content-type': 'application/merge-patch+json', 'if-match': typeEtag }, payload: '{"defaultValidityMonths":12}' })

  const res = await app.inject({ url: `/v1/audit-events?entityType=enterprise&entityId=${uscc}`, headers: auditor })
  t.equal(res.statusCode, 200)
  const items = res.json().items
  t.same(items.map((i: { operation: string }) => i.operation), ['enterprise.create', 'enterprise.update', 'enterprise.update'])
  t.same(items[0].actor, { sub: 'audit-test-writer', county: '371402', dept: 'MARKET_REGULATION' })
  t.same(items.map((i: { payloadFormat: string }) => i.payloadFormat), ['document', 'document', 'document'])
  t.equal(items[0].before, null)
  // Each `after` is the enterprise's document as GET /v1/enterprises/{uscc} returned it then.
  t.match(items[0].after, { uscc, name: '审计测试有限公司', countyCode: '371402', version: 1 })
  t.same(items[1].before, items[0].after, 'the document before the patch is the one the creation left')
  t.match(items[1].after, { uscc, address: '德州市', version: 2 })
  t.equal(items[1].requestId, 'audit-req-1')
  t.match(items[2].after, { name: '审计测试集团有限公司', address: '德州市', version: 3 })
  const now = (await app.inject({ url: `/v1/enterprises/${uscc}`, headers: writer })).json()
  t.same(items[2].after, now, 'the last entry\'s after is the current document')
  t.same([items[0].occurredAt, items[0].effectiveAt], [null, null], 'an enterprise records no times besides the recording')
  const types = (await app.inject({ url: `/v1/audit-events?entityType=qualification_type&entityId=${code}`, headers: auditor })).json().items
  t.same(types.map((i: { operation: string }) => i.operation), ['qualification_type.create', 'qualification_type.update'])
  t.equal(types[1].before.defaultValidityMonths, null)
  t.equal(types[1].after.defaultValidityMonths, 12)

  const byActor = (await app.inject({ url: `/v1/audit-events?actor=audit-test-writer&operation=enterprise.update&limit=1`, headers: auditor })).json()
  t.equal(byActor.items.length, 1)
  t.ok(byActor.nextCursor, 'more pages')
  const next = (await app.inject({ url: `/v1/audit-events?actor=audit-test-writer&operation=enterprise.update&limit=1&cursor=${byActor.nextCursor}`, headers: auditor })).json()
  t.ok(BigInt(next.items[0].id) > BigInt(byActor.items[0].id))
  t.equal((await app.inject({ url: `/v1/audit-events?from=2100-01-01T00:00:00Z`, headers: auditor })).json().items.length, 0)
})

t.test('a failed write leaves neither data nor an audit entry', async (t) => {
  const app = await build(t)
  const uscc = newUscc()
  await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc, name: 'x', countyCode: '371402' } })
  const dup = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc, name: 'y', countyCode: '371402' } })
  t.equal(dup.statusCode, 409)
  const [row] = await app.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_event WHERE entity_id = $1`, [uscc])
  t.equal(row!.n, '1')
})

t.test('history tables are append-only in the database itself', async (t) => {
  const app = await build(t)
  const uscc = newUscc()
  await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc, name: 'x', countyCode: '371402' } })
  // Row triggers need a row to fire on, also in a fresh embedded database.
  const [q] = await app.db.query<{ id: string }>(
    `INSERT INTO qualification (id, uscc, type_code, granted_at, valid_from) VALUES (gen_random_uuid(), $1, 'GOVERNOR_QUALITY_AWARD', now(), now()) RETURNING id`, [uscc])
  await app.db.query(`INSERT INTO qualification_event (qualification_id, seq, to_status, effective_at, actor_sub) VALUES ($1, 1, 'active', now(), 'test')`, [q!.id])
  await app.inject({ url: '/v1/audit-events?limit=1', headers: auditor }) // chains the entry
  for (const sql of [
    'UPDATE audit_event SET operation = operation', 'DELETE FROM audit_event', 'TRUNCATE audit_event, audit_chain, audit_pending',
    'UPDATE audit_chain SET hash = hash', 'DELETE FROM audit_chain', 'TRUNCATE audit_chain, audit_pending',
    'UPDATE qualification_event SET reason = reason', 'DELETE FROM qualification_event',
  ]) {
    await t.rejects(app.db.query(sql), /append-only/, sql)
  }
  await t.rejects(app.db.query('TRUNCATE audit_event'), /foreign key/, 'the chain refers to the entries')
  const [count] = await app.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM qualification_event WHERE qualification_id = $1`, [q!.id])
  t.equal(count!.n, '1', 'the history row is still there')
})

t.test('verification recomputes the chain and finds a row altered behind the application\'s back', async (t) => {
  // A database of its own: this test breaks the chain on purpose.
  const { db, app } = await buildOwn(t)
  for (let i = 0; i < 5; i++) {
    await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc: newUscc(), name: `链${i}`, countyCode: '371402' } })
  }
  const good = (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()
  t.equal(good.valid, true)
  t.equal(good.entries, 5)
  t.equal(good.firstBroken, null)

  const items = (await app.inject({ url: '/v1/audit-events', headers: auditor })).json().items
  t.same(items.map((i: { id: string }) => i.id), ['1', '2', '3', '4', '5'], 'positions in the chain')
  const victim = items[2]
  const asSuperuser = (sql: string, params: unknown[]) =>
    db.withSession(async (s) => {
      await s.exec(`SET session_replication_role = replica`)
      await s.query(sql, params)
      await s.exec(`SET session_replication_role = origin`)
    })
  // Someone with superuser rights bypasses the triggers and edits history.
  await asSuperuser(`UPDATE audit_event SET after = jsonb_set(after, '{name}', '"篡改"') WHERE id = (SELECT event_id FROM audit_chain WHERE seq = $1)`, [victim.id])
  const tampered = (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()
  t.equal(tampered.valid, false)
  t.same(tampered.firstBroken, { id: victim.id, reason: 'hash_mismatch' })

  // Recomputing the hash to hide the edit breaks the link to the next entry instead.
  await asSuperuser(
    `UPDATE audit_chain c SET hash = audit_event_digest(c.prev_hash, c.seq, e.at, e.actor_sub, e.actor_county, e.actor_dept, e.request_id,
       e.operation, e.entity_type, e.entity_id, e.before, e.after, e.occurred_at, e.effective_at, e.payload_format) FROM audit_event e WHERE e.id = c.event_id AND c.seq = $1`,
    [victim.id],
  )
  const relinked = (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()
  t.same(relinked.firstBroken, { id: items[3].id, reason: 'link_mismatch' })

  // Deleting an entry, or its place in the chain, breaks the link too.
  await asSuperuser(`DELETE FROM audit_chain WHERE seq = $1`, [items[3].id])
  t.same((await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json().firstBroken, { id: items[4].id, reason: 'link_mismatch' })
})

t.test('a deleted entry breaks the link of the next position', async (t) => {
  const { db, app } = await buildOwn(t)
  for (let i = 0; i < 3; i++) {
    await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc: newUscc(), name: `删${i}`, countyCode: '371402' } })
  }
  t.equal((await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json().valid, true)
  await db.withSession(async (s) => {
    await s.exec(`SET session_replication_role = replica`)
    await s.query(`DELETE FROM audit_event WHERE id = (SELECT event_id FROM audit_chain WHERE seq = 2)`)
    await s.exec(`SET session_replication_role = origin`)
  })
  t.same((await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json().firstBroken, { id: '3', reason: 'link_mismatch' })
})

t.test('writes do not wait for each other\'s audit entries; entries are chained in the order their writes commit', { skip: !onServer && 'needs two connections' }, async (t) => {
  const { db, app } = await buildOwn(t, {}, 8)
  // A write that has appended its entry and not committed yet.
  const slow = await holdOpen(db, (tx) =>
    tx.query(`INSERT INTO audit_event (actor_sub, operation, entity_type, entity_id) VALUES ('slow-writer', 'test.slow', 'test', 'slow')`),
  )
  // Another write goes through meanwhile (it used to wait for the first to commit).
  const uscc = newUscc()
  const quick = await Promise.race([
    app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc, name: '不等待', countyCode: '371402' } }),
    new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 5000)),
  ])
  t.not(quick, 'waited', 'the second write did not wait for the first')
  t.equal(await sealAudit(db, true), 1, 'only the committed entry is chained')
  const report = (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()
  t.same([report.entries, report.pending], [1, 0], 'the open write\'s entry is not in the chain')
  await slow.commit()
  const items = (await app.inject({ url: '/v1/audit-events', headers: auditor })).json().items
  t.same(items.map((i: { entityId: string; id: string }) => [i.id, i.entityId]), [['1', uscc], ['2', 'slow']], 'chained in commit order')
  const after = (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()
  t.same([after.valid, after.entries, after.pending], [true, 2, 0])
})

t.test('the background sealer chains entries without anyone reading the trail', async (t) => {
  const { db, app } = await buildOwn(t, { AUDIT_SEAL_INTERVAL_MS: '20' })
  await app.ready()
  await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc: newUscc(), name: '后台链', countyCode: '371402' } })
  const deadline = Date.now() + 10_000
  let chained = 0
  while (Date.now() < deadline) {
    const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_chain')
    chained = row!.n
    if (chained === 1) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.equal(chained, 1)
  const [pending] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_pending')
  t.equal(pending!.n, 0)
})

t.test('concurrent writers keep the chain intact', async (t) => {
  const { db, app } = await buildOwn(t, {}, 8)
  // Two sealers (as of two instances) run while the writes commit: each entry is chained once.
  let writing = true
  const sealers = [true, false].map(async (wait) => {
    while (writing) {
      await sealAudit(db, wait)
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
  })
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc: newUscc(), name: `并发${i}`, countyCode: '371402' } }),
    ),
  )
  writing = false
  await Promise.all(sealers)
  const report = (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()
  t.equal(report.entries, 20)
  t.equal(report.pending, 0)
  t.equal(report.valid, true)
  const [positions] = await db.query<{ n: number; max: string }>('SELECT count(DISTINCT event_id)::int AS n, max(seq)::text AS max FROM audit_chain')
  t.same(positions, { n: 20, max: '20' }, 'positions 1 to 20, one per entry')
})

t.test('a chain written before entries were chained after commit still verifies, and grows', async (t) => {
  const db = await emptyDatabase(t)
  const all = readMigrations()
  const at = all.findIndex((m) => m.name === '20261126001600_audit_chain_after_commit')
  await migrate(db, all.slice(0, at))
  // Entries chained by the former insert trigger, including a gap in ids left by a rolled-back write.
  const insert = `INSERT INTO audit_event (actor_sub, operation, entity_type, entity_id, after, prev_hash, hash)
                  VALUES ('before-upgrade', 'test.old', 'test', $1, '{"n": 1}', '', '')`
  await db.query(insert, ['a'])
  await db.transaction(async (tx) => {
    await tx.query(insert, ['rolled back'])
    throw new Error('roll back')
  }).catch(() => undefined)
  await db.query(insert, ['b'])
  await migrate(db, all)
  const app = await buildApp(await testConfig(), { db })
  t.teardown(() => app.close())
  await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc: newUscc(), name: '升级后', countyCode: '371402' } })
  const report = (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()
  t.same([report.valid, report.entries], [true, 3])
  const items = (await app.inject({ url: '/v1/audit-events', headers: auditor })).json().items
  const ids = await db.query<{ id: string; entity_id: string }>(`SELECT id::text AS id, entity_id FROM audit_event WHERE actor_sub = 'before-upgrade' ORDER BY id`)
  t.same(items.slice(0, 2).map((i: { id: string; entityId: string }) => [i.id, i.entityId]), ids.map((r) => [r.id, r.entity_id]), 'earlier positions are the entries\' ids')
  t.ok(Number(ids[1]!.id) - Number(ids[0]!.id) > 1, 'with the gap the rolled-back write left')
  t.equal(items[2].id, String(Number(items[1].id) + 1), 'new entries continue after the head')
  t.equal(items[2].prevHash, items[1].hash)
})

t.test('a status change is audited as the qualification before and after, and the recorded event, with their times', async (t) => {
  const app = await build(t)
  const uscc = newUscc()
  await createEnterprise(app, { uscc })
  const granted = await grant(app, uscc, { grantedAt: '2024-05-01T00:00:00+08:00' })
  const before = (await app.inject({ url: `/v1/qualifications/${granted.id}`, headers: await reader() })).json()
  const res = await changeStatus(app, granted.id, 'suspended', { effectiveAt: '2025-01-01T00:00:00+08:00', occurredAt: '2024-12-20T00:00:00+08:00' })
  t.equal(res.statusCode, 201, res.body)
  const requestId = res.json().change.actor.requestId
  const entries = async (entityId: string) => (await app.inject({ url: `/v1/audit-events?entityId=${entityId}`, headers: auditor })).json().items
  const items = [...(await entries(granted.id)), ...(await entries(`${granted.id}:2`))].filter((i: { requestId: string }) => i.requestId === requestId)
  t.same(items.map((i: { operation: string; entityType: string; entityId: string }) => [i.operation, i.entityType, i.entityId]), [
    ['qualification.change_status', 'qualification', granted.id],
    ['qualification_event.create', 'qualification_event', `${granted.id}:2`],
  ])
  const strip = ({ asOf: _a, knownAt: _k, ...rest }: Record<string, unknown>) => rest
  t.same(items[0].before, strip(before), 'before: the document as read before the change')
  t.same(items[0].after, strip(res.json().qualification), 'after: the document the change answered with')
  t.same(items[1].after, res.json().change, 'the event as its history lists it')
  for (const item of items) {
    t.equal(item.effectiveAt, '2024-12-31T16:00:00.000Z')
    t.equal(item.occurredAt, '2024-12-19T16:00:00.000Z')
  }
})

t.test('legacy entries keep the hash they were chained with and are read as legacy', async (t) => {
  const { db, app } = await buildOwn(t)
  await db.query(
    `INSERT INTO audit_event (actor_sub, operation, entity_type, entity_id, before, after, payload_format)
     VALUES ('old-writer', 'enterprise.update', 'enterprise', '91350100M000100Y43', '{"address":null}', '{"address":"德州市"}', 'legacy')`,
  )
  const items = (await app.inject({ url: '/v1/audit-events', headers: auditor })).json().items
  t.match(items[0], { payloadFormat: 'legacy', before: { address: null }, after: { address: '德州市' }, occurredAt: null, effectiveAt: null })
  // The formula entries were chained with before entry times and payload formats existed.
  const [row] = await db.query<{ same: boolean }>(
    `SELECT c.hash = encode(sha256(convert_to(c.prev_hash || '|' || jsonb_build_array(c.seq, floor(extract(epoch FROM e.at) * 1000)::bigint,
              e.actor_sub, e.actor_county, e.actor_dept, e.request_id, e.operation, e.entity_type, e.entity_id, e.before, e.after)::text, 'UTF8')), 'hex') AS same
     FROM audit_chain c JOIN audit_event e ON e.id = c.event_id WHERE c.seq = 1`,
  )
  t.equal(row!.same, true)
  t.equal((await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json().valid, true)
})
