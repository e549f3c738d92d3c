// Import jobs across instances: two workers never claim one job, several instances share the queue
// without running a job twice, and a job whose worker is killed mid-way is resumed by another
// instance with every row written exactly once. Needs a PostgreSQL server (several connections and
// processes); each test has a database of its own, so no other test's worker takes its jobs.
import t from 'tap'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../src/app.ts'
import { createDatabase, type Database } from '../../../src/db/client.ts'
import { migrate } from '../../../src/db/migrate.ts'
import * as repo from '../../../src/modules/imports/imports.repository.ts'
import { AUDIENCE, bearer, ISSUER, onServer, testConfig, testKeys } from '../../helpers/app.ts'
import { emptyServerDatabase } from '../../helpers/databases.ts'
import { startServer } from '../../helpers/server-process.ts'
import { ENTERPRISE_HEADER, enterpriseRow, XLSX, xlsxFile } from '../../helpers/spreadsheets.ts'

if (!onServer) {
  t.pass('skipped: instances sharing one queue need a PostgreSQL server (DATABASE_URL)')
} else {
  const auth = await bearer(['registry:read', 'registry:write'], { sub: 'importer-worker-test' })

  async function ownDatabase(t: Test): Promise<{ url: string; db: Database }> {
    const url = await emptyServerDatabase(t)
    const db = await createDatabase({ databaseUrl: url, poolMax: 6 })
    t.teardown(() => db.close())
    await migrate(db)
    return { url, db }
  }

  async function instance(t: Test, db: Database, env: Record<string, string> = {}): Promise<FastifyInstance> {
    const app = await buildApp(await testConfig({ IMPORT_POLL_INTERVAL_MS: '50', ...env }), { db })
    t.teardown(() => app.close())
    await app.ready()
    return app
  }

  /** Waits for a condition on the database (no fixed sleep): polls until `probe` gives a value. */
  let debugDb: Database | undefined
  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = Number(process.env.IMPORT_TEST_TIMEOUT ?? 120_000)): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await probe()
      if (value !== undefined) return value
      if (Date.now() > deadline) {
        if (process.env.IMPORT_TEST_DEBUG) console.error(JSON.stringify(await debugDb!.query(`SELECT state, wait_event_type, wait_event, left(query, 120) AS q FROM pg_stat_activity WHERE datname = current_database()`)), JSON.stringify(await debugDb!.query('SELECT id, state, rows_done, total_rows, worker, attempts, lease_until FROM import_job')))
        throw new Error(`timed out waiting for ${what}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  const jobRow = async (db: Database, id: string) =>
    (await db.query<{ state: string; rows_done: number; accepted: number; rejected: number; total_rows: number; attempts: number; worker: string | null }>(
      'SELECT state, rows_done, accepted, rejected, total_rows, attempts, worker FROM import_job WHERE id = $1', [id]))[0]!

  /** Every row's enterprise exists once and was created once, under the import's request id, and never updated. */
  async function writtenOnce(t: Test, db: Database, requestId: string, usccs: string[]) {
    const [enterprises] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM enterprise WHERE uscc = ANY($1::bpchar[])', [usccs])
    t.equal(enterprises!.n, usccs.length, 'every row written')
    const audit = await db.query<{ entity_id: string; operation: string; n: number }>(
      'SELECT entity_id, operation, count(*)::int AS n FROM audit_event WHERE request_id = $1 GROUP BY entity_id, operation', [requestId])
    t.equal(audit.length, usccs.length, 'one audited operation per row')
    t.ok(audit.every((a) => a.operation === 'enterprise.create' && a.n === 1), 'each row created exactly once, none written again')
    const [versions] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM enterprise WHERE uscc = ANY($1::bpchar[]) AND version <> 1', [usccs])
    t.equal(versions!.n, 0, 'no enterprise was touched twice')
  }

  t.test('two workers racing for one job: one gets it', async (t) => {
    const { db } = await ownDatabase(t)
    const other = await createDatabase({ databaseUrl: (await ownDatabaseUrl(db)), poolMax: 2 })
    t.teardown(() => other.close())
    const app = await instance(t, db, { IMPORT_WORKERS: '0' })
    for (let i = 0; i < 20; i++) {
      const res = await app.inject({ method: 'POST', url: '/v1/imports?kind=enterprises', headers: { ...auth, 'content-type': XLSX }, payload: await xlsxFile([ENTERPRISE_HEADER, enterpriseRow()]) })
      t.equal(res.statusCode, 202)
      const claims = await Promise.all([repo.claimJob(db, 'worker-a', 60_000, []), repo.claimJob(other, 'worker-b', 60_000, [])])
      t.equal(claims.filter(Boolean).length, 1, `round ${i}: exactly one claim`)
      t.equal((await jobRow(db, res.json().id)).attempts, 1)
    }
  })

  t.test('two instances share the queue and never run a job twice', async (t) => {
    const { db } = await ownDatabase(t)
    const second = await createDatabase({ databaseUrl: await ownDatabaseUrl(db), poolMax: 6 })
    t.teardown(() => second.close())
    const a = await instance(t, db, { IMPORT_WORKERS: '2' })
    const b = await instance(t, second, { IMPORT_WORKERS: '2' })
    debugDb = db
    const jobs: { id: string; requestId: string; usccs: string[] }[] = []
    for (let i = 0; i < 8; i++) {
      const rows = Array.from({ length: 30 }, () => enterpriseRow())
      const via = i % 2 === 0 ? a : b
      const res = await via.inject({ method: 'POST', url: '/v1/imports?kind=enterprises', headers: { ...auth, 'content-type': XLSX }, payload: await xlsxFile([ENTERPRISE_HEADER, ...rows]) })
      t.equal(res.statusCode, 202)
      jobs.push({ id: res.json().id, requestId: res.json().requestId, usccs: rows.map((r) => r[0] as string) })
    }
    await until('every job to finish', async () => {
      const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM import_job WHERE state NOT IN ('succeeded', 'failed')`)
      return row!.n === 0 ? true : undefined
    })
    const workers = new Set<string>()
    for (const job of jobs) {
      const row = await jobRow(db, job.id)
      t.match(row, { state: 'succeeded', attempts: 1, rows_done: 30, accepted: 30 }, 'claimed once, written once')
      workers.add(row.worker ?? '')
      await writtenOnce(t, db, job.requestId, job.usccs)
    }
    t.same([...workers].sort(), [a.importWorker.id, b.importWorker.id].sort(), 'both instances ran jobs')
  })

  t.test('a worker killed mid-job: another instance resumes it and writes every row exactly once', async (t) => {
    const { url, db } = await ownDatabase(t)
    const { jwks } = await testKeys()
    const killed = await startServer(t, {
      DATABASE_URL: url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATA_DIR: 'memory://',
      AUTH_JWKS: jwks,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      IMPORT_LEASE_MS: '1500',
      // One chunk at a time, so that the kill finds chunks written and chunks not yet written.
      IMPORT_WRITERS: '1',
    }, { expectToken: false })
    const rows = Array.from({ length: 6000 }, () => enterpriseRow())
    const res = await fetch(killed.url('/v1/imports?kind=enterprises'), {
      method: 'POST',
      headers: { ...auth, 'content-type': XLSX },
      body: new Uint8Array(await xlsxFile([ENTERPRISE_HEADER, ...rows])),
    })
    t.equal(res.status, 202)
    const job = (await res.json()) as { id: string; requestId: string }
    // Killed once some chunks are committed and others are not.
    const before = await until('the first chunks to be written', async () => {
      const row = await jobRow(db, job.id)
      return row.rows_done >= 2000 ? row : undefined
    })
    killed.child.kill('SIGKILL')
    t.equal((await killed.exited).signal, 'SIGKILL')
    const left = await jobRow(db, job.id)
    t.equal(left.state, 'writing', 'the job was left unfinished')
    t.ok(left.rows_done < 6000 && left.rows_done >= before.rows_done, `killed with ${left.rows_done} of 6000 rows written`)

    const resumer = await instance(t, db, { IMPORT_LEASE_MS: '1500' })
    const done = await until('the resumed job to finish', async () => {
      const row = await jobRow(db, job.id)
      return row.state === 'succeeded' || row.state === 'failed' ? row : undefined
    })
    t.match(done, { state: 'succeeded', rows_done: 6000, accepted: 6000, rejected: 0, attempts: 2, worker: resumer.importWorker.id })
    await writtenOnce(t, db, job.requestId, rows.map((r) => r[0] as string))
    const [chunks] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM import_chunk WHERE job_id = $1', [job.id])
    t.equal(chunks!.n, 0, 'the staged rows are gone')
  })

  /** The URL of the database a Database handle talks to (the one ownDatabase made). */
  async function ownDatabaseUrl(db: Database): Promise<string> {
    const [row] = await db.query<{ name: string }>('SELECT current_database() AS name')
    const u = new URL(process.env.DATABASE_URL!)
    u.pathname = `/${row!.name}`
    return u.toString()
  }
}
