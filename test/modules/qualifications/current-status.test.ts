import t from 'tap'
import { build, newUscc } from '../../helpers/app.ts'
import { statusAt } from '../../../src/modules/qualifications/status.sql.ts'

const app = await build(t)
const day = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 86_400_000)

async function qualification(uscc: string, validFrom: Date, validUntil: Date | null, events: { to: string; effective: Date; recorded: Date }[]) {
  const [q] = await app.db.query<{ id: string }>(
    `INSERT INTO qualification (id, uscc, type_code, granted_at, valid_from, valid_until, recorded_at)
     VALUES (gen_random_uuid(), $1, 'HIGH_END_BRAND_CULTIVATION', $2, $2, $3, $4) RETURNING id::text AS id`,
    [uscc, validFrom, validUntil, events[0]!.recorded],
  )
  for (const [i, e] of events.entries()) {
    await app.db.query(
      `INSERT INTO qualification_event (qualification_id, seq, from_status, to_status, effective_at, recorded_at, actor_sub)
       VALUES ($1, $2, $3::"QualificationStatus", $4::"QualificationStatus", $5, $6, 'test')`,
      [q!.id, i + 1, i === 0 ? null : events[i - 1]!.to, e.to, e.effective, e.recorded],
    )
  }
  return q!.id
}

t.test('the row-based fast path answers exactly like the history at every moment', async (t) => {
  const uscc = newUscc()
  await app.db.query(`INSERT INTO enterprise (uscc, name, county_code) VALUES ($1, '状态一致性测试', '371402')`, [uscc])
  const ids = [
    // plain grant with expiry
    await qualification(uscc, day(0), day(100), [{ to: 'active', effective: day(0), recorded: day(0) }]),
    // suspended, then reinstated; the reinstatement was recorded late
    await qualification(uscc, day(0), null, [
      { to: 'active', effective: day(0), recorded: day(0) },
      { to: 'suspended', effective: day(10), recorded: day(10) },
      { to: 'active', effective: day(20), recorded: day(40) },
    ]),
    // a back-dated revocation: effective day 30, recorded day 60
    await qualification(uscc, day(5), day(200), [
      { to: 'active', effective: day(5), recorded: day(5) },
      { to: 'revoked', effective: day(30), recorded: day(60) },
    ]),
    // a change that takes effect in the future
    await qualification(uscc, day(0), null, [
      { to: 'active', effective: day(0), recorded: day(0) },
      { to: 'withdrawn', effective: new Date(Date.now() + 30 * 86_400_000), recorded: day(50) },
    ]),
    // granted now, valid from later
    await qualification(uscc, day(50), day(80), [{ to: 'active', effective: day(45), recorded: day(45) }]),
  ]
  const moments = [-5, 0, 4, 5, 9, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 79, 80, 99, 100, 150, 200, 400, 800].map(day)
  moments.push(new Date())
  const rows = await app.db.query<{ fast: string | null; slow: string | null; id: string; as_of: Date; known_at: Date }>(
    `SELECT q.id::text AS id, m.as_of, k.known_at, ${statusAt('q', 'm.as_of', 'k.known_at')} AS fast,
            qualification_status_at(q.id, q.valid_from, q.valid_until, q.recorded_at, m.as_of, k.known_at) AS slow
     FROM qualification q, unnest($2::timestamptz[]) AS m(as_of), unnest($2::timestamptz[]) AS k(known_at)
     WHERE q.id = ANY($1::uuid[])`,
    [ids, moments],
  )
  t.equal(rows.length, ids.length * moments.length ** 2)
  const disagreements = rows.filter((r) => r.fast !== r.slow)
  t.same(disagreements, [], 'no moment where the two disagree')
  const fastPathUsed = await app.db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM qualification WHERE id = ANY($1::uuid[]) AND status_effective_at <= now() AND status_recorded_at <= now()`, [ids])
  t.equal(fastPathUsed[0]!.n, '4', 'all but the future change are answered from the row for now')
})

t.test('the row follows the last change, and the database keeps changes in effective order', async (t) => {
  const uscc = newUscc()
  await app.db.query(`INSERT INTO enterprise (uscc, name, county_code) VALUES ($1, '顺序测试', '371402')`, [uscc])
  const id = await qualification(uscc, day(0), null, [
    { to: 'active', effective: day(0), recorded: day(0) },
    { to: 'suspended', effective: day(10), recorded: day(11) },
  ])
  const [row] = await app.db.query<{ status: string; eff: Date; rec: Date }>(
    `SELECT status::text AS status, status_effective_at AS eff, status_recorded_at AS rec FROM qualification WHERE id = $1`, [id])
  t.equal(row!.status, 'suspended')
  t.equal(row!.eff.toISOString(), day(10).toISOString())
  t.equal(row!.rec.toISOString(), day(11).toISOString())
  await t.rejects(
    app.db.query(
      `INSERT INTO qualification_event (qualification_id, seq, from_status, to_status, effective_at, actor_sub) VALUES ($1, 3, 'suspended', 'active', $2, 'test')`,
      [id, day(5)],
    ),
    /takes effect before an earlier change/,
  )
})
