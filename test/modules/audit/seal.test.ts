// audit_seal() reads only the entries it chains, by key, however long the trail behind them and
// whatever the planner's statistics say (migration 20261201010000): a background pass on a trail
// of millions costs what it costs on a new one. The join it replaced was planned from statistics
// gathered during a backlog as a merge join that walked the trail from its first entry.
import t from 'tap'
import { migrate } from '../../../src/db/migrate.ts'
import { emptyDatabase } from '../../helpers/databases.ts'

const TRAIL = 3000

t.test('a seal pass reads the pending entries, not the trail before them', async (t) => {
  const db = await emptyDatabase(t)
  await migrate(db)
  const append = (n: number, from: number) =>
    db.query(
      `INSERT INTO audit_event (actor_sub, operation, entity_type, entity_id, after)
       SELECT 'seal-test', 'enterprise.create', 'enterprise', 'E' || g, jsonb_build_object('n', g) FROM generate_series($1::int, $2::int) g`,
      [from, from + n - 1],
    )
  const seal = async () => (await db.query<{ n: number }>('SELECT audit_seal(5000, true) AS n'))[0]!.n

  await append(TRAIL, 1)
  // Statistics taken while thousands of entries wait: the situation in which the join read everything.
  await db.query('ANALYZE audit_event')
  await db.query('ANALYZE audit_pending')
  t.equal(await seal(), TRAIL, 'the backlog is chained')

  await append(2, TRAIL + 1)
  const pass = await db.transaction(async (tx) => {
    // This transaction's reads of audit_event by table (PostgreSQL's pg_stat_xact_*), before and
    // after the pass: the embedded database counts from the session's start, so take the difference.
    const reads = async () =>
      (await tx.query<{ fetched: number; scans: number; seq: number }>(
        `SELECT idx_tup_fetch::int AS fetched, idx_scan::int AS scans, seq_tup_read::int AS seq FROM pg_stat_xact_user_tables WHERE relname = 'audit_event'`,
      ))[0]!
    const before = await reads()
    const [sealed] = await tx.query<{ n: number }>('SELECT audit_seal(5000, true) AS n')
    const after = await reads()
    return { sealed: sealed!.n, fetched: after.fetched - before.fetched, scans: after.scans - before.scans, seq: after.seq - before.seq }
  })
  t.equal(pass.sealed, 2, 'the two new entries are chained')
  t.ok(pass.scans >= 1, `audit_event was read by its key (${pass.scans} index scans)`)
  t.ok(pass.fetched >= 2 && pass.fetched <= 10, `${pass.fetched} rows of the trail of ${TRAIL + 2} read by key, not the trail before them`)
  t.equal(pass.seq, 0, 'and none by a sequential scan')

  const verify = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM audit_chain c JOIN audit_chain p ON p.seq = c.seq - 1 WHERE c.prev_hash <> p.hash`,
  )
  t.equal(verify[0]!.n, '0', 'each link names the hash before it')
})
