// GET /metrics in the Prometheus format: the figures are there, and they move with the work done.
import t from 'tap'
import { bearer, buildOwn, newUscc } from '../helpers/app.ts'

/** The value of one sample, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

t.test('request rate and latency per route, pool use, backlogs and rate-limit rejections, moving under load', async (t) => {
  const { app, db } = await buildOwn(t, { PUBLIC_RATE_LIMIT_MAX: '3' })
  await app.ready()
  const scrapeAuth = await bearer(['metrics:read'])
  const scrape = async () => {
    const res = await app.inject({ url: '/metrics', headers: scrapeAuth })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
    return res.body
  }
  const before = await scrape()
  for (const name of ['db_pool_connections', 'stored_documents_stale', 'audit_entries_pending', 'process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds']) {
    t.match(before, new RegExp(`^${name}`, 'm'), `${name} is exposed`)
  }
  t.ok(sample(before, 'db_pool_connections', { state: 'max' })! >= 1, 'pool size')

  const counties = { method: 'GET', route: '/v1/counties', status: '200' }
  const countBefore = sample(before, 'http_requests_total', counties) ?? 0
  const latencyBefore = sample(before, 'http_request_duration_seconds_count', counties) ?? 0
  // Reference data shares the public budget (3 here): each request from an address of its own.
  await Promise.all(Array.from({ length: 25 }, (_, i) => app.inject({ url: '/v1/counties', remoteAddress: `10.1.0.${i + 1}` })))
  const writer = await bearer(['registry:write', 'registry:read'])
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ method: 'POST', url: '/v1/enterprises', headers: writer, payload: { uscc: newUscc(), name: `德州测试企业${i}`, countyCode: '371402' } })
    t.equal(res.statusCode, 201)
  }
  for (let i = 0; i < 5; i++) await app.inject({ url: `/v1/public/verify?uscc=${newUscc()}`, remoteAddress: '203.0.113.9' })
  await app.inject({ url: '/no/such/route/123' })

  // As after a deployment that changes what documents hold (or a burst of writes): rows wait for the refresher.
  await db.query(`UPDATE enterprise_document SET fresh_until = '-infinity'`)
  const after = await scrape()
  for (const name of ['http_requests_total', 'http_request_duration_seconds_bucket', 'rate_limit_rejections_total']) t.match(after, new RegExp(`^${name}`, 'm'), `${name} is exposed`)
  t.equal(sample(after, 'http_requests_total', counties), countBefore + 25, '25 more requests counted for the route pattern')
  t.equal(sample(after, 'http_request_duration_seconds_count', counties), latencyBefore + 25, 'and timed')
  t.ok(sample(after, 'http_request_duration_seconds_sum', counties)! > 0)
  t.equal(sample(after, 'http_requests_total', { route: '/v1/enterprises', method: 'POST', status: '201' }), 3)
  t.equal(sample(after, 'rate_limit_rejections_total', { route: '/v1/public/verify' }), 2, 'two of five refused by the limit of 3')
  t.equal(sample(after, 'http_requests_total', { route: 'unmatched', status: '404' }), 1, 'unknown URLs share one series')
  t.notMatch(after, '/no/such/route')
  t.equal(sample(after, 'audit_entries_pending')! - (sample(before, 'audit_entries_pending') ?? 0), 3, 'three writes waiting to be chained')
  t.equal(sample(after, 'stored_documents_stale'), 3, 'stale documents wait to be rebuilt')

  await app.auditSealer.runOnce()
  await app.documentRefresher.runOnce()
  const drained = await scrape()
  t.equal(sample(drained, 'audit_entries_pending'), 0, 'chained')
  t.equal(sample(drained, 'stored_documents_stale'), 0, 'rebuilt')
})

t.test('on the API port only for metrics:read (or admin) tokens; on a port of its own when configured', async (t) => {
  const { app } = await buildOwn(t)
  await app.ready()
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: await bearer(['registry:read']) })).statusCode, 403)
  t.equal((await app.inject({ url: '/metrics', headers: await bearer(['admin']) })).statusCode, 200)

  const { app: separate } = await buildOwn(t, { METRICS_PORT: '0' })
  await separate.ready()
  t.equal((await separate.inject({ url: '/metrics', headers: await bearer(['admin']) })).statusCode, 404, 'not on the API port')
  const { port } = separate.metricsServer!.server.address() as { port: number }
  const res = await fetch(`http://127.0.0.1:${port}/metrics`)
  t.equal(res.status, 200, 'no token on its own port')
  t.match(await res.text(), /^db_pool_connections/m)
})
