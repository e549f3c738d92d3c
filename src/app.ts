// Builds the registry's Fastify application without listening: external plugins first
// (security headers, CORS, errors, auth, OpenAPI), then the domain modules.
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.ts'
import { createDatabase, databaseTimeouts, type Database } from './db/client.ts'
import authPlugin from './plugins/auth.ts'
import errorsPlugin, { clientErrorHandler, frameworkErrors } from './plugins/errors.ts'
import securityHeaders, { SECURITY_HEADERS } from './plugins/security-headers.ts'
import openapiPlugin from './plugins/openapi.ts'
import idempotencyPlugin from './plugins/idempotency.ts'
import bodyEncodingPlugin from './plugins/body-encoding.ts'
import metricsPlugin from './plugins/metrics.ts'
import { publicBudget, SharedBudgetStore } from './plugins/public-rate-limit.ts'
import { compileForPart } from './lib/validate.ts'
import { AppError } from './lib/problems.ts'
import { buildLazySerializer } from './lib/serializer.ts'
import healthRoutes from './modules/health/health.routes.ts'
import referenceRoutes from './modules/reference/reference.routes.ts'
import enterpriseRoutes from './modules/enterprises/enterprises.routes.ts'
import auditRoutes from './modules/audit/audit.routes.ts'
import qualificationRoutes from './modules/qualifications/qualifications.routes.ts'
import publicRoutes from './modules/public/public.routes.ts'
import importRoutes from './modules/imports/imports.routes.ts'
import { importWorker, type ImportWorker } from './modules/imports/worker.ts'
import supervisionRoutes from './modules/supervision/supervision.routes.ts'
import targetRoutes from './modules/targets/targets.routes.ts'
import incentiveRoutes from './modules/incentives/incentives.routes.ts'
import progressPageRoutes from './modules/targets/progress-page.routes.ts'
import revocationRoutes from './modules/revocations/revocations.routes.ts'
import { documentRefresher, type DocumentRefresher } from './modules/enterprises/document-cache/index.ts'
import { auditSealer } from './modules/audit/audit-sealer.ts'
import { auditCheckpointer } from './modules/audit/audit-checkpointer.ts'
import { loadStatementSigner, type StatementSigner } from './modules/public/statement-key.ts'
import type { Periodic } from './lib/periodic.ts'
import { systemClock, type Clock } from './lib/clock.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
    config: Config
    /** The application's reading of now (settable in tests). */
    clock: Clock
    /** Resolves when no request is in flight (or after SHUTDOWN_TIMEOUT_MS). */
    drain(): Promise<void>
    documentRefresher: DocumentRefresher
    auditSealer: Periodic
    importWorker: ImportWorker
    /** The registry's key for signed statements and audit checkpoints. */
    statementSigner: StatementSigner
    auditCheckpointer: Periodic
  }
}

export interface AppDeps {
  /** An open database to use; the app then leaves closing it to the caller. */
  db?: Database
  /** The clock services read; the system clock by default. */
  clock?: Clock
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // Requests arriving while the instance shuts down get a problem document (the hook below), not Fastify's plain 503.
    return503OnClosing: false,
    // Router failures (bad percent-encoding, over-long path segments) and the HTTP parser's (431) are problem documents too.
    frameworkErrors,
    clientErrorHandler,
    schemaController: { compilersFactory: { buildSerializer: buildLazySerializer } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(compileForPart)

  const db = deps.db ?? (await createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.dbPoolMax, timeouts: databaseTimeouts(config) }))
  app.decorate('db', db)
  app.decorate('config', config)
  const clock = deps.clock ?? systemClock
  app.decorate('clock', clock)
  // Requests still running when the app closes finish before the database goes away
  // (bounded by SHUTDOWN_TIMEOUT_MS); closing the pool under them would turn them into 500s.
  // A request is done when its response is sent or its connection closes: a client that aborts
  // mid-body gets no onResponse, and must not hold the shutdown up until the timeout.
  let inFlight = 0
  let drained: (() => void) | undefined
  const counted = new WeakSet<object>()
  const done = (request: object) => {
    if (counted.delete(request) && --inFlight === 0) drained?.()
  }
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  // Hooks every request passes through are synchronous (no promise per request).
  app.addHook('onRequest', (request, reply, next) => {
    // Before the security headers' hook has run: they are added here.
    if (closing) return next(new AppError('not_ready', 'this instance is shutting down; retry (another instance may answer)', {}, { ...SECURITY_HEADERS, 'retry-after': '1', connection: 'close' }))
    inFlight++
    counted.add(request)
    reply.raw.once('close', () => done(request))
    next()
  })
  app.addHook('onResponse', (request, _reply, next) => {
    done(request)
    next()
  })
  app.addHook('onRequestAbort', (request, next) => {
    done(request)
    next()
  })
  app.decorate('drain', async () => {
    if (inFlight === 0) return
    await new Promise<void>((resolve) => {
      drained = resolve
      setTimeout(resolve, config.shutdownTimeoutMs).unref()
    })
  })
  const refresher = documentRefresher(db, clock, config.documentRefreshIntervalMs, app.log)
  app.decorate('documentRefresher', refresher)
  const sealer = auditSealer(db, config.auditSealIntervalMs, app.log)
  app.decorate('auditSealer', sealer)
  const imports = importWorker(db, app.clock, config.imports, app.log)
  app.decorate('importWorker', imports)
  const signer = await loadStatementSigner(config)
  app.decorate('statementSigner', signer)
  const checkpointer = auditCheckpointer(db, clock, signer, config.auditCheckpointIntervalMs, app.log)
  app.decorate('auditCheckpointer', checkpointer)
  app.addHook('onReady', async () => {
    refresher.start()
    sealer.start()
    checkpointer.start()
    imports.start()
  })
  app.addHook('onClose', async () => {
    await app.drain()
    // A running import hands its job back after its current chunk; another instance resumes it.
    await imports.stop()
    await refresher.stop()
    // The last writes are chained before the instance goes away (another instance or the next
    // start would chain them otherwise).
    await sealer.stop()
    await checkpointer.stop()
    await sealer.runOnce().catch(() => undefined)
    if (!deps.db) await db.close()
  })

  app.addHook('onSend', (request, reply, payload, next) => {
    reply.header('x-request-id', request.id)
    next(null, payload)
  })

  await app.register(errorsPlugin)
  await app.register(securityHeaders)
  if (config.corsOrigins !== false) {
    await app.register(cors, {
      origin: config.corsOrigins,
      exposedHeaders: ['ETag', 'Location', 'Link', 'X-Request-Id', 'Idempotency-Replayed', 'Retry-After'],
    })
  }
  // One budget per client address across all public routes (src/plugins/public-rate-limit.ts).
  app.addHook('onRoute', publicBudget(config.publicRateLimit))
  await app.register(rateLimit, { global: false, store: SharedBudgetStore as never })
  await app.register(openapiPlugin)
  await app.register(authPlugin, { config })
  await app.register(idempotencyPlugin, { ttlHours: config.idempotencyTtlHours })
  await app.register(bodyEncodingPlugin)
  await app.register(metricsPlugin, { port: config.metricsPort, host: config.metricsHost })

  await app.register(healthRoutes)
  await app.register(referenceRoutes)
  await app.register(enterpriseRoutes)
  await app.register(auditRoutes)
  await app.register(qualificationRoutes)
  await app.register(publicRoutes)
  await app.register(importRoutes)
  await app.register(supervisionRoutes)
  await app.register(targetRoutes)
  await app.register(incentiveRoutes)
  await app.register(progressPageRoutes)
  await app.register(revocationRoutes)
  return app
}
