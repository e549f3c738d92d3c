// A register export of many rows streams with flat memory (server and client in this process: the
// RSS growth bounds both), a client that goes away mid-export leaves nothing open, and
// `npm run export` saves an export from a listening registry with its provenance.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import v8 from 'node:v8'
import vm from 'node:vm'
import t from 'tap'
import { buildOwn, newUscc, onServer, token } from '../../helpers/app.ts'
import { ROOT } from '../../helpers/server-process.ts'

// 100,000 rows on PostgreSQL; the embedded database (one WASM connection) gets a smaller set.
const ROWS = onServer ? 100_000 : 10_000
const { app, db } = await buildOwn(t)
await app.ready()
await app.listen({ host: '127.0.0.1', port: 0 })
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
const auth = { authorization: `Bearer ${await token(['registry:read'])}` }

const uscc = newUscc('371402')
await db.query(`INSERT INTO enterprise (uscc, name, county_code) VALUES ($1, '德州批量导出测试有限公司', '371402')`, [uscc])
await db.transaction(async (tx) => {
  await tx.query(
    `INSERT INTO qualification (id, uscc, type_code, granted_at, valid_from, status, status_effective_at, status_recorded_at)
     SELECT gen_random_uuid(), $1, 'HAOPIN_SHANDONG_BRAND', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z', 'revoked',
            timestamptz '2025-01-01T00:00:00Z' + g * interval '1 second', now()
     FROM generate_series(1, $2::int) g`,
    [uscc, ROWS],
  )
  await tx.query(
    `INSERT INTO qualification_event (qualification_id, seq, to_status, reason_code, reason, effective_at, decision_authority, decision_level,
       decision_document_no, actor_sub)
     SELECT q.id, 1, 'revoked', 'bulk', '=批量测试：省级监督抽查不合格', q.status_effective_at, '山东省市场监督管理局', 'province',
            '鲁市监质发〔2025〕' || row_number() OVER (ORDER BY q.status_effective_at) || '号', 'bulk-export'
     FROM qualification q WHERE q.uscc = $1`,
    [uscc],
  )
})

// A full collection on demand: the live heap after it is what the export holds on to.
v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void

t.test(`an export of ${ROWS} register rows streams with flat memory`, async (t) => {
  gc()
  const before = process.memoryUsage()
  // The live heap (after a collection) at each tenth of the rows, and the peak RSS: memory that
  // followed the rows would climb tenth by tenth.
  const heaps: number[] = []
  let peakRss = before.rss
  const started = Date.now()
  const res = await fetch(`${base}/v1/revocations?actor=bulk-export&format=csv&header=zh`, { headers: auth })
  t.equal(res.status, 200)
  let lines = 0
  let bytes = 0
  let next = ROWS / 10
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    let i = -1
    while ((i = (chunk as Buffer).indexOf(10, i + 1)) !== -1) lines++
    bytes += chunk.length
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
    if (lines >= next) {
      gc()
      heaps.push(process.memoryUsage().heapUsed)
      next += ROWS / 10
    }
  }
  const seconds = (Date.now() - started) / 1000
  t.equal(lines, ROWS + 1, 'every row and the header')
  const mb = (n: number) => Math.round(n / 1e6)
  t.comment(`${ROWS} rows, ${mb(bytes)} MB in ${seconds.toFixed(1)} s (${Math.round(ROWS / seconds)} rows/s, with collections); live heap per tenth ${heaps.map(mb).join(' ')} MB; RSS ${mb(before.rss)} → peak ${mb(peakRss)} MB`)
  const growth = Math.max(...heaps.slice(-3)) - Math.min(...heaps.slice(0, 3))
  t.ok(growth < 16e6, `the live heap at the end is within 16 MB of the start (${mb(growth)} MB) while ${mb(bytes)} MB streamed`)
  t.ok(peakRss - before.rss < 300e6, `RSS growth stays under 300 MB (${mb(peakRss - before.rss)} MB)`)
})

t.test('a client gone mid-export: the snapshot ends, the registry keeps answering', async (t) => {
  const controller = new AbortController()
  const res = await fetch(`${base}/v1/revocations?actor=bulk-export&format=ndjson`, { headers: auth, signal: controller.signal })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  await reader.read()
  controller.abort()
  await reader.read().catch(() => {})
  // The export's transaction ends: nothing of ours stays open in the database.
  if (onServer) {
    const deadline = Date.now() + 30_000
    for (;;) {
      const [row] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()`,
      )
      if (row!.n === 0 || Date.now() > deadline) {
        t.equal(row!.n, 0, 'no transaction left open')
        break
      }
      await new Promise((r) => setImmediate(r))
    }
  }
  const after = await fetch(`${base}/v1/revocations?actor=bulk-export&limit=1`, { headers: auth })
  t.equal(after.status, 200)
})

t.test('npm run export saves an export with its provenance', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'haopin-export-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const out = join(dir, 'register.ndjson')
  const knownAt = new Date().toISOString() // after every row above has committed
  const path = `/v1/revocations?actor=bulk-export&effectiveTo=2025-01-01T00:16:41Z&knownAt=${encodeURIComponent(knownAt)}`
  const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('npm', ['run', '-s', 'export', '--', path, '--format', 'ndjson', '--url', base, '--token', auth.authorization.slice(7), '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c) => (stdout += c))
    child.stderr.on('data', (c) => (stderr += c))
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
  t.equal(result.status, 0, result.stderr)
  const saved = readFileSync(out)
  t.equal(saved.toString('utf8').trimEnd().split('\n').length, 1000, 'the first 1,000 seconds of effective times')
  t.match(result.stdout, new RegExp(`saved .*register\\.ndjson: 1000 rows`))
  t.match(result.stdout, new RegExp(`sha256 +${createHash('sha256').update(saved).digest('hex')}`))
  t.match(result.stdout, new RegExp(`known at +${knownAt.replace(/\./g, '\\.')}`))
  t.match(result.stdout, /audit chain head +(\d+:[0-9a-f]{64}|-)/)
  t.match(result.stdout, /reproduce with +http:\/\/127\.0\.0\.1:\d+\/v1\/revocations\?/)
  const bad = await new Promise<number | null>((resolve) => {
    spawn('npm', ['run', '-s', 'export', '--', path, '--format', 'xlsx', '--token', 'x'], { cwd: ROOT, stdio: 'ignore' }).on('close', resolve)
  })
  t.equal(bad, 2, 'a usage error')
})
