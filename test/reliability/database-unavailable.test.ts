// The database stopped, or frozen: every request gets a 503 problem with Retry-After within a
// second instead of a 500 or a hang, /readyz says so, and the registry recovers by itself when the
// database comes back. A PostgreSQL server of the test's own, on its own port.
import t, { type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { createDatabase, databaseTimeouts } from '../../src/db/client.ts'
import { migrate } from '../../src/db/migrate.ts'
import { bearer, newUscc, testConfig } from '../helpers/app.ts'
import { privatePostgres, privatePostgresUnavailable } from '../helpers/private-postgres.ts'

const why = privatePostgresUnavailable()
if (why) t.pass(`skipped: ${why}`)
else {
  const server = await privatePostgres(t)
  const env = { DATABASE_URL: server.url, DB_CONNECT_TIMEOUT_MS: '400', DB_STATEMENT_TIMEOUT_MS: '500', DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '2000' }
  const config = await testConfig(env)
  const db = await createDatabase({ databaseUrl: server.url, poolMax: 4, timeouts: databaseTimeouts(config) })
  await migrate(db)
  const app = await buildApp(config, { db })
  t.teardown(async () => {
    await app.close()
    await db.close()
  })
  await app.ready()
  const writer = await bearer(['registry:read', 'registry:write'], { county: '371402' })

  const write = () => app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc: newUscc(), name: '德州可靠性测试有限公司', countyCode: '371402' } })
  const requests: [string, () => Promise<LightMyRequestResponse>][] = [
    ['a write', write],
    ['a pg read', () => app.inject({ url: '/v1/enterprises?limit=5', headers: writer })],
    ['a Prisma read (reference data)', () => app.inject({ url: '/v1/counties' })],
    ['a public read', () => app.inject({ url: `/v1/public/verify?uscc=${newUscc()}` })],
  ]

  /** Sends the request, timing it. */
  const timed = async (send: () => Promise<LightMyRequestResponse>) => {
    const from = Date.now()
    const res = await send()
    return { res, ms: Date.now() - from }
  }

  async function untilReady() {
    for (;;) {
      const res = await app.inject({ url: '/readyz' })
      if (res.statusCode === 200) return
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  async function expectUnavailable(t: Test, codes: string[]) {
    for (const [what, send] of requests) {
      const { res, ms } = await timed(send)
      t.equal(res.statusCode, 503, `${what}: 503 (${ms} ms)`)
      t.match(res.headers['content-type'], /application\/problem\+json/)
      t.ok(codes.includes(res.json().code), `${what}: ${res.json().code}`)
      t.match(res.headers['retry-after'], /^\d+$/, `${what}: Retry-After`)
      t.ok(ms < 1000, `${what}: answered within 1 s (${ms} ms)`)
    }
    const { res, ms } = await timed(() => app.inject({ url: '/readyz' }))
    t.equal(res.statusCode, 503, `/readyz 503 (${ms} ms)`)
    t.match(res.headers['retry-after'], /^\d+$/)
    t.ok(ms < 1000, `/readyz within 1 s (${ms} ms)`)
  }

  t.test('before anything goes wrong', async (t) => {
    for (const [what, send] of requests) t.ok((await send()).statusCode < 300, `${what} succeeds`)
  })

  t.test('stopped database: 503 with Retry-After, then recovery without a restart', async (t) => {
    server.stop()
    await expectUnavailable(t, ['database_unavailable'])
    server.start()
    await untilReady()
    for (const [what, send] of requests) t.ok((await send()).statusCode < 300, `${what} succeeds again`)
  })

  t.test('frozen database: a timeout problem, not a hang; then recovery', async (t) => {
    // Warm connections in the pool, so that both an open connection and a new one meet the frozen server.
    await Promise.all([write(), write(), write()])
    server.freeze()
    try {
      await expectUnavailable(t, ['database_unavailable', 'database_timeout'])
    } finally {
      server.thaw()
    }
    await untilReady()
    for (const [what, send] of requests) t.ok((await send()).statusCode < 300, `${what} succeeds again`)
  })

  t.test('load with the database stopped mid-run: no acknowledged write is lost, and each has its audit entry', async (t) => {
    const tag = `负载${Date.now().toString(36)}`
    const acknowledged: string[] = []
    const statuses = new Map<number, number>()
    let stopped = false
    const worker = async () => {
      for (let i = 0; i < 40; i++) {
        const uscc = newUscc()
        const res = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc, name: `德州${tag}有限公司`, countyCode: '371402' } })
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        if (res.statusCode === 201) acknowledged.push(uscc)
        else t.equal(res.statusCode, 503, `a write refused while the database is down is a 503 (${res.statusCode})`)
        // The database stops under load, once a quarter of the writes are in.
        if (!stopped && acknowledged.length >= 40) {
          stopped = true
          server.stop()
        }
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker))
    t.ok(stopped, 'the database was stopped mid-run')
    server.start()
    await untilReady()
    const rows = await db.query<{ uscc: string }>('SELECT uscc FROM enterprise WHERE name = $1', [`德州${tag}有限公司`])
    const audited = await db.query<{ entity_id: string }>(`SELECT entity_id FROM audit_event WHERE operation = 'enterprise.create' AND entity_id = ANY($1::text[])`, [rows.map((r) => r.uscc)])
    const stored = new Set(rows.map((r) => r.uscc))
    t.comment(`statuses ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}; ${acknowledged.length} acknowledged, ${rows.length} rows, ${audited.length} audit entries`)
    t.same(acknowledged.filter((u) => !stored.has(u)), [], 'every acknowledged write is stored')
    t.equal(rows.length, acknowledged.length, '2xx count = rows (no write committed without its acknowledgement)')
    t.equal(audited.length, rows.length, 'rows = audit entries')
  })
}
