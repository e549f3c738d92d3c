// Prometheus metrics (prom-client): request rate and latency per route, database pool use, the
// stored-document and audit backlogs, rate-limit rejections, and the process's own figures.
// Served at GET /metrics, either on the API port for tokens with `metrics:read`, or, with
// METRICS_PORT set, on a port of its own without a token (keep that port off public networks).
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { ok } from '../lib/responses.ts'
import { backlog } from '../modules/health/backlog.repository.ts'

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

declare module 'fastify' {
  interface FastifyInstance {
    /** The metrics listener when METRICS_PORT is set. */
    metricsServer?: FastifyInstance
  }
}

/** The registry and a scrape of it, for the app given. */
export function metricsRegistry(app: FastifyInstance): { registry: Registry; scrape: () => Promise<string> } {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const labelNames = ['method', 'route', 'status'] as const
  const requests = new Counter({ name: 'http_requests_total', help: 'Requests answered, by route pattern and status', labelNames, registers: [registry] })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to answering it, by route pattern and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const rejected = new Counter({ name: 'rate_limit_rejections_total', help: 'Requests refused with 429 by the public rate limit', labelNames: ['route'], registers: [registry] })
  // The label children are bound once per (method, route, status) and kept: looking labels up
  // on every response showed in the profile of the read paths.
  const series = new Map<string, { requests: ReturnType<typeof requests.labels>; duration: ReturnType<typeof duration.labels> }>()
  const seriesOf = (method: string, route: string, status: number) => {
    const key = `${method} ${status} ${route}`
    let found = series.get(key)
    if (found === undefined) {
      const labels = { method, route, status: String(status) }
      found = { requests: requests.labels(labels), duration: duration.labels(labels) }
      series.set(key, found)
    }
    return found
  }
  app.addHook('onResponse', (request, reply, done) => {
    // Unmatched URLs share one label, so that probing cannot create a series per URL.
    const route = request.routeOptions.url ?? 'unmatched'
    const one = seriesOf(request.method, route, reply.statusCode)
    one.requests.inc()
    one.duration.observe(reply.elapsedTime / 1000)
    if (reply.statusCode === 429) rejected.inc({ route })
    done()
  })

  new Gauge({
    name: 'db_pool_connections',
    help: 'Database connections by pool and state (total, idle, waiting requests, max)',
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      for (const use of app.db.pools()) {
        for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ pool: use.pool, state }, use[state])
      }
    },
  })
  // One query per scrape serves both backlog gauges.
  let current: ReturnType<typeof backlog> = Promise.resolve({ staleDocuments: 0, auditPending: 0 })
  const read = () => current
  new Gauge({
    name: 'stored_documents_stale',
    help: 'Stored enterprise documents waiting to be rebuilt (answered live meanwhile)',
    registers: [registry],
    async collect() {
      this.set((await read()).staleDocuments)
    },
  })
  new Gauge({
    name: 'audit_entries_pending',
    help: 'Audit entries committed but not yet chained',
    registers: [registry],
    async collect() {
      this.set((await read()).auditPending)
    },
  })
  return {
    registry,
    scrape: async () => {
      current = backlog(app.db)
      return registry.metrics()
    },
  }
}

export default fp(
  async function metrics(app: FastifyInstance, opts: { port: number | undefined; host: string }) {
    const { scrape } = metricsRegistry(app)
    if (opts.port === undefined) {
      app.get('/metrics', {
        schema: {
          operationId: 'getMetrics',
          summary: 'Prometheus metrics',
          description:
            'Request rate and latency per route, database pool use, the stored-document and audit backlogs, rate-limit rejections and process figures, ' +
            'in the Prometheus text format. With `METRICS_PORT` set they are served on that port instead, without a token.',
          tags: ['operations'],
          response: { 200: ok('The metrics', { 'text/plain': { type: 'string', description: 'Prometheus text exposition format 0.0.4' } as never }) },
        },
        config: { auth: { scopes: ['metrics:read'] } },
        logLevel: 'warn',
      }, async (_request, reply) => reply.type(CONTENT_TYPE).send(await scrape()))
      return
    }
    // A listener of its own, so the scrape never competes with the API's port or its auth.
    const server = Fastify({ logger: false })
    server.get('/metrics', async (_request, reply) => reply.type(CONTENT_TYPE).send(await scrape()))
    app.addHook('onReady', async () => {
      await server.listen({ host: opts.host, port: opts.port })
    })
    app.addHook('onClose', async () => server.close())
    app.decorate('metricsServer', server)
  },
  { name: 'metrics', dependencies: ['auth', 'openapi'] },
)
