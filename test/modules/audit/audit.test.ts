import t from 'tap'
import { buildApp } from '../../../src/app.ts'
import { migrate } from '../../../src/db/migrate.ts'
import { bearer, build, newUscc, testConfig } from '../../helpers/app.ts'
import { emptyDatabase } from '../../helpers/databases.ts'

const auditor = await bearer(['audit:read'])
const writer = await bearer(['registry:read', 'registry:write', 'admin'], { sub: 'audit-test-writer', county: '371402', dept: 'MARKET_REGULATION' })

t.test('every write is audited with who, what and the changed values', async (t) => {
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
  t.equal(items[0].before, null)
  t.equal(items[0].after.name, '审计测试有限公司')
  t.same(items[1].before, { address: null })
  t.same(items[1].after, { address: '德州市' })
  t.equal(items[1].requestId, 'audit-req-1')
  t.same(items[2].after, { name: '审计测试集团有限公司' })
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
  for (const sql of ['UPDATE audit_event SET operation = operation', 'DELETE FROM audit_event', 'TRUNCATE audit_event', 'UPDATE qualification_event SET reason = reason', 'DELETE FROM qualification_event']) {
    await t.rejects(app.db.query(sql), /append-only/, sql)
  }
  const [count] = await app.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM qualification_event WHERE qualification_id = $1`, [q!.id])
  t.equal(count!.n, '1', 'the history row is still there')
})

t.test('verification recomputes the chain and finds a row altered behind the application\'s back', async (t) => {
  // A database of its own: this test breaks the chain on purpose.
  const db = await emptyDatabase(t)
  await migrate(db)
  const app = await buildApp(await testConfig(), { db })
  t.teardown(() => app.close())
  for (let i = 0; i < 5; i++) {
    await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc: newUscc(), name: `链${i}`, countyCode: '371402' } })
  }
  const good = (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()
  t.equal(good.valid, true)
  t.equal(good.entries, 5)
  t.equal(good.firstBroken, null)

  const items = (await app.inject({ url: '/v1/audit-events', headers: auditor })).json().items
  const victim = items[2]
  // Someone with superuser rights bypasses the triggers and edits history.
  await db.withSession(async (s) => {
    await s.exec(`SET session_replication_role = replica`)
    await s.query(`UPDATE audit_event SET after = jsonb_set(after, '{name}', '"篡改"') WHERE id = $1`, [victim.id])
    await s.exec(`SET session_replication_role = origin`)
  })
  const tampered = (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()
  t.equal(tampered.valid, false)
  t.same(tampered.firstBroken, { id: victim.id, reason: 'hash_mismatch' })

  // Recomputing the hash to hide the edit breaks the link to the next entry instead.
  await db.withSession(async (s) => {
    await s.exec(`SET session_replication_role = replica`)
    await s.query(`UPDATE audit_event SET hash = audit_event_digest(prev_hash, id, at, actor_sub, actor_county, actor_dept, request_id, operation, entity_type, entity_id, before, after) WHERE id = $1`, [victim.id])
    await s.exec(`SET session_replication_role = origin`)
  })
  const relinked = (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()
  t.same(relinked.firstBroken, { id: items[3].id, reason: 'link_mismatch' })

  // Deleting an entry breaks the link too.
  await db.withSession(async (s) => {
    await s.exec(`SET session_replication_role = replica`)
    await s.query(`DELETE FROM audit_event WHERE id = $1`, [items[3].id])
    await s.exec(`SET session_replication_role = origin`)
  })
  t.same((await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json().firstBroken, { id: items[4].id, reason: 'link_mismatch' })
})

t.test('concurrent writers keep the chain intact', async (t) => {
  const db = await emptyDatabase(t, 8)
  await migrate(db)
  const app = await buildApp(await testConfig(), { db })
  t.teardown(() => app.close())
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc: newUscc(), name: `并发${i}`, countyCode: '371402' } }),
    ),
  )
  const report = (await app.inject({ url: '/v1/audit-events/verify', headers: auditor })).json()
  t.equal(report.entries, 20)
  t.equal(report.valid, true)
})
