// Database.transaction: statements sent together (pipelined on PostgreSQL) run in the order sent,
// commit together with tx.commit, and a failure anywhere leaves nothing written. Runs on the
// server and on the embedded database.
import t from 'tap'
import { onServer } from '../helpers/app.ts'
import { emptyDatabase } from '../helpers/databases.ts'

const db = await emptyDatabase(t)
await db.query('CREATE TABLE item (n int PRIMARY KEY, note text)')
const count = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM item'))[0]!.n)
const reset = () => db.query('DELETE FROM item')

t.beforeEach(reset)

t.test('statements sent together run in order, each seeing those before it', async (t) => {
  const rows = await db.transaction(async (tx) => {
    const a = tx.query('INSERT INTO item VALUES ($1, $2)', [1, 'first'], 'tx_test_insert')
    const b = tx.query<{ n: number }>('SELECT count(*)::int AS n FROM item')
    const c = tx.query('INSERT INTO item VALUES ($1, $2)', [2, 'second'], 'tx_test_insert')
    const d = tx.query<{ n: number }>('SELECT count(*)::int AS n FROM item')
    return tx.commit(Promise.all([a, b, c, d]))
  })
  t.same([rows[1][0]!.n, rows[3][0]!.n], [1, 2])
  t.equal(await count(), 2)
})

t.test('commit: a failing statement rolls back the ones before it and reports its own error', async (t) => {
  await db.query("INSERT INTO item VALUES (5, 'taken')")
  const error = await db
    .transaction(async (tx) => {
      const a = tx.query("INSERT INTO item VALUES (3, 'kept?')")
      const b = tx.query("INSERT INTO item VALUES (5, 'duplicate')")
      const c = tx.query("INSERT INTO item VALUES (4, 'after')")
      return tx.commit(Promise.all([a, b, c]))
    })
    .then(() => ({ code: 'committed' }), (e: unknown) => e as { code?: string })
  t.equal(error.code, '23505', 'the unique violation, not the aborted statements behind it')
  t.same(await db.query('SELECT n FROM item ORDER BY n'), [{ n: 5 }])
  // The connection is usable afterwards (no transaction left open on it).
  t.equal(await db.transaction(async (tx) => tx.commit(tx.query('SELECT 1 AS one'))).then((r) => r.length), 1)
})

t.test('without commit, the transaction commits when fn resolves and rolls back when it throws', async (t) => {
  await db.transaction(async (tx) => {
    await tx.query("INSERT INTO item VALUES (1, 'one')")
    await tx.query("INSERT INTO item VALUES (2, 'two')")
  })
  t.equal(await count(), 2)
  await t.rejects(
    db.transaction(async (tx) => {
      await tx.query("INSERT INTO item VALUES (3, 'three')")
      throw new Error('checked and refused')
    }),
    /checked and refused/,
  )
  t.equal(await count(), 2)
})

t.test('a statement sent after COMMIT is refused', async (t) => {
  await t.rejects(
    db.transaction(async (tx) => {
      await tx.commit(tx.query("INSERT INTO item VALUES (1, 'one')"))
      await tx.query("INSERT INTO item VALUES (2, 'two')")
    }),
    /after its transaction committed/,
  )
  // The first statement is committed on the server (its COMMIT had been sent); the embedded
  // database commits at the end of fn and so rolls it back. Either way the late one never ran.
  t.same(await db.query('SELECT n FROM item WHERE n = 2'), [], 'the late statement never ran')
})

t.test('a transaction that sends nothing costs nothing and commits', async (t) => {
  t.equal(await db.transaction(async (tx) => tx.commit(Promise.resolve('nothing sent'))), 'nothing sent')
  t.equal(await db.transaction(async () => 'nothing at all'), 'nothing at all')
})

t.test('a transaction whose statement failed is not reported as committed, even when fn caught the error', { skip: !onServer && 'the embedded database ends its transactions itself' }, async (t) => {
  await db.query("INSERT INTO item VALUES (5, 'taken')")
  await t.rejects(
    db.transaction(async (tx) => {
      await tx.query("INSERT INTO item VALUES (6, 'lost')")
      await tx.query("INSERT INTO item VALUES (5, 'duplicate')").catch(() => undefined)
    }),
    /rolled back/,
  )
  await t.rejects(
    db.transaction(async (tx) => {
      const a = tx.query("INSERT INTO item VALUES (7, 'lost')")
      const b = tx.query("INSERT INTO item VALUES (5, 'duplicate')").catch(() => [])
      return tx.commit(Promise.all([a, b]))
    }),
    /rolled back/,
  )
  t.same(await db.query('SELECT n FROM item ORDER BY n'), [{ n: 5 }])
})
