// The register's first page for a county and a date range is index-backed: the plan walks the
// partial index on the order's time within the range and stops after a page, instead of reading
// every status change and sorting. (PostgreSQL only: the embedded database plans its tiny tables
// with sequential scans, which says nothing about the registry at scale.)
import t from 'tap'
import { buildOwn, newUscc, onServer } from '../../helpers/app.ts'
import { registerFirstPageSql } from '../../../src/modules/revocations/revocations.repository.ts'

if (!onServer) {
  t.comment('plans are checked on PostgreSQL (DATABASE_URL); skipped on the embedded database')
} else {
  const { db } = await buildOwn(t)
  // 20,000 enterprises in three counties, one revoked qualification each, effective over three years.
  await db.query(
    `INSERT INTO enterprise (uscc, name, county_code)
     SELECT $1 || lpad(g::text, 6, '0'), '德州计划测试企业' || g, (ARRAY['371402', '371428', '371481'])[1 + g % 3]
     FROM generate_series(1, 20000) g`,
    [newUscc().slice(0, 12)],
  )
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO qualification (id, uscc, type_code, granted_at, valid_from, status, status_effective_at, status_recorded_at)
       SELECT gen_random_uuid(), e.uscc, 'HAOPIN_SHANDONG_BRAND', '2022-01-01T00:00:00Z', '2022-01-01T00:00:00Z', 'revoked',
              timestamptz '2023-01-01T00:00:00+08:00' + (row_number() OVER (ORDER BY e.uscc)) * interval '75 minutes', now()
       FROM enterprise e`,
    )
    await tx.query(
      `INSERT INTO qualification_event (qualification_id, seq, to_status, reason_code, effective_at, decision_authority, decision_level, actor_sub)
       SELECT q.id, 1, 'revoked', 'plan_test', q.status_effective_at, '山东省市场监督管理局', 'province', 'plan-test' FROM qualification q`,
    )
  })
  // The history is append-only: vacuumed, its pages are all-visible and the walk reads only the index.
  await db.query('VACUUM ANALYZE qualification_event')
  await db.query('ANALYZE')

  const explain = async (order: 'recorded' | 'effective', range: Record<string, Date>) => {
    const { text, params } = registerFirstPageSql({ knownAt: new Date(), toStatus: ['revoked'], countyCode: '371428', ...range }, order, 51)
    const [row] = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, params)
    const plan = JSON.stringify(row!['QUERY PLAN'])
    const text_ = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, params)).map((r) => r['QUERY PLAN']).join('\n')
    return { plan, text: text_ }
  }

  t.test('county + effective range, ordered by effective time: the effective-time partial index', async (t) => {
    const { plan, text } = await explain('effective', { effectiveFrom: new Date('2024-01-01T00:00:00+08:00'), effectiveTo: new Date('2025-01-01T00:00:00+08:00') })
    t.comment(text)
    t.match(plan, /"Index Name":"qualification_event_change_effective_idx"/, 'walks the index on (effective_at, id)')
    t.match(plan, /"Node Type":"Index Only Scan"[^}]*"Index Name":"qualification_event_change_effective_idx"/, 'index-only: status and recording time come from the index')
    t.notMatch(plan, /"Node Type":"Sort"/, 'no sort: the index gives the order')
    t.notMatch(plan, /"Relation Name":"qualification_event"[^}]*"Node Type":"Seq Scan"|"Node Type":"Seq Scan","[^}]*"Relation Name":"qualification_event"/, 'no sequential scan of the history')
  })

  t.test('county + recorded range, ordered by recorded time: the recorded-time partial index', async (t) => {
    const { plan, text } = await explain('recorded', { recordedFrom: new Date(Date.now() - 86400_000), recordedTo: new Date(Date.now() + 86400_000) })
    t.comment(text)
    t.match(plan, /"Index Name":"qualification_event_change_recorded_idx"/)
    t.match(plan, /"Node Type":"Index Only Scan"[^}]*"Index Name":"qualification_event_change_recorded_idx"/)
    t.notMatch(plan, /"Node Type":"Sort"/)
  })
}
